// Package testenv finds the real services that tests run against (snmpd,
// prometheus, influxd, …). Where a service is not installed a test skips,
// unless AIENERGY_REQUIRE_SERVICES=1 — which CI sets, having installed
// every service — and then it fails: in CI a skipped service test would
// be a test that did not run.
package testenv

import (
	"net"
	"os"
	"os/exec"
	"strconv"
	"testing"
)

// RequireServicesEnv is the environment variable CI sets.
const RequireServicesEnv = "AIENERGY_REQUIRE_SERVICES"

// Binary returns the path of an installed program, looking in PATH and
// then in extra directories (Debian puts some daemons in /usr/sbin). It
// skips or fails the test when the program is missing; pkg names the
// Debian package that provides it.
func Binary(t testing.TB, name, pkg string, extraDirs ...string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, d := range append(extraDirs, "/usr/sbin", "/sbin", "/usr/local/bin", "/usr/local/sbin") {
		p := d + "/" + name
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p
		}
	}
	Missing(t, name+" is not installed (Debian package "+pkg+"; .ci/run installs it)")
	return ""
}

// Missing skips the test, or fails it when services are required.
func Missing(t testing.TB, why string) {
	t.Helper()
	if required, _ := strconv.ParseBool(os.Getenv(RequireServicesEnv)); required {
		t.Fatalf("%s, and %s=1 requires it", why, RequireServicesEnv)
	}
	t.Skip(why)
}

// FreePort returns a loopback TCP port that was free a moment ago, for a
// service that must be told its port on the command line.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// FreeUDPPort is FreePort for UDP services such as snmpd.
func FreeUDPPort(t testing.TB) int {
	t.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}
