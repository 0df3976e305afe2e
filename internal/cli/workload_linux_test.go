package cli

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The measured command's group is guarded only when it is aienergy's
// alone: a group shared with a caller or a pipeline holds processes that
// are not aienergy's to end.
func TestAloneInGroup(t *testing.T) {
	list := func(pids ...int) func(int) ([]int, error) {
		return func(int) ([]int, error) { return pids, nil }
	}
	for _, tt := range []struct {
		name      string
		pid, pgid int
		members   func(int) ([]int, error)
		want      bool
	}{
		{"a shell's job", 500, 500, list(500), true},
		{"in its caller's group", 500, 400, list(400, 500), false},
		{"first of a pipeline", 500, 500, list(500, 501), false},
		{"no /proc", 500, 500, func(int) ([]int, error) { return nil, errors.New("no /proc") }, false},
		{"init", 1, 1, list(1), false},
	} {
		if got := aloneInGroup(tt.pid, tt.pgid, tt.members); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestParseStat(t *testing.T) {
	for _, tt := range []struct {
		line      string
		pid, pgrp int
		ok        bool
	}{
		{"42 (python3) S 1 40 40 0 -1", 42, 40, true},
		{"42 (a) b (c)) R 1 7 7 0", 42, 7, true}, // comm "a) b (c)"
		{"42 (cut", 0, 0, false},
		{"x (sh) S 1 40 40", 0, 0, false},
	} {
		pid, pgrp, ok := parseStat(tt.line)
		if pid != tt.pid || pgrp != tt.pgrp || ok != tt.ok {
			t.Errorf("%q: %d %d %v, want %d %d %v", tt.line, pid, pgrp, ok, tt.pid, tt.pgrp, tt.ok)
		}
	}
}

// Killed outright (SIGKILL: nothing of it runs), aienergy measure still
// ends the command it measures and what that forked: here a shell and
// its background sleep, which would otherwise live on, orphaned.
func TestKilledMeasureEndsItsCommand(t *testing.T) {
	tmp := t.TempDir()
	pids := filepath.Join(tmp, "pids")
	script := `sleep 300 & echo $$ $! > "$0.tmp" && mv "$0.tmp" "$0"; wait`
	aienergy := exec.Command(os.Args[0], helperArg, "measure", "--idle-before", "0", "--idle-after", "0",
		"--output", filepath.Join(tmp, "run"), "--", "sh", "-c", script, pids)
	// A group of its own, as a shell gives a job.
	aienergy.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := aienergy.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { aienergy.Wait(); close(exited) }()
	t.Cleanup(func() { aienergy.Process.Kill(); <-exited })

	var command []int
	for deadline := time.Now().Add(time.Minute); command == nil; {
		if b, err := os.ReadFile(pids); err == nil {
			for _, f := range strings.Fields(string(b)) {
				pid, _ := strconv.Atoi(f)
				command = append(command, pid)
			}
		}
		select {
		case <-exited:
			t.Fatal("aienergy exited before the command started")
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("the command did not start within a minute")
		}
	}
	t.Cleanup(func() { // should the test fail, leave nothing behind
		for _, pid := range command {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	})
	if len(command) != 2 {
		t.Fatalf("pids %v: want the shell's and the sleep's", command)
	}
	for _, pid := range command {
		if _, pgrp, _ := readProcStat(pid); pgrp != aienergy.Process.Pid {
			t.Fatalf("process %d is in group %d, not aienergy's %d", pid, pgrp, aienergy.Process.Pid)
		}
	}

	if err := aienergy.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-exited
	// The guard gives the command 10 s after SIGTERM; sh and sleep take it.
	for deadline := time.Now().Add(time.Minute); ; {
		var left []int
		for _, pid := range command {
			if state, _, ok := readProcStat(pid); ok && state != "Z" {
				left = append(left, pid)
			}
		}
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("processes %v of the measured command outlived aienergy by a minute", left)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// readProcStat reads a process's state and group; ok is false once it is
// gone.
func readProcStat(pid int) (state string, pgrp int, ok bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return "", 0, false
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if _, pgrp, ok = parseStat(s); !ok || len(f) < 1 {
		return "", 0, false
	}
	return f[0], pgrp, true
}
