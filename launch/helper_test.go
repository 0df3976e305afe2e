package launch

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The test binary doubles as the model server under test: run with
// helperEnv set, TestMain hands it to helperMain, which acts out the mode
// named by its first argument. A real program, started the real way,
// exercises process groups and signals as vLLM would meet them.
const helperEnv = "LAUNCH_TEST_HELPER=1"

func TestMain(m *testing.M) {
	if os.Getenv("LAUNCH_TEST_HELPER") == "1" {
		os.Exit(helperMain(os.Args[1:]))
	}
	os.Exit(m.Run())
}

// helperArgv is the command line that runs the stand-in server in a mode.
func helperArgv(t *testing.T, mode string, args ...any) []string {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	argv := []string{self, mode}
	for _, a := range args {
		argv = append(argv, fmt.Sprint(a))
	}
	return argv
}

// Modes:
//
//	serve PORT DELAY_MS      loads for DELAY_MS, then /health and /v1/models answer 200
//	nohealth PORT            /health is 404, /v1/models 200 (servers without /health)
//	loading PORT             /health answers 503 forever
//	hang                     never listens
//	exit CODE                writes 30 numbered lines, exits CODE
//	stubborn PORT            serves, ignores SIGTERM
//	family PORT PIDFILE      forks a grandchild that ignores SIGTERM, serves
//	die PORT AFTER_MS        serves, then fails with exit status 1
//	leak KEY PASS            prints KEY and a URL with password PASS, each
//	                         split across two writes, and exits 3
//	launcher PORT PIDFILE    acts as aienergy: launches "sh -c 'SELF serve PORT 0 & wait'",
//	                         writes the server's group id, waits to be killed
func helperMain(args []string) int {
	if args[0] == "launcher" {
		return launcherMain(args[1], args[2])
	}
	fmt.Println("loading model")
	fmt.Printf("env LAUNCH_TEST_VALUE=%s\n", os.Getenv("LAUNCH_TEST_VALUE"))
	if wd, err := os.Getwd(); err == nil {
		fmt.Printf("cwd %s\n", wd)
	}
	arg := func(i int) string { return args[i] }
	num := func(i int) int { n, _ := strconv.Atoi(args[i]); return n }
	health := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
	graceful := true
	switch args[0] {
	case "serve":
		time.Sleep(time.Duration(num(2)) * time.Millisecond)
	case "nohealth":
		health = func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }
	case "loading":
		health = func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "loading", http.StatusServiceUnavailable)
		}
	case "hang":
		time.Sleep(time.Hour)
		return 0
	case "exit":
		for i := 1; i <= 30; i++ {
			out := os.Stdout
			if i%2 == 0 {
				out = os.Stderr // both streams reach the log
			}
			fmt.Fprintf(out, "line %d\n", i)
		}
		return num(1)
	case "stubborn":
		signal.Ignore(syscall.SIGTERM)
		graceful = false
	case "family":
		child := exec.Command(os.Args[0], "orphan")
		child.Stdout, child.Stderr = os.Stdout, os.Stderr
		if err := child.Start(); err != nil {
			fmt.Println(err)
			return 2
		}
		if err := os.WriteFile(arg(2), []byte(strconv.Itoa(child.Process.Pid)), 0o644); err != nil {
			fmt.Println(err)
			return 2
		}
	case "orphan":
		signal.Ignore(syscall.SIGTERM)
		fmt.Println("worker started")
		time.Sleep(time.Hour)
		return 0
	case "leak":
		// Both halves reach the pipe apart: the reader sees the secret cut.
		fmt.Print("api key " + args[1][:3])
		time.Sleep(30 * time.Millisecond)
		fmt.Println(args[1][3:] + " loaded")
		fmt.Fprint(os.Stderr, "Traceback: cannot reach http://admin:"+args[2][:4])
		time.Sleep(30 * time.Millisecond)
		fmt.Fprint(os.Stderr, args[2][4:]+"@10.0.0.1/v1 (unfinished line)")
		return 3
	case "die":
		go func() {
			time.Sleep(time.Duration(num(2)) * time.Millisecond)
			fmt.Println("RuntimeError: CUDA out of memory")
			os.Exit(1)
		}()
	default:
		fmt.Println("unknown helper mode", args[0])
		return 2
	}
	if graceful {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGTERM)
		go func() {
			<-sig
			fmt.Println("shutting down")
			os.Exit(0)
		}()
	}
	l, err := net.Listen("tcp", "127.0.0.1:"+arg(1))
	if err != nil {
		fmt.Println(err)
		return 2
	}
	fmt.Println("ready")
	mux := http.NewServeMux()
	mux.Handle("/health", health)
	mux.HandleFunc("/v1/models", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"object":"list","data":[]}`)
	})
	_ = http.Serve(l, mux)
	return 2
}

// groupMembers lists the live (not zombie) processes in a process group,
// read from /proc.
func groupMembers(t *testing.T, pgid int) []int {
	t.Helper()
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	var live []int
	for _, f := range stats {
		pid, state, pgrp, ok := readStat(f)
		if ok && pgrp == pgid && state != "Z" {
			live = append(live, pid)
		}
	}
	return live
}

// processLive reports whether pid is a process that has not exited.
func processLive(pid int) bool {
	_, state, _, ok := readStat(fmt.Sprintf("/proc/%d/stat", pid))
	return ok && state != "Z"
}

// readStat parses "pid (comm) state ppid pgrp …"; comm may hold spaces
// and parentheses, so fields are counted from the last ')'.
func readStat(path string) (pid int, state string, pgrp int, ok bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, "", 0, false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, "", 0, false
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 3 {
		return 0, "", 0, false
	}
	pid, _ = strconv.Atoi(strings.Fields(s)[0])
	pgrp, _ = strconv.Atoi(f[2])
	return pid, f[0], pgrp, true
}

// requireNoneLeft fails unless the group and the given processes are all
// gone. Orphans are reaped by init asynchronously, so it waits a while.
func requireNoneLeft(t *testing.T, pgid int, pids ...int) {
	t.Helper()
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Log("no /proc here: not checking for leftover processes")
		return
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		left := groupMembers(t, pgid)
		for _, p := range pids {
			if processLive(p) {
				left = append(left, p)
			}
		}
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("processes left behind from group %d: %v", pgid, left)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// launcherMain starts a server whose real work is a grandchild under a
// shell, as a launch script makes it, then waits for its test to kill it.
func launcherMain(port, pidFile string) int {
	n, _ := strconv.Atoi(port)
	s, err := Start(context.Background(), Options{
		Argv: []string{"sh", "-c", `"$0" serve "$1" 0 & wait`, os.Args[0], port},
		Env:  []string{helperEnv}, HealthURL: healthURL(n),
	})
	if err != nil {
		fmt.Println(err)
		return 2
	}
	if err := os.WriteFile(pidFile, []byte(strconv.Itoa(s.Pid())), 0o644); err != nil {
		fmt.Println(err)
		return 2
	}
	time.Sleep(time.Hour)
	return 0
}
