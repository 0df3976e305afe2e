package deploy_test

import (
	"bytes"
	"context"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aienergy/aienergy/config"
	"github.com/aienergy/aienergy/internal/cli"
	"github.com/aienergy/aienergy/meter"
	_ "github.com/aienergy/aienergy/meter/all"
	"github.com/aienergy/aienergy/sink"
)

// A benchmark as a deployment runs it: the config file on this machine and
// the command line the container gets.
type deployedBench struct {
	name   string
	config string   // path here
	args   []string // the container's arguments, config path included
	// What the example promises.
	endpointHost string
	meterTypes   []string // every configured meter's type, in order
	outputDir    string   // where a volume is mounted for the run directories
}

func composeBench(t *testing.T) deployedBench {
	svc := dig(t, readYAML(t, "compose.yaml"), "services", "aienergy")
	args := strs(t, dig(t, svc, "command"))
	for i := range args {
		args[i] = interpolate(args[i])
	}
	inContainer, _, _ := splitCommand(t, args)
	host := ""
	for _, v := range strs(t, dig(t, svc, "volumes")) {
		src, dst, _ := strings.Cut(strings.TrimSuffix(v, ":ro"), ":")
		if dst == inContainer {
			host = src
		}
	}
	if host == "" {
		t.Fatalf("compose.yaml: no volume of service aienergy is mounted at %s", inContainer)
	}
	return deployedBench{
		name: "compose", config: host, args: args,
		endpointHost: "vllm:8000", meterTypes: []string{"exporter", "rapl"}, outputDir: "/work/runs",
	}
}

func k8sBench(t *testing.T) deployedBench {
	var cm map[string]any
	for _, d := range readYAMLDocs(t, "k8s/configmap.yaml") {
		if d["kind"] == "ConfigMap" {
			cm = d
		}
	}
	if cm == nil {
		t.Fatal("k8s/configmap.yaml has no ConfigMap")
	}
	data, ok := dig(t, cm, "data", "bench.yaml").(string)
	if !ok {
		t.Fatal("k8s/configmap.yaml: data.bench.yaml is not a string")
	}
	path := filepath.Join(t.TempDir(), "bench.yaml")
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	job := k8sJob(t)
	args := strs(t, dig(t, job, "spec", "template", "spec", "containers", 0, "args"))
	return deployedBench{
		name: "k8s", config: path, args: args,
		endpointHost: "vllm.llm.svc.cluster.local:8000", meterTypes: []string{"prometheus"}, outputDir: "/runs",
	}
}

// TestBenchConfigsLoad loads each example's config with the overrides its
// command line gives, and builds every meter and sink in it: a typo in an
// option, which the config loader leaves to the meter's code, fails here
// rather than at the start of somebody's GPU hour.
func TestBenchConfigsLoad(t *testing.T) {
	for _, b := range []deployedBench{composeBench(t), k8sBench(t)} {
		t.Run(b.name, func(t *testing.T) {
			_, overrides, _ := splitCommand(t, b.args)
			cfg, err := config.Load(b.config, overrides)
			if err != nil {
				t.Fatal(err)
			}
			u, err := url.Parse(cfg.Backend.Endpoint)
			if err != nil || u.Host != b.endpointHost {
				t.Errorf("backend.endpoint = %q, want host %s", cfg.Backend.Endpoint, b.endpointHost)
			}
			if cfg.Output.Dir != b.outputDir {
				t.Errorf("output.dir = %q, want %q, where the run directories' volume is mounted", cfg.Output.Dir, b.outputDir)
			}
			var types []string
			for _, m := range cfg.Meters {
				types = append(types, m.Type)
				// Built even when disabled: turning it on must not
				// reveal a mistake. Unavailable (no RAPL here) is fine.
				_, err := meter.New(context.Background(), meter.Spec{Name: m.Name, Type: m.Type, Options: m.Options, Source: b.config})
				if err != nil && !errors.Is(err, meter.ErrUnavailable) {
					t.Errorf("meter %s: %v", m.Name, err)
				}
			}
			if !slices.Equal(types, b.meterTypes) {
				t.Errorf("meter types = %q, want %q", types, b.meterTypes)
			}
			for _, r := range cfg.Reporters {
				if err := sink.Check(r.Type, r.SinkOptions()); err != nil {
					t.Errorf("reporter %s: %v", r.Type, err)
				}
			}
		})
	}
}

// TestBenchCommandsParse runs each example's exact command line through
// the CLI with --dry-run added (and the config path of this machine), so
// that a renamed flag or a bad override breaks this test, not the deploy.
func TestBenchCommandsParse(t *testing.T) {
	for _, b := range []deployedBench{composeBench(t), k8sBench(t)} {
		t.Run(b.name, func(t *testing.T) {
			args := slices.Clone(b.args)
			args[1] = b.config
			if i := slices.Index(args, "--metrics-addr"); i >= 0 {
				args[i+1] = "127.0.0.1:0" // the container's port may be taken here
			}
			args = append(args, "--dry-run")
			var stdout, stderr bytes.Buffer
			code := cli.Execute(context.Background(), args, &stdout, &stderr)
			if code != 0 {
				t.Fatalf("aienergy %s: exit %d\n%s%s", strings.Join(args, " "), code, stdout.String(), stderr.String())
			}
			if !strings.Contains(stdout.String(), "dry run: no request sent") {
				t.Errorf("no dry-run plan printed:\n%s", stdout.String())
			}
		})
	}
}
