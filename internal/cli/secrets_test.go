package cli

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aienergy/aienergy/internal/redact"
	"github.com/aienergy/aienergy/internal/testenv"
	"github.com/aienergy/aienergy/sim"
)

// Secrets of every kind, each distinct, so that a leak names its source;
// their first 6 characters are searched for, to catch a cut one.
const (
	secretURLPass   = "Q7Kd91xZ-urlpass"   // backend.endpoint user:PASS@
	secretAPIKey    = "Vb82LmQe-apikey"    // backend.api_key_env's value
	secretHeader    = "Tn5Rw0Pc-header"    // backend.headers (a name no rule calls secret)
	secretCommunity = "Hj3Ys6Ug-community" // SNMP v2c community
	secretAuthPass  = "Fz9Nq2Wk-authpass"  // SNMP v3 auth_password
	secretPrivPass  = "Lc4Xe7Rb-privpass"  // SNMP v3 priv_password
	secretExporter  = "Md8Gv1Sy-exptoken"  // exporter headers: Authorization
	secretMeterPass = "Ka6Po3Ji-meterpass" // exporter url user:PASS@
	secretSinkPass  = "Wr2Ct5Ne-sinkpass"  // ClickHouse url user:PASS@
)

// secretServer is a vLLM-compatible server (the simulator) that insists
// on the backend's header and the exporter's Authorization, and answers
// every third chat request with a 401 whose message quotes a secret
// header where the message is cut.
type secretServer struct {
	*httptest.Server
	sawHeader, sawExporter, echoed atomic.Int64
}

func newSecretServer(t *testing.T) *secretServer {
	s, err := sim.New(sim.Config{Models: []string{"m1"}, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	srv := &secretServer{}
	var chats atomic.Int64
	srv.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/metrics" {
			if r.Header.Get("Authorization") != "Bearer "+secretExporter {
				http.Error(w, "who are you?", http.StatusUnauthorized)
				return
			}
			srv.sawExporter.Add(1)
		} else if strings.HasPrefix(r.URL.Path, "/v1/") {
			if r.Header.Get("X-Team") != secretHeader || r.Header.Get("Authorization") != "Bearer "+secretAPIKey {
				http.Error(w, "missing credentials", http.StatusUnauthorized)
				return
			}
			srv.sawHeader.Add(1)
			if r.URL.Path == "/v1/chat/completions" && chats.Add(1)%3 == 0 {
				// The quoted secret starts at character 194 of the
				// message: a cut at 200 before masking would show 6.
				v := r.Header.Get("X-Team")
				if srv.echoed.Add(1)%2 == 0 {
					v = strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
				}
				msg := strings.Repeat("x", 180) + " your header " + v + ", and all: " + fmt.Sprint(r.Header)
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusUnauthorized)
				json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"message": msg}})
				return
			}
		}
		s.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// A real run configured with a secret of every kind writes none of them,
// nor their first characters, to any file of the run directory, to stdout
// or stderr; nor does --dry-run print them.
func TestRunLeaksNoSecret(t *testing.T) {
	srv := newSecretServer(t)
	t.Setenv("AIENERGY_TEST_API_KEY", secretAPIKey)
	closed := closedPort(t)
	withPass := func(url, user, pass string) string {
		return strings.Replace(url, "http://", "http://"+user+":"+pass+"@", 1)
	}
	cfg := fmt.Sprintf(`name: secrets
backend:
  type: vllm
  model: m1
  endpoint: %s/v1
  api_key_env: AIENERGY_TEST_API_KEY
  headers:
    X-Team: %s
scenario:
  num_samples: 9
  generate_kwargs:
    max_new_tokens: 8
load:
  requests: 9
phases:
  idle_before: 0.3s
  warmup_requests: 1
  idle_after: 0.3s
meters:
  - name: gpu
    type: exporter
    url: %s/metrics
    headers:
      Authorization: Bearer %s
  - name: pdu
    type: snmp
    host: 127.0.0.1
    port: %d
    community: %s
  - name: pdu3
    type: snmp
    host: 127.0.0.1
    port: %d
    version: 3
    username: energy
    security_level: authPriv
    auth_protocol: SHA
    auth_password: %s
    priv_protocol: AES
    priv_password: %s
reporter:
  - type: clickhouse
    url: http://writer:%s@127.0.0.1:%d
`, withPass(srv.URL, "alice", secretURLPass), secretHeader, withPass(srv.URL, "scraper", secretMeterPass),
		secretExporter, closed, secretCommunity, closed, secretAuthPass, secretPrivPass, secretSinkPass, closed)
	tmp := t.TempDir()
	path := filepath.Join(tmp, "secrets.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	secrets := []string{secretURLPass, secretAPIKey, secretHeader, secretCommunity, secretAuthPass,
		secretPrivPass, secretExporter, secretMeterPass, secretSinkPass,
		redact.BasicAuth("alice", secretURLPass), redact.BasicAuth("scraper", secretMeterPass), redact.BasicAuth("writer", secretSinkPass)}
	leaks := func(where, text string) {
		t.Helper()
		for _, s := range secrets {
			if strings.Contains(text, s[:6]) {
				t.Errorf("%s shows %q, the start of secret %q", where, s[:6], s)
			}
		}
	}

	dry, dryErr, code := runCLI(t, "run", path, "--dry-run")
	if code != 0 || !strings.Contains(dry, "pdu3 (snmp)") {
		t.Fatalf("dry run: exit %d\n%s%s", code, dry, dryErr)
	}
	leaks("--dry-run stdout", dry)
	leaks("--dry-run stderr", dryErr)

	dir := filepath.Join(tmp, "run")
	stdout, stderr, code := runCLI(t, "run", path, "--output", dir)
	t.Logf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	if code == 0 || !strings.Contains(stderr, "reporter clickhouse") {
		t.Errorf("the ClickHouse reporter at a closed port should fail the command (exit %d)", code)
	}
	if srv.sawHeader.Load() == 0 || srv.sawExporter.Load() == 0 || srv.echoed.Load() == 0 {
		t.Fatalf("the server saw %d requests with the header, %d scrapes, and echoed %d", srv.sawHeader.Load(), srv.sawExporter.Load(), srv.echoed.Load())
	}
	leaks("stdout", stdout)
	leaks("stderr", stderr)

	found := map[string]bool{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		found[rel] = len(data) > 0
		leaks(rel, string(data))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"run.json", "summary.json", "config.yaml", "results.csv", "requests.csv", "report.html", "power.csv"} {
		if !found[f] {
			t.Errorf("the run directory lacks %s (has %v)", f, found)
		}
	}
	// The failed requests' cells are there, masked (and then cut).
	if requests := mustRead(t, filepath.Join(dir, "requests.csv")); !strings.Contains(requests, "your header "+redact.Mask[:7]) {
		t.Errorf("requests.csv lacks the masked error of the echoing server")
	}
	if run := mustRead(t, filepath.Join(dir, "run.json")); !strings.Contains(run, "alice:"+redact.Mask+"@") || !strings.Contains(run, "writer:"+redact.Mask+"@") {
		t.Errorf("run.json should keep the endpoint and the sink url, with their passwords masked")
	}
}

