package sink

import (
	"math"
	"strconv"
	"strings"
)

// InfluxDB line protocol: measurement,tag=v,... field=v,... timestamp.
// https://docs.influxdata.com/influxdb/v1/write_protocols/line_protocol_reference/

var (
	measurementEscaper = strings.NewReplacer(",", `\,`, " ", `\ `, "\n", `\ `, "\r", `\ `)
	// Tag keys, tag values and field keys. Newlines cannot be escaped at
	// all, so they become spaces.
	keyEscaper         = strings.NewReplacer(",", `\,`, "=", `\=`, " ", `\ `, "\n", `\ `, "\r", `\ `)
	stringFieldEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`)
)

// point is one line of line protocol being built.
type point struct {
	b      strings.Builder
	fields int
}

func newPoint(measurement string) *point {
	p := &point{}
	p.b.WriteString(measurementEscaper.Replace(measurement))
	return p
}

// tag adds a tag; empty values are left out, as line protocol has no
// empty tag values. Tags must be added before fields.
func (p *point) tag(key, value string) {
	if value == "" {
		return
	}
	p.b.WriteByte(',')
	p.b.WriteString(keyEscaper.Replace(key))
	p.b.WriteByte('=')
	p.b.WriteString(keyEscaper.Replace(value))
}

func (p *point) fieldKey(key string) {
	if p.fields == 0 {
		p.b.WriteByte(' ')
	} else {
		p.b.WriteByte(',')
	}
	p.fields++
	p.b.WriteString(keyEscaper.Replace(key))
	p.b.WriteByte('=')
}

// float adds a float field; NaN and infinities, which line protocol
// cannot carry, are left out.
func (p *point) float(key string, v float64) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return
	}
	p.fieldKey(key)
	// The shortest representation that reads back as the same float64.
	p.b.WriteString(strconv.FormatFloat(v, 'g', -1, 64))
}

func (p *point) integer(key string, v int64) {
	p.fieldKey(key)
	p.b.WriteString(strconv.FormatInt(v, 10))
	p.b.WriteByte('i')
}

func (p *point) str(key, v string) {
	p.fieldKey(key)
	p.b.WriteByte('"')
	p.b.WriteString(stringFieldEscaper.Replace(v))
	p.b.WriteByte('"')
}

func (p *point) boolean(key string, v bool) {
	p.fieldKey(key)
	p.b.WriteString(strconv.FormatBool(v))
}

// line ends the point with its timestamp in nanoseconds. A point without
// fields is not valid line protocol; ok is false then.
func (p *point) line(ns int64) (string, bool) {
	if p.fields == 0 {
		return "", false
	}
	p.b.WriteByte(' ')
	p.b.WriteString(strconv.FormatInt(ns, 10))
	return p.b.String(), true
}
