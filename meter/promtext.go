package meter

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// This file parses the Prometheus text exposition format (version 0.0.4,
// plus what OpenMetrics 1.0 and Prometheus 3 add to a sample line: quoted
// UTF-8 names, exemplars). It is a hand parser rather than expfmt because
// expfmt's dependencies (goautoneg, protobuf) are not in go.sum, and because
// an exporter meter needs two or three metrics out of scrapes that can hold
// thousands of lines: this parser skips unwanted lines after reading their
// name and builds nothing for them, where expfmt builds a protobuf message
// for every sample.

// A promSample is one sample line of a wanted metric.
type promSample struct {
	name   string
	labels []promLabel
	value  float64
	line   int // 1-based, for error messages
}

type promLabel struct{ name, value string }

// label returns the value of the label called name, and whether it is set.
func (s *promSample) label(name string) (string, bool) {
	for _, l := range s.labels {
		if l.name == name {
			return l.value, true
		}
	}
	return "", false
}

// String renders the sample's series the way Prometheus writes it.
func (s *promSample) String() string {
	var b strings.Builder
	b.WriteString(s.name)
	b.WriteByte('{')
	for i, l := range s.labels {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(l.name)
		b.WriteByte('=')
		b.WriteString(strconv.Quote(l.value))
	}
	b.WriteByte('}')
	return b.String()
}

// parseExposition returns the samples in body whose metric name is in want,
// in the order they appear. A malformed line of a wanted metric is an error
// naming the line; lines of other metrics are skipped unread, so a quirk in
// some unrelated collector cannot break the meter.
func parseExposition(body []byte, want map[string]bool) ([]promSample, error) {
	var samples []promSample
	lineNo := 0
	for len(body) > 0 {
		lineNo++
		var line []byte
		if i := bytes.IndexByte(body, '\n'); i >= 0 {
			line, body = body[:i], body[i+1:]
		} else {
			line, body = body, nil
		}
		line = bytes.TrimRight(line, "\r")
		line = bytes.TrimLeft(line, " \t")
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		s, ok, err := parseSampleLine(line, want)
		if err != nil {
			return nil, fmt.Errorf("line %d: %v: %s", lineNo, err, snippet(line))
		}
		if ok {
			s.line = lineNo
			samples = append(samples, s)
		}
	}
	return samples, nil
}

// parseSampleLine parses one sample line. ok is false, with no error, when
// the metric is not wanted.
func parseSampleLine(line []byte, want map[string]bool) (s promSample, ok bool, err error) {
	i := 0
	if line[0] != '{' {
		for i < len(line) && line[i] != '{' && line[i] != ' ' && line[i] != '\t' {
			i++
		}
		name := line[:i]
		if !want[string(name)] { // string(name) in a map index does not allocate
			return s, false, nil
		}
		if !validMetricName(name) {
			return s, false, fmt.Errorf("invalid metric name %q", name)
		}
		s.name = string(name)
	}
	if k := skipBlank(line, i); k < len(line) && line[k] == '{' {
		i = k
		var quotedName string
		s.labels, quotedName, i, err = parseLabels(line, i+1)
		if err != nil {
			return s, false, err
		}
		if quotedName != "" {
			if s.name != "" {
				return s, false, fmt.Errorf("metric name given twice")
			}
			s.name = quotedName
		}
	}
	if s.name == "" {
		return s, false, fmt.Errorf("no metric name")
	}
	if !want[s.name] {
		return s, false, nil
	}
	// The value follows after blanks; a timestamp or an OpenMetrics exemplar
	// may follow it and is ignored.
	j := i
	for j < len(line) && (line[j] == ' ' || line[j] == '\t') {
		j++
	}
	if j == len(line) {
		return s, false, fmt.Errorf("no value after the series")
	}
	k := j
	for k < len(line) && line[k] != ' ' && line[k] != '\t' {
		k++
	}
	s.value, err = strconv.ParseFloat(string(line[j:k]), 64)
	if err != nil {
		return s, false, fmt.Errorf("value %q is not a number", line[j:k])
	}
	return s, true, nil
}

