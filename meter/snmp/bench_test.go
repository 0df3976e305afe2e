package snmp

import (
	"context"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aienergy/aienergy/internal/testenv"
)

// BenchmarkPoll compares, against the same real snmpd, one poll of the
// PDU through the meter's persistent session with the seed's way: one
// snmpget process per sample. Both read ePDUPhaseStatusActivePower.1 and
// parse the number. Reported per poll: wall time (ns/op), polls/s, and
// the CPU time the client side spent (this process plus the snmpget
// children it waited for; snmpd's own CPU is the same for both and not
// counted).
//
//	go test -run '^$' -bench Poll ./meter/snmp/
func BenchmarkPoll(b *testing.B) {
	a := startAgent(b)
	a.set(ePDUPhase1Power, "integer", 1234)

	b.Run("session", func(b *testing.B) {
		m := a.meterFor(b, nil)
		ctx := context.Background()
		measure(b, func() error {
			rs, err := m.Read(ctx)
			if err == nil && rs[0].Watts != 1234 {
				b.Fatalf("read %v W", rs[0].Watts)
			}
			return err
		})
	})

	b.Run("snmpget", func(b *testing.B) {
		bin := testenv.Binary(b, "snmpget", "snmp")
		target := "127.0.0.1:" + strconv.Itoa(a.port)
		// The agent's directory holds an snmp.conf that turns MIB loading
		// off, as the seed's machine would need PowerNet-MIB installed.
		env := []string{"SNMPCONFPATH=" + filepath.Dir(a.data), "HOME=" + filepath.Dir(a.data)}
		measure(b, func() error {
			cmd := exec.Command(bin, "-v2c", "-c", testCommunity, "-Oqv", target, ePDUPhase1Power)
			cmd.Env = env
			out, err := cmd.Output()
			if err != nil {
				return err
			}
			if w, err := strconv.ParseFloat(strings.TrimSpace(string(out)), 64); err != nil || w != 1234 {
				b.Fatalf("snmpget printed %q", out)
			}
			return nil
		})
	})
}

// measure runs poll b.N times and reports polls/s and client CPU per poll.
func measure(b *testing.B, poll func() error) {
	if err := poll(); err != nil { // warm up: open the session, page in snmpget
		b.Fatal(err)
	}
	b.ResetTimer()
	cpu0, start := cpuTime(), time.Now()
	for i := 0; i < b.N; i++ {
		if err := poll(); err != nil {
			b.Fatal(err)
		}
	}
	elapsed, cpu := time.Since(start), cpuTime()-cpu0
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "polls/s")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/poll")
}

// cpuTime is the user+system CPU of this process and its reaped children.
func cpuTime() time.Duration {
	var total time.Duration
	for _, who := range []int{syscall.RUSAGE_SELF, syscall.RUSAGE_CHILDREN} {
		var ru syscall.Rusage
		if err := syscall.Getrusage(who, &ru); err == nil {
			total += time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		}
	}
	return total
}
