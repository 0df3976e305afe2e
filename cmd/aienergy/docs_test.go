package main

import (
	"bufio"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// A documented command that fails is a false statement of the docs. These
// tests run every command of README.md's and docs/*.md's shell blocks as
// a user copies it, with what the user would have filled in: README's own
// example config for my.yaml, a finished run for runs/<run>, a free port
// for the simulator. Commands that would send load to a server nobody runs
// here get --dry-run, which builds the whole plan (config, overrides,
// dataset, meters, reporters, backend options) and sends nothing.

// docCommand is one command line of the docs, where it was found.
type docCommand struct {
	where string // file:line
	args  []string
}

var docFiles = []string{"../../README.md", "../../docs/compare.md", "../../docs/config.md", "../../docs/limits.md", "../../docs/meters.md", "../../docs/output.md", "../../docs/extending.md"}

// docCommands reads the aienergy commands of the shell blocks of the docs.
// Synopses (ALL-CAPS placeholders, "...") are not commands and are left
// out; an optional part in brackets is dropped, as the plainest use.
func docCommands(t *testing.T) []docCommand {
	t.Helper()
	synopsis := regexp.MustCompile(`\b[A-Z]{3,}\b|\.\.\.`)
	optional := regexp.MustCompile(`\s+\[[^\]]*\]`) // a whole argument in brackets
	var cmds []docCommand
	for _, file := range docFiles {
		f, err := os.Open(file)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		inShell := false
		for n := 1; sc.Scan(); n++ {
			line := sc.Text()
			if strings.HasPrefix(line, "```") {
				inShell = !inShell && (line == "```sh" || line == "```console" || line == "```bash")
				continue
			}
			if !inShell {
				continue
			}
			text, _, _ := strings.Cut(line, "#")  // the comment
			text, _, _ = strings.Cut(text, " > ") // a redirection: the command is what runs
			text, _, _ = strings.Cut(text, " | ")
			text = strings.TrimSuffix(strings.TrimSpace(text), "&")
			text = strings.TrimPrefix(strings.TrimSpace(text), "go run ./cmd/aienergy ")
			text = strings.TrimPrefix(text, "aienergy ")
			if text == line || text == "" || strings.HasPrefix(text, "go ") || strings.HasPrefix(text, "aienergy") {
				continue // not an aienergy command
			}
			if synopsis.MatchString(text) {
				continue
			}
			text = optional.ReplaceAllString(text, "")
			args := strings.Fields(text)
			for i, a := range args { // the shell's quotes, as around 'sweep.rates=[5,20]'
				args[i] = strings.Trim(a, `'"`)
			}
			cmds = append(cmds, docCommand{where: filepath.Base(file) + ":" + strconv.Itoa(n), args: args})
		}
		f.Close()
	}
	return cmds
}

func TestDocumentedCommands(t *testing.T) {
	cmds := docCommands(t)
	if len(cmds) < 10 {
		t.Fatalf("found %d commands in the docs; the reader must have broken", len(cmds))
	}
	work := t.TempDir()
	myYAML := filepath.Join(work, "my.yaml")
	if err := os.WriteFile(myYAML, []byte(readmeConfig(t)), 0o644); err != nil {
		t.Fatal(err)
	}
	runs := filepath.Join(work, "runs")
	for _, fixture := range []string{"run-two-models", "run-sweep-slo"} {
		dir := filepath.Join(runs, fixture)
		if err := os.CopyFS(dir, os.DirFS(filepath.Join("../../report/html/testdata", fixture))); err != nil {
			t.Fatal(err)
		}
		// A finished run has its figures; the fixtures hold raw files.
		if out, err := exec.Command(aienergy, "report", dir).CombinedOutput(); err != nil {
			t.Fatalf("aienergy report %s: %v\n%s", fixture, err, out)
		}
	}
	for _, c := range cmds {
		t.Run(c.where+" "+strings.Join(c.args, " "), func(t *testing.T) {
			args := make([]string, 0, len(c.args)+3)
			for _, a := range c.args {
				switch a {
				case "my.yaml":
					a = myYAML
				case "runs/<run>":
					a = filepath.Join(runs, "run-two-models")
				case "runs/":
					a = runs
				}
				args = append(args, a)
			}
			switch args[0] {
			case "run":
				args = append(args, "--dry-run", "--output", filepath.Join(t.TempDir(), "run"))
			case "sim":
				checkSimCommand(t, args)
				return
			case "measure":
				// The workload is the user's (a Python script); a command
				// that exits at once stands in for it, idle phases short.
				if i := indexOf(args, "--"); i > 0 {
					args = append(args[:i:i], "--idle-before", "0.2s", "--idle-after", "0.2s", "--output", filepath.Join(t.TempDir(), "m"), "--", "true")
				}
			}
			cmd := exec.Command(aienergy, args...)
			cmd.Dir = work
			cmd.Env = append(os.Environ(), "OPENAI_API_KEY=sk-docs-test")
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Errorf("%s: aienergy %s: %v\n%s", c.where, strings.Join(c.args, " "), err, tail(string(out), 2000))
			}
		})
	}
}

// readmeConfig is README.md's example configuration (its first yaml block).
func readmeConfig(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(data), "```yaml\n")
	block, _, ok2 := strings.Cut(rest, "```")
	if !ok || !ok2 {
		t.Fatal("README.md has no yaml block")
	}
	return block
}

// checkSimCommand runs the documented `aienergy sim --addr …` on a free
// port and checks that it serves the OpenAI API there.
func checkSimCommand(t *testing.T, args []string) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	if i := indexOf(args, "--addr"); i > 0 && i+1 < len(args) {
		args[i+1] = addr
	}
	p := start(t, args...)
	var resp *http.Response
	p.waitFor(t, "the simulator to serve /v1/models", func() bool {
		resp, err = http.Get("http://" + addr + "/v1/models")
		return err == nil
	})
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET /v1/models: %s", resp.Status)
	}
}

func indexOf(args []string, s string) int {
	for i, a := range args {
		if a == s {
			return i
		}
	}
	return -1
}
