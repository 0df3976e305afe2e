package sink

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aienergy/aienergy/internal/testenv"
)

// clickhouseServer is a real clickhouse-server (Debian package
// clickhouse-server, 18.16 in Debian 12) started by a test: loopback
// ports, data in a temp dir, user default without a password and user
// writer with one.
type clickhouseServer struct {
	url, log string
}

const chWriterPassword = "wr1ter-pa55"

func startClickHouse(t *testing.T) *clickhouseServer {
	t.Helper()
	bin := testenv.Binary(t, "clickhouse-server", "clickhouse-server")
	dir := t.TempDir()
	httpPort, tcpPort := testenv.FreePort(t), testenv.FreePort(t)
	for _, d := range []string{"data", "tmp", "user_files", "format_schemas"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	s := &clickhouseServer{url: fmt.Sprintf("http://127.0.0.1:%d", httpPort), log: filepath.Join(dir, "server.log")}
	config := fmt.Sprintf(`<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>%[1]s</log><errorlog>%[1]s</errorlog><console>0</console></logger>
  <http_port>%[2]d</http_port>
  <tcp_port>%[3]d</tcp_port>
  <listen_host>127.0.0.1</listen_host>
  <path>%[4]s/data/</path>
  <tmp_path>%[4]s/tmp/</tmp_path>
  <user_files_path>%[4]s/user_files/</user_files_path>
  <format_schema_path>%[4]s/format_schemas/</format_schema_path>
  <users_config>%[4]s/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mark_cache_size>268435456</mark_cache_size>
</yandex>
`, s.log, httpPort, tcpPort, dir)
	users := fmt.Sprintf(`<?xml version="1.0"?>
<yandex>
  <profiles><default></default></profiles>
  <users>
    <default><password></password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></default>
    <writer><password>%s</password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></writer>
  </users>
  <quotas><default></default></quotas>
</yandex>
`, chWriterPassword)
	confPath := filepath.Join(dir, "config.xml")
	if err := os.WriteFile(confPath, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "users.xml"), []byte(users), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := os.Create(filepath.Join(dir, "stdout.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--config-file="+confPath)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		_ = out.Close()
	})
	waitHTTP(t, "clickhouse-server", s.url+"/ping", http.StatusOK, "Ok.", s.log)
	return s
}

// query runs SQL as user default and returns the answer's body.
// Settings go in the URL, as 18.16 has no SETTINGS clause.
func (s *clickhouseServer) query(t *testing.T, sql string, settings ...string) string {
	t.Helper()
	q := url.Values{"query": {sql}}
	for i := 0; i+1 < len(settings); i += 2 {
		q.Set(settings[i], settings[i+1])
	}
	resp, err := http.Post(s.url+"/?"+q.Encode(), "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 64<<10)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: HTTP %d: %s", sql, resp.StatusCode, b.String())
	}
	return b.String()
}
