package deploy_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path"
	"regexp"
	"strings"
	"testing"
)

// dockerfile returns the repository's Dockerfile with continuation lines
// joined.
func dockerfile(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile("../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	return strings.ReplaceAll(string(data), "\\\n", " ")
}

// dockerfileUser returns the uid and gid of the final stage's USER.
func dockerfileUser(t *testing.T) (uid, gid string) {
	t.Helper()
	m := regexp.MustCompile(`(?m)^USER (\d+):(\d+)\s*$`).FindAllStringSubmatch(dockerfile(t), -1)
	if len(m) != 1 {
		t.Fatalf("Dockerfile: want one numeric USER uid:gid line, got %d", len(m))
	}
	return m[0][1], m[0][2]
}

// TestDockerfile checks the Dockerfile against the repository it builds:
// the Go version, the package stamped by -X, the main package, glibc.
func TestDockerfile(t *testing.T) {
	df := dockerfile(t)

	// The build stage's Go is the go.mod's major.minor.
	mod, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	goLine := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindSubmatch(mod)
	if goLine == nil {
		t.Fatal("go.mod has no go line")
	}
	if want := "ARG GO_VERSION=" + string(goLine[1]) + "\n"; !strings.Contains(df, want) {
		t.Errorf("Dockerfile: want %q (go.mod says go %s)", strings.TrimSpace(want), goLine[1])
	}
	froms := regexp.MustCompile(`(?m)^FROM (\S+)`).FindAllStringSubmatch(df, -1)
	if len(froms) != 2 || froms[0][1] != "golang:${GO_VERSION}-bookworm" || froms[1][1] != "debian:bookworm-slim" {
		t.Errorf("Dockerfile stages %q: want a golang bookworm build stage and a debian:bookworm-slim one (same glibc)", froms)
	}

	// cgo, for go-nvml, in the instruction that builds.
	build := regexp.MustCompile(`(?m)^RUN .*\bgo build\b.*$`).FindString(df)
	if !strings.Contains(build, "CGO_ENABLED=1 ") {
		t.Errorf("Dockerfile: the binary must be built with CGO_ENABLED=1 (go-nvml); the build is %q", build)
	}

	// -X names a string variable that exists.
	x := regexp.MustCompile(`-X ([\w./-]+)\.(\w+)=`).FindStringSubmatch(df)
	if x == nil {
		t.Fatal("Dockerfile: no -X version stamp")
	}
	const module = "github.com/aienergy/aienergy/"
	if !strings.HasPrefix(x[1], module) {
		t.Fatalf("-X %s: not a package of %s", x[1], module)
	}
	if !declaresStringVar(t, "../"+strings.TrimPrefix(x[1], module), x[2]) {
		t.Errorf("-X %s.%s: the package declares no such package-level variable", x[1], x[2])
	}

	// The built package is a main package.
	main := regexp.MustCompile(`-o \S+ (\./\S+)`).FindStringSubmatch(df)
	if main == nil {
		t.Fatal("Dockerfile: go build has no `-o OUT ./pkg`")
	}
	if !isMainPackage(t, path.Join("..", main[1])) {
		t.Errorf("Dockerfile builds %s, which is not a main package", main[1])
	}

	for _, want := range []string{
		`ENTRYPOINT ["aienergy"]`,
		"NVIDIA_VISIBLE_DEVICES=all",
		"NVIDIA_DRIVER_CAPABILITIES=utility",
		"EXPOSE 9464",
	} {
		if !strings.Contains(df, want) {
			t.Errorf("Dockerfile lacks %s", want)
		}
	}
	if uid, _ := dockerfileUser(t); uid == "0" {
		t.Error("Dockerfile: the image runs as root")
	}
}

// TestDockerignoreKeepsSources checks that .dockerignore leaves in what the
// build copies.
func TestDockerignoreKeepsSources(t *testing.T) {
	data, err := os.ReadFile("../.dockerignore")
	if err != nil {
		t.Fatal(err)
	}
	needed := []string{"go.mod", "go.sum", "cmd/aienergy/main.go", "internal/cli/root.go", "config/default.yaml"}
	for _, line := range strings.Split(string(data), "\n") {
		pat := strings.TrimPrefix(strings.TrimSpace(line), "/")
		if pat == "" || strings.HasPrefix(pat, "#") || strings.HasPrefix(pat, "!") {
			continue
		}
		for _, n := range needed {
			// A pattern excludes a path or any folder above it.
			for p := n; p != "."; p = path.Dir(p) {
				if ok, _ := path.Match(pat, p); ok {
					t.Errorf(".dockerignore: %q excludes %s, which the build needs", pat, n)
				}
			}
		}
	}
}

func parseDir(t *testing.T, dir string) []*ast.File {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var files []*ast.File
	fset := token.NewFileSet()
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path.Join(dir, e.Name()), nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	return files
}

func declaresStringVar(t *testing.T, dir, name string) bool {
	for _, f := range parseDir(t, dir) {
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.VAR {
				continue
			}
			for _, s := range g.Specs {
				for _, n := range s.(*ast.ValueSpec).Names {
					if n.Name == name {
						return true
					}
				}
			}
		}
	}
	return false
}

func isMainPackage(t *testing.T, dir string) bool {
	files := parseDir(t, dir)
	for _, f := range files {
		if f.Name.Name != "main" {
			return false
		}
	}
	return len(files) > 0
}
