package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/aienergy/aienergy/launch"
)

// workloadStopTimeout is how long the guard gives the measured command
// between SIGTERM and SIGKILL: as long as a run gives it after Ctrl-C.
const workloadStopTimeout = 10 * time.Second

// guardWorkload makes sure that the command `measure` runs, and what it
// forks, do not outlive aienergy killed outright (kill -9, the OOM
// killer, a crash), as launch's guard does for a launched server; it
// returns the function that releases the guard once the command is done.
//
// The command runs in aienergy's process group, so that Ctrl-C at the
// terminal reaches both and the command may read the terminal; that group
// is what the guard ends. It does so only when the group is aienergy's
// alone, as when a shell starts it as a job: a group aienergy shares with
// its caller (a script) or with a pipeline's other commands (`… | tee
// log`) holds processes that are not aienergy's to end, and aienergy does
// not leave it for one of its own, or a signal its caller sends the whole
// group (a script's `kill 0`) would no longer reach it. There the command
// is not guarded.
func guardWorkload(w io.Writer) (release func()) {
	pid := os.Getpid()
	if !aloneInGroup(pid, syscall.Getpgrp(), groupMembers) {
		return func() {}
	}
	g, err := launch.GuardGroup(pid, workloadStopTimeout)
	if err != nil {
		fmt.Fprintf(w, "aienergy: no guard for the measured command (%v): should aienergy be killed outright, the command may outlive it\n", err)
		return func() {}
	}
	return g.Release
}

// aloneInGroup reports whether process pid leads its group pgid and no
// other process is in it, as members lists them.
func aloneInGroup(pid, pgid int, members func(pgid int) ([]int, error)) bool {
	if pgid != pid || pgid <= 1 {
		return false
	}
	in, err := members(pgid)
	return err == nil && len(in) == 1 && in[0] == pid
}

// groupMembers lists the processes of group pgid, zombies included (they
// may be a pipeline's commands that have exited), from /proc.
func groupMembers(pgid int) ([]int, error) {
	stats, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil || len(stats) == 0 {
		return nil, fmt.Errorf("cannot list processes: no /proc")
	}
	var in []int
	for _, f := range stats {
		b, err := os.ReadFile(f)
		if err != nil {
			continue // it has exited since the listing
		}
		if pid, pgrp, ok := parseStat(string(b)); ok && pgrp == pgid {
			in = append(in, pid)
		}
	}
	return in, nil
}

// parseStat reads the pid and process group of a /proc/PID/stat line,
// "pid (comm) state ppid pgrp …"; comm may hold spaces and parentheses,
// so fields are counted from the last ')'.
func parseStat(s string) (pid, pgrp int, ok bool) {
	i := strings.LastIndexByte(s, ')')
	head, _, _ := strings.Cut(s, " ")
	if i < 0 {
		return 0, 0, false
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 3 {
		return 0, 0, false
	}
	pid, err1 := strconv.Atoi(head)
	pgrp, err2 := strconv.Atoi(f[2])
	if err1 != nil || err2 != nil {
		return 0, 0, false
	}
	return pid, pgrp, true
}