// A launched server that prints the API key and the endpoint's password,
// each cut across two writes, to its stdout and stderr leaves neither in
// any file of the run directory (server.log included), nor in aienergy's
// stdout or stderr.
func TestLaunchedServerLeaksNoSecret(t *testing.T) {
	t.Setenv("AIENERGY_TEST_API_KEY", secretAPIKey)
	// The server gets the halves of each secret from its environment; the
	// whole secrets reach it only as the run's own (api_key_env, the URL).
	t.Setenv("LEAK_KEY_A", secretAPIKey[:5])
	t.Setenv("LEAK_KEY_B", secretAPIKey[5:])
	t.Setenv("LEAK_PASS_A", secretURLPass[:5])
	t.Setenv("LEAK_PASS_B", secretURLPass[5:])
	addr := fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t))
	script := `printf 'using api key %s' "$LEAK_KEY_A"; sleep 0.1; printf '%s\n' "$LEAK_KEY_B"
printf 'upstream http://alice:%s' "$LEAK_PASS_A" >&2; sleep 0.1; printf '%s@%s/v1\n' "$LEAK_PASS_B" "$1" >&2
exec "$0" ` + helperArg + ` sim --addr "$1" --ttft 5ms --itl 2ms`
	launch := strings.Join([]string{"sh", "-c", shellQuote(script), shellQuote(os.Args[0]), addr}, " ")
	cfg := filepath.Join(t.TempDir(), "launch.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`name: launched-secrets
backend:
  type: vllm
  model: sim-model
  endpoint: http://alice:%s@%s/v1
  api_key_env: AIENERGY_TEST_API_KEY
  launch: %q
scenario: {num_samples: 4}
phases: {idle_before: 0.2s, warmup_requests: 0, idle_after: 0.2s}
meters: []
`, secretURLPass, addr, launch)), 0o600)
	dir := filepath.Join(t.TempDir(), "run")
	stdout, stderr, code := runCLI(t, "run", cfg, "--output", dir)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	secrets := []string{secretAPIKey, secretURLPass, redact.BasicAuth("alice", secretURLPass)}
	texts := map[string]string{"stdout": stdout, "stderr": stderr}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			texts[p] = mustRead(t, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for where, text := range texts {
		for _, s := range secrets {
			if strings.Contains(text, s[:6]) {
				t.Errorf("%s shows %q, the start of secret %q", where, s[:6], s)
			}
		}
	}
	// The server did print them: masked.
	log := texts[filepath.Join(dir, "server.log")]
	for _, want := range []string{"using api key " + redact.Mask + "\n", "upstream http://alice:" + redact.Mask + "@" + addr + "/v1\n", "aienergy sim serving"} {
		if !strings.Contains(log, want) {
			t.Errorf("server.log lacks %q:\n%s", want, log)
		}
	}
}

// shellQuote quotes s for a POSIX shell, and for backend.launch's split.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// closedPort is a loopback port (TCP and, most likely, UDP) that nothing
// listens on.
func closedPort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
