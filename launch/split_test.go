package launch

import (
	"reflect"
	"strings"
	"testing"
)

func TestSplit(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"vllm serve meta-llama/Llama-3.1-8B-Instruct --port 8000",
			[]string{"vllm", "serve", "meta-llama/Llama-3.1-8B-Instruct", "--port", "8000"}},
		{"  vllm\tserve  m \n", []string{"vllm", "serve", "m"}},
		{`vllm serve m --override-generation-config '{"temperature": 0.5}'`,
			[]string{"vllm", "serve", "m", "--override-generation-config", `{"temperature": 0.5}`}},
		{`a "two words" 'it''s' ""`, []string{"a", "two words", "its", ""}},
		{`a "say \"hi\" \\ \$ \x"`, []string{"a", `say "hi" \ $ \x`}},
		{`a 'no $HOME or \n here'`, []string{"a", `no $HOME or \n here`}},
		{`a b\ c \$x \|`, []string{"a", "b c", "$x", "|"}},
		{"a \\\n  b", []string{"a", "b"}},
		{`a--x=1 pre"mid"'end'`, []string{"a--x=1", "premidend"}},
		{`python -m sglang.launch_server --model-path m --tp 2`,
			[]string{"python", "-m", "sglang.launch_server", "--model-path", "m", "--tp", "2"}},
		{`a b*.txt x~y 'a#b' c#d`, []string{"a", "b*.txt", "x~y", "a#b", "c#d"}},
		{`sh -c 'vllm serve m > log 2>&1'`, []string{"sh", "-c", "vllm serve m > log 2>&1"}},
		{"ünï 'cödé'", []string{"ünï", "cödé"}},
	}
	for _, tt := range tests {
		got, err := Split(tt.in)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Split(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestSplitErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "is empty"},
		{"   \t ", "is empty"},
		{`vllm serve 'm`, "character 12: single quote is never closed"},
		{`vllm serve "m`, "character 12: double quote is never closed"},
		{`vllm serve m\`, "ends with a backslash"},
		{`vllm serve $MODEL`, `'$' would be expanded by a shell`},
		{`vllm serve "$MODEL"`, `'$' inside double quotes`},
		{"vllm serve `m`", "would be expanded by a shell"},
		{`vllm serve m > log`, `'>' is a shell operator`},
		{`vllm serve m | tee log`, `'|' is a shell operator`},
		{`vllm serve m && echo`, `'&' is a shell operator`},
		{`vllm serve m; echo`, `';' is a shell operator`},
		{`vllm serve --download-dir ~/models`, `starting with '~'`},
		{`vllm serve m # comment`, `starting with '#'`},
	}
	for _, tt := range tests {
		_, err := Split(tt.in)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Split(%q) err = %v; want it to contain %q", tt.in, err, tt.want)
		}
	}
}
