package deploy_test

import (
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aienergy/aienergy/config"
	"github.com/aienergy/aienergy/internal/testenv"
)

// TestComposeWiring checks that the compose stack's files point at each
// other: services, ports, mounted files, scrape targets, the data source.
func TestComposeWiring(t *testing.T) {
	compose := readYAML(t, "compose.yaml")
	services := dig(t, compose, "services").(map[string]any)
	var names []string
	for n := range services {
		names = append(names, n)
	}
	sort.Strings(names)
	if want := []string{"aienergy", "dcgm-exporter", "grafana", "prometheus", "vllm"}; !slices.Equal(names, want) {
		t.Fatalf("services %q, want %q", names, want)
	}

	// Every file a service mounts from here exists; the build context has
	// the Dockerfile.
	for _, n := range names {
		vols, ok := services[n].(map[string]any)["volumes"]
		if !ok {
			continue
		}
		for _, v := range strs(t, vols) {
			src, _, _ := strings.Cut(v, ":")
			if strings.HasPrefix(src, "./") {
				if _, err := os.Stat(src); err != nil {
					t.Errorf("service %s mounts %s: %v", n, src, err)
				}
			}
		}
	}
	ctx := dig(t, services, "aienergy", "build", "context").(string)
	if _, err := os.Stat(filepath.Join(ctx, dig(t, services, "aienergy", "build", "dockerfile").(string))); err != nil {
		t.Errorf("aienergy build: %v", err)
	}

	// The GPU services reserve GPUs; aienergy reads them through
	// dcgm-exporter and needs none.
	for _, n := range []string{"vllm", "dcgm-exporter"} {
		d := dig(t, services, n, "deploy", "resources", "reservations", "devices", 0)
		if dig(t, d, "driver") != "nvidia" || !slices.Contains(strs(t, dig(t, d, "capabilities")), "gpu") {
			t.Errorf("service %s: no nvidia gpu reservation: %v", n, d)
		}
	}

	// Prometheus scrapes the services at the ports they listen on.
	_, _, flags := splitCommand(t, strs(t, dig(t, services, "aienergy", "command")))
	_, aienergyPort, err := net.SplitHostPort(flags["--metrics-addr"])
	if err != nil {
		t.Fatalf("aienergy --metrics-addr %q: %v", flags["--metrics-addr"], err)
	}
	cfg, err := config.Load("bench.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	dcgm, err := url.Parse(cfg.Meters[0].Options["url"].(string))
	if err != nil {
		t.Fatal(err)
	}
	backend, err := url.Parse(cfg.Backend.Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	wantTargets := map[string]string{
		"aienergy":      "aienergy:" + aienergyPort,
		"dcgm-exporter": dcgm.Host,
		"vllm":          backend.Host,
	}
	prom := readYAML(t, "prometheus.yml")
	got := map[string]string{}
	for _, sc := range dig(t, prom, "scrape_configs").([]any) {
		targets := strs(t, dig(t, sc, "static_configs", 0, "targets"))
		got[dig(t, sc, "job_name").(string)] = strings.Join(targets, ",")
	}
	for job, want := range wantTargets {
		if got[job] != want {
			t.Errorf("prometheus.yml job %s scrapes %q, want %q", job, got[job], want)
		}
		host, _, _ := net.SplitHostPort(want)
		if services[host] == nil {
			t.Errorf("scrape target %s: no compose service %s", want, host)
		}
	}
	if p := dcgm.Path; p != "/metrics" {
		t.Errorf("bench.yaml reads dcgm-exporter at path %q, want /metrics", p)
	}

	// Grafana's data source is the prometheus service; its dashboard
	// provider reads the folder the dashboard is mounted in.
	ds := readYAML(t, "grafana/provisioning/datasources/prometheus.yaml")
	dsURL, err := url.Parse(dig(t, ds, "datasources", 0, "url").(string))
	if err != nil || dsURL.Hostname() != "prometheus" {
		t.Errorf("Grafana data source url %v: want the prometheus service", dig(t, ds, "datasources", 0, "url"))
	}
	provider := readYAML(t, "grafana/provisioning/dashboards/aienergy.yaml")
	folder := dig(t, provider, "providers", 0, "options", "path").(string)
	mounted := false
	for _, v := range strs(t, dig(t, services, "grafana", "volumes")) {
		src, dst, _ := strings.Cut(strings.TrimSuffix(v, ":ro"), ":")
		if src == "./grafana/aienergy-dashboard.json" && filepath.Dir(dst) == folder {
			mounted = true
		}
	}
	if !mounted {
		t.Errorf("grafana: the dashboard is not mounted in the provider's folder %s", folder)
	}
}

// TestPrometheusConfig has the real promtool check prometheus.yml.
func TestPrometheusConfig(t *testing.T) {
	promtool := testenv.Binary(t, "promtool", "prometheus")
	out, err := exec.Command(promtool, "check", "config", "prometheus.yml").CombinedOutput()
	if err != nil {
		t.Fatalf("promtool check config: %v\n%s", err, out)
	}
}