// parseLabels parses `name="value",...}` starting just after the '{'. In
// the UTF-8 form a lone quoted string is the metric name. It returns the
// labels, that name if present, and the index just after the '}'.
func parseLabels(line []byte, i int) (labels []promLabel, quotedName string, next int, err error) {
	labels = make([]promLabel, 0, 8) // exporters attach 5 to 10 labels; one allocation
	for {
		i = skipBlank(line, i)
		if i >= len(line) {
			return nil, "", 0, fmt.Errorf("unterminated label set")
		}
		if line[i] == '}' {
			return labels, quotedName, i + 1, nil
		}
		var name string
		quoted := line[i] == '"'
		if quoted {
			name, i, err = parseQuoted(line, i)
			if err != nil {
				return nil, "", 0, err
			}
		} else {
			start := i
			for i < len(line) && isLabelNameByte(line[i], i == start) {
				i++
			}
			if i == start {
				return nil, "", 0, fmt.Errorf("bad character %q in label set", line[i])
			}
			name = string(line[start:i])
		}
		i = skipBlank(line, i)
		if quoted && i < len(line) && (line[i] == ',' || line[i] == '}') {
			// A quoted string with no "=value": the UTF-8 metric name.
			if quotedName != "" {
				return nil, "", 0, fmt.Errorf("two metric names in one label set")
			}
			quotedName = name
			if line[i] == ',' {
				i++
			}
			continue
		}
		if i >= len(line) || line[i] != '=' {
			return nil, "", 0, fmt.Errorf("want = after label %q", name)
		}
		i = skipBlank(line, i+1)
		if i >= len(line) || line[i] != '"' {
			return nil, "", 0, fmt.Errorf("label %q has no quoted value", name)
		}
		var value string
		value, i, err = parseQuoted(line, i)
		if err != nil {
			return nil, "", 0, err
		}
		labels = append(labels, promLabel{name: name, value: value})
		i = skipBlank(line, i)
		if i >= len(line) {
			return nil, "", 0, fmt.Errorf("unterminated label set")
		}
		if line[i] == ',' {
			i++
		} else if line[i] != '}' {
			return nil, "", 0, fmt.Errorf("want , or } after label %q", name)
		}
	}
}

// parseQuoted reads a double-quoted string starting at line[i] == '"',
// undoing the format's three escapes (\\, \", \n). It returns the index
// just after the closing quote.
func parseQuoted(line []byte, i int) (string, int, error) {
	i++ // opening quote
	start := i
	escaped := false
	for ; i < len(line); i++ {
		switch line[i] {
		case '\\':
			escaped = true
			i++ // skip the escaped byte
		case '"':
			raw := line[start:i]
			if !escaped {
				return string(raw), i + 1, nil
			}
			return unescape(raw), i + 1, nil
		}
	}
	return "", 0, fmt.Errorf("unterminated quoted string")
}

func unescape(raw []byte) string {
	var b strings.Builder
	b.Grow(len(raw))
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c == '\\' && i+1 < len(raw) {
			i++
			switch raw[i] {
			case 'n':
				c = '\n'
			default: // \\ and \" stand for themselves; so does anything else
				c = raw[i]
			}
		}
		b.WriteByte(c)
	}
	return b.String()
}

func skipBlank(line []byte, i int) int {
	for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
		i++
	}
	return i
}

func isLabelNameByte(c byte, first bool) bool {
	return c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || !first && '0' <= c && c <= '9'
}

func validMetricName(name []byte) bool {
	if len(name) == 0 {
		return false
	}
	for i, c := range name {
		if !(c == ':' || isLabelNameByte(c, i == 0)) {
			return false
		}
	}
	return true
}

func snippet(line []byte) string {
	const limit = 120
	if len(line) > limit {
		return string(line[:limit]) + "…"
	}
	return string(line)
}
