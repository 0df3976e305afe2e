package launch

import (
	"fmt"
	"strings"
)

// Split turns a command line into argv the way a POSIX shell would quote
// it, without running one: whitespace separates words, '…' is literal,
// "…" allows \" \\ \$ \` escapes, a backslash outside quotes escapes the
// next character. Nothing is expanded. Because nothing is, the characters a
// shell would act on — $ and ` (expansion), | & ; < > ( ) (operators), and
// ~ or # at the start of a word — are errors when unquoted: passed on
// literally they would reach the server as arguments the user did not mean.
// Globs (* ? [) pass through literally, as a shell does when nothing matches.
func Split(cmdline string) ([]string, error) {
	var (
		args    []string
		word    strings.Builder
		inWord  bool // a word has started, even if empty ('' is a word)
		rs      = []rune(cmdline)
		errorAt = func(i int, format string, a ...any) error {
			return fmt.Errorf("launch command %q, character %d: %s", cmdline, i+1, fmt.Sprintf(format, a...))
		}
	)
	for i := 0; i < len(rs); i++ {
		c := rs[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			if inWord {
				args = append(args, word.String())
				word.Reset()
				inWord = false
			}
		case c == '\\':
			if i+1 >= len(rs) {
				return nil, errorAt(i, "ends with a backslash; remove it or escape it as \\\\")
			}
			i++
			if rs[i] != '\n' { // backslash-newline continues the line
				word.WriteRune(rs[i])
				inWord = true
			}
		case c == '\'':
			end := indexRune(rs, i+1, '\'')
			if end < 0 {
				return nil, errorAt(i, "single quote is never closed")
			}
			word.WriteString(string(rs[i+1 : end]))
			inWord = true
			i = end
		case c == '"':
			end, err := readDouble(rs, i+1, &word)
			if err != nil {
				return nil, errorAt(end, "%v", err)
			}
			inWord = true
			i = end
		case strings.ContainsRune("$`", c):
			return nil, errorAt(i, "%q would be expanded by a shell, and the launch command runs without one; put the value itself, single-quote it ('%c') if it is literal, or set variables in the launch environment", c, c)
		case strings.ContainsRune("|&;<>()", c):
			return nil, errorAt(i, "%q is a shell operator, and the launch command runs one program without a shell; quote it if it is an argument, or write: sh -c '…' if you need a shell", c)
		case !inWord && (c == '~' || c == '#'):
			return nil, errorAt(i, "a word starting with %q means something to a shell (home directory, comment) and nothing is expanded here; write the full path, or quote it if it is literal", c)
		default:
			word.WriteRune(c)
			inWord = true
		}
	}
	if inWord {
		args = append(args, word.String())
	}
	if len(args) == 0 {
		return nil, fmt.Errorf("launch command %q is empty; give the server's command line, e.g. \"vllm serve MODEL --port 8000\"", cmdline)
	}
	return args, nil
}

// readDouble reads a double-quoted string starting after its opening quote
// and returns the index of the closing quote.
func readDouble(rs []rune, i int, word *strings.Builder) (int, error) {
	start := i - 1
	for ; i < len(rs); i++ {
		switch c := rs[i]; c {
		case '"':
			return i, nil
		case '\\':
			if i+1 < len(rs) && strings.ContainsRune("\"\\$`\n", rs[i+1]) {
				i++
				if rs[i] != '\n' {
					word.WriteRune(rs[i])
				}
				continue
			}
			word.WriteRune(c) // a shell keeps other backslashes in "…"
		case '$', '`':
			return i, fmt.Errorf("%q inside double quotes would be expanded by a shell, and nothing is expanded here; use single quotes or \\%c", c, c)
		default:
			word.WriteRune(c)
		}
	}
	return start, fmt.Errorf("double quote is never closed")
}

func indexRune(rs []rune, from int, r rune) int {
	for i := from; i < len(rs); i++ {
		if rs[i] == r {
			return i
		}
	}
	return -1
}
