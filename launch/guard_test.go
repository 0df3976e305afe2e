//go:build unix

package launch

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/aienergy/aienergy/internal/testenv"
)

// Killed outright (SIGKILL: nothing of it runs), aienergy still takes its
// launched server with it: here the server is a grandchild under "sh -c",
// which the parent-death signal on the shell alone would leave running,
// holding its port.
func TestKilledLauncherEndsServerGroup(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc here to list the server's group")
	}
	port := testenv.FreePort(t)
	pidFile := filepath.Join(t.TempDir(), "pgid")
	launcher := exec.Command(os.Args[0], "launcher", strconv.Itoa(port), pidFile)
	launcher.Env = append(os.Environ(), helperEnv)
	if err := launcher.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { launcher.Process.Kill(); launcher.Wait() })

	pgid := waitForPid(t, pidFile, launcher)
	t.Cleanup(func() { // should the test fail, leave nothing behind
		if len(groupMembers(t, pgid)) > 0 {
			syscall.Kill(-pgid, syscall.SIGKILL)
		}
	})
	if members := groupMembers(t, pgid); len(members) < 2 {
		t.Fatalf("server group %d has %v; want the shell and its server", pgid, members)
	}
	if err := launcher.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	launcher.Wait()
	requireNoneLeft(t, pgid)
	if c, err := net.Dial("tcp", healthAddr(port)); err == nil {
		c.Close()
		t.Errorf("port %d still answers after the launcher was killed", port)
	}
}

// waitForPid waits, generously, for the launcher to write the server's
// group id, failing early if the launcher exits.
func waitForPid(t *testing.T, path string, launcher *exec.Cmd) int {
	t.Helper()
	exited := make(chan struct{})
	go func() {
		for processLive(launcher.Process.Pid) {
			time.Sleep(20 * time.Millisecond)
		}
		close(exited)
	}()
	deadline := time.After(60 * time.Second)
	for {
		if b, err := os.ReadFile(path); err == nil && len(b) > 0 {
			pid, err := strconv.Atoi(string(b))
			if err != nil {
				t.Fatal(err)
			}
			return pid
		}
		select {
		case <-exited:
			t.Fatal("the launcher exited before the server was ready")
		case <-deadline:
			t.Fatal("the launched server was not ready within 60 s")
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func healthAddr(port int) string { return "127.0.0.1:" + strconv.Itoa(port) }

// A released guard has exited and left its group alone; releasing again,
// or a nil Guard, does nothing.
func TestGuardGroupRelease(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc here to tell whether a process lives")
	}
	sleeper := exec.Command("sleep", "60")
	sleeper.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := sleeper.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sleeper.Process.Kill(); sleeper.Wait() })
	g, err := GuardGroup(sleeper.Process.Pid, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	guardPid := g.g.cmd.Process.Pid
	g.Release() // returns once the guard has exited
	g.Release()
	(*Guard)(nil).Release()
	if processLive(guardPid) {
		t.Errorf("the guard %d still runs after Release", guardPid)
	}
	if !processLive(sleeper.Process.Pid) {
		t.Error("the released guard ended the group")
	}
}
