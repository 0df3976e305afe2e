//go:build linux

package load

import (
	"os"
	"syscall"
	"time"
	"unsafe"
)

// A fineTimer sleeps on a timerfd that the runtime's network poller
// waits on: epoll wakes the moment the kernel's high-resolution timer
// fires, where a Go timer rounds the poller's timeout to milliseconds.
// The waiting goroutine parks as on any file, holding no thread (a
// nanosleep would hold one, and its processor until the runtime takes
// it back).
type fineTimer struct {
	fd   int
	file *os.File // fd, non-blocking, registered with the poller
	conn syscall.RawConn
	read func(fd uintptr) bool // conn.Read's callback, made once
	buf  [8]byte               // the expiry count a read returns
}

// itimerspec is the kernel's struct itimerspec.
type itimerspec struct{ interval, value syscall.Timespec }

const clockMonotonic = 1 // CLOCK_MONOTONIC, the clock of Go's monotonic readings

// newFineTimer returns a timer, or nil where the kernel has no timerfd;
// sleep then falls back to time.Sleep.
func newFineTimer() *fineTimer {
	fd, _, errno := syscall.Syscall(syscall.SYS_TIMERFD_CREATE, clockMonotonic, syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if errno != 0 {
		return nil
	}
	t := &fineTimer{fd: int(fd), file: os.NewFile(fd, "timerfd")}
	conn, err := t.file.SyscallConn()
	if err != nil {
		_ = t.file.Close()
		return nil
	}
	t.conn = conn
	t.read = func(fd uintptr) bool {
		_, _, errno := syscall.RawSyscall(syscall.SYS_READ, fd, uintptr(unsafe.Pointer(&t.buf[0])), uintptr(len(t.buf)))
		return errno != syscall.EAGAIN
	}
	return t
}

// sleep returns after about d.
func (t *fineTimer) sleep(d time.Duration) {
	switch {
	case d <= 0:
		return // a zero expiry disarms the timer: the read would never end
	case t == nil:
		time.Sleep(d)
		return
	}
	spec := itimerspec{value: syscall.NsecToTimespec(int64(d))}
	_, _, errno := syscall.RawSyscall6(syscall.SYS_TIMERFD_SETTIME, uintptr(t.fd), 0, uintptr(unsafe.Pointer(&spec)), 0, 0, 0)
	if errno != 0 {
		time.Sleep(d)
		return
	}
	// The read tries first and waits on the poller only if the timer has
	// not fired yet: waiting first could miss an expiry that came before
	// the wait, and with it the only wake-up.
	//
	// The runtime looks at the poller only when it has nothing else to
	// run (or every 10 ms): while the client's own goroutines keep every
	// core busy, the timerfd's wake-up waits for them (p99 10–40 ms at
	// 5000 req/s, docs/benchmarks.md). A read deadline at the same time
	// puts a runtime timer beside it, which the scheduler checks at every
	// switch: whichever comes first ends the wait (p99 0.7–1.1 ms busy).
	// A late expiry of the timerfd is cleared when the next sleep sets it.
	_ = t.file.SetReadDeadline(time.Now().Add(d))
	_ = t.conn.Read(t.read)
}

func (t *fineTimer) close() {
	if t != nil {
		_ = t.file.Close()
	}
}
