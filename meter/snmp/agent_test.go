package snmp

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gosnmp/gosnmp"

	"github.com/aienergy/aienergy/internal/testenv"
)

// Credentials of the test agent. The community is deliberately unusual so
// that a test can tell whether it leaked into an error message.
const (
	testCommunity = "c0mmunity-Zq7"
	v3User        = "aienergy"
	v3AuthPass    = "auth-pass-1"
	v3PrivPass    = "priv-pass-2"
	v3AuthOnly    = "authonly"
	v3AuthOnlyPw  = "auth-pass-3"
)

// served lists the enterprise subtrees the helper script answers for:
// APC, Raritan, Server Technology, Eaton and net-snmp's playpen
// (.1.3.6.1.4.1.8072.9999.9999, reserved for experiments) for custom OIDs.
var served = []string{
	".1.3.6.1.4.1.318",
	".1.3.6.1.4.1.13742",
	".1.3.6.1.4.1.1718",
	".1.3.6.1.4.1.534",
	".1.3.6.1.4.1.8072.9999.9999",
}

// agent is a real snmpd on a loopback UDP port whose PDU objects come
// from files the test writes.
type agent struct {
	t    testing.TB
	port int
	data string
	log  string
}

// startAgent runs snmpd (net-snmp) for the test and stops it in Cleanup.
func startAgent(t testing.TB) *agent {
	t.Helper()
	bin := testenv.Binary(t, "snmpd", "snmpd")
	script, err := filepath.Abs("testdata/pdu-agent.sh")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	a := &agent{t: t, data: filepath.Join(dir, "data"), log: filepath.Join(dir, "snmpd.log")}
	persist := filepath.Join(dir, "persist")
	for _, d := range []string{a.data, persist} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	// snmp.conf: no MIB loading (snmpd floods its log when the standard
	// MIBs are missing) and the USM users' keys in the temp dir, not
	// /var/lib/snmp. SNMPCONFPATH makes snmpd read only this directory.
	writeFile(t, filepath.Join(dir, "snmp.conf"), "mibs :\npersistentDir "+persist+"\n")
	var conf strings.Builder
	fmt.Fprintf(&conf, "rocommunity %s 127.0.0.1\n", testCommunity)
	fmt.Fprintf(&conf, "createUser %s SHA %q AES %q\nrouser %s priv\n", v3User, v3AuthPass, v3PrivPass, v3User)
	fmt.Fprintf(&conf, "createUser %s MD5 %q\nrouser %s auth\n", v3AuthOnly, v3AuthOnlyPw, v3AuthOnly)
	conf.WriteString("dontLogTCPWrappersConnects yes\n")
	for _, subtree := range served {
		fmt.Fprintf(&conf, "pass_persist %s /bin/sh %s %s\n", subtree, script, a.data)
	}
	writeFile(t, filepath.Join(dir, "snmpd.conf"), conf.String())

	// A port free a moment ago may be taken by the time snmpd binds it:
	// try a few.
	for attempt := 0; ; attempt++ {
		a.port = testenv.FreeUDPPort(t)
		err := a.run(bin, dir)
		if err == nil {
			return a
		}
		if attempt == 2 {
			t.Fatalf("snmpd did not start: %v\n%s", err, a.logTail())
		}
	}
}

// run starts snmpd on a.port and waits until it answers.
func (a *agent) run(bin, dir string) error {
	// The listening address is given once, on the command line (config
	// agentAddress as well would make snmpd open it twice and fail).
	// -I -smux: no SMUX listener, which as root would take TCP port 199
	// and collide with a second snmpd.
	cmd := exec.Command(bin, "-f", "-I", "-smux", "-Lf", a.log, fmt.Sprintf("udp:127.0.0.1:%d", a.port))
	cmd.Env = append(os.Environ(), "SNMPCONFPATH="+dir)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	}

	g := &gosnmp.GoSNMP{Target: "127.0.0.1", Port: uint16(a.port), Community: testCommunity,
		Version: gosnmp.Version2c, Timeout: 100 * time.Millisecond, Retries: 0}
	if err := g.Connect(); err != nil {
		stop()
		return err
	}
	defer g.Conn.Close()
	deadline := time.Now().Add(15 * time.Second)
	for {
		select {
		case err := <-exited:
			return fmt.Errorf("snmpd exited: %v %s", err, stderr.String())
		default:
		}
		if _, err := g.Get([]string{".1.3.6.1.2.1.1.3.0"}); err == nil { // sysUpTime
			a.t.Cleanup(stop)
			return nil
		}
		if time.Now().After(deadline) {
			stop()
			return fmt.Errorf("snmpd on udp 127.0.0.1:%d did not answer within 15s", a.port)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// set makes the PDU report value (of pass_persist type typ) at oid. The
// file is renamed into place so the helper never reads half of it.
func (a *agent) set(oid, typ string, value any) {
	a.t.Helper()
	tmp := filepath.Join(a.data, "tmp-"+strings.TrimPrefix(oid, "."))
	writeFile(a.t, tmp, fmt.Sprintf("%s %v\n", typ, value))
	if err := os.Rename(tmp, filepath.Join(a.data, oid)); err != nil {
		a.t.Fatal(err)
	}
}

func (a *agent) logTail() string {
	b, _ := os.ReadFile(a.log)
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
