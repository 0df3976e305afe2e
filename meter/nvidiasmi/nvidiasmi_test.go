package nvidiasmi

import (
	"context"
	"errors"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aienergy/aienergy/meter"
)

func channels(rs []meter.Reading) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Channel)
	}
	return out
}

// Many reads, one process: the point of this meter.
func TestStreamsFromOneProcess(t *testing.T) {
	f := newFake(t, "help-query-gpu-550.txt", "h100x2.csv")
	m, err := startFake(t, f, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[float64]bool{}
	reads := 0
	eventually(t, "gpu0's power to follow the record", func() bool {
		rs, err := m.Read(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		reads++
		if got := channels(rs); !slices.Equal(got, []string{"gpu0", "gpu1"}) {
			t.Fatalf("channels = %v", got)
		}
		for _, r := range rs {
			if r.Meter != "smi" || r.Component != meter.GPU || !math.IsNaN(r.Joules) {
				t.Fatalf("reading %+v: want meter smi, component gpu, no joules", r)
			}
			if !slices.Contains(h100Instant[r.Channel], r.Watts) {
				t.Fatalf("%s = %v W, which the record does not hold for power.draw.instant", r.Channel, r.Watts)
			}
		}
		seen[rs[0].Watts] = true
		return len(seen) >= 4 && reads >= 20
	})
	streams := f.streams(t)
	if len(streams) != 1 {
		t.Fatalf("%d streaming processes for %d reads, want 1: %q", len(streams), reads, streams)
	}
	if want := "--query-gpu=index,uuid,power.draw,power.draw.instant --format=csv,noheader,nounits -lms 20"; !strings.HasSuffix(streams[0], want) {
		t.Errorf("stream started as %q, want args %q", streams[0], want)
	}
	if n := len(f.calls(t)); n != 3 {
		t.Errorf("nvidia-smi run %d times, want 3 (help, one query, one stream): %q", n, f.calls(t))
	}
	if n := m.Notes(); len(n) != 0 {
		t.Errorf("notes = %q", n)
	}
}

func TestPowerChoice(t *testing.T) {
	tests := []struct {
		name       string
		help       string
		record     string
		opts       map[string]any
		want       map[string][]float64 // per channel, the values allowed
		wantStream string               // the query of the streaming process
		wantNote   string
		wantErr    string
	}{
		{name: "auto picks instant", help: "help-query-gpu-550.txt", record: "h100x2.csv",
			want: h100Instant, wantStream: "--query-gpu=index,uuid,power.draw,power.draw.instant "},
		{name: "average reads power.draw", help: "help-query-gpu-550.txt", record: "h100x2.csv",
			opts: map[string]any{"power": "average"}, want: h100Draw, wantStream: "--query-gpu=index,uuid,power.draw "},
		{name: "old driver: auto falls back", help: "help-query-gpu-470.txt", record: "v100-a100.csv",
			want:       map[string][]float64{"gpu0": {38.62, 39.05}, "gpu1": {54.18, 54.21}},
			wantStream: "--query-gpu=index,uuid,power.draw ", wantNote: "this nvidia-smi has no power.draw.instant field"},
		{name: "old driver: instant refused", help: "help-query-gpu-470.txt", record: "v100-a100.csv",
			opts:    map[string]any{"power": "instant"},
			wantErr: "bench.yaml:9: meters[smi].power: this nvidia-smi has no power.draw.instant field (drivers from about 535 on have it); set power: auto or average"},
		{name: "[N/A] instant: auto falls back", help: "help-query-gpu-550.txt", record: "t4-na.csv",
			opts: map[string]any{"devices": []any{0}}, want: map[string][]float64{"gpu0": {27.43}},
			wantStream: "--query-gpu=index,uuid,power.draw ", wantNote: "gpu0: power.draw.instant is [N/A]: reading power.draw"},
		{name: "[N/A] instant: instant refused", help: "help-query-gpu-550.txt", record: "t4-na.csv",
			opts:    map[string]any{"devices": []any{0}, "power": "instant"},
			wantErr: "meters[smi].power: gpu0: nvidia-smi reports power.draw.instant as [N/A]; set power: auto or average"},
		{name: "a GPU without power", help: "help-query-gpu-550.txt", record: "t4-na.csv",
			wantErr: "gpu1 (GPU-f0e1d2c3-b4a5-4968-8776-655443322110) reports no power (power.draw: [Not Supported]); leave it out of devices"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, tc.help, tc.record)
			m, err := startFake(t, f, tc.opts, nil)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v\nwant %q", err, tc.wantErr)
				}
				if s := f.streams(t); len(s) != 0 {
					t.Errorf("a stream was started although the meter failed: %q", s)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			rs, err := m.Read(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if len(rs) != len(tc.want) {
				t.Fatalf("readings %v, want channels %v", rs, tc.want)
			}
			for _, r := range rs {
				if !slices.Contains(tc.want[r.Channel], r.Watts) {
					t.Errorf("%s = %v W, want one of %v", r.Channel, r.Watts, tc.want[r.Channel])
				}
			}
			if s := f.streams(t); len(s) != 1 || !strings.Contains(s[0], tc.wantStream) {
				t.Errorf("streams = %q, want one with %q", s, tc.wantStream)
			}
			notes := strings.Join(m.Notes(), "\n")
			if (tc.wantNote == "") != (notes == "") || !strings.Contains(notes, tc.wantNote) {
				t.Errorf("notes = %q, want %q", notes, tc.wantNote)
			}
		})
	}
}

func TestDeviceSelection(t *testing.T) {
	tests := []struct {
		name    string
		devices any
		want    []string
		wantErr string
	}{
		{name: "one index", devices: []any{1}, want: []string{"gpu1"}},
		{name: "uuid and index", devices: []any{uuid1, "0"}, want: []string{"gpu1", "gpu0"}},
		{name: "not here", devices: []any{2},
			wantErr: "bench.yaml:9: meters[smi].devices[0]: no GPU 2 here; nvidia-smi lists 0 " + uuid0 + ", 1 " + uuid1},
		{name: "same GPU twice", devices: []any{uuid0, 0}, wantErr: "devices[1]: " + uuid0 + " and 0 are the same GPU (gpu0)"},
		{name: "MIG", devices: []any{"MIG-4b3f6b0c-1b5e-5d0e-8c1a-6f7e8d9c0b1a"}, wantErr: "is a MIG instance"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, "help-query-gpu-550.txt", "h100x2.csv")
			m, err := startFake(t, f, map[string]any{"devices": tc.devices}, nil)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v\nwant %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			rs, err := m.Read(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if got := channels(rs); !slices.Equal(got, tc.want) {
				t.Errorf("channels = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestCannotRunHere(t *testing.T) {
	const driverGone = "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running."
	tests := []struct {
		name        string
		fail        string // what the stand-in prints, exiting 9
		unavailable bool
		want        string
	}{
		{"no driver", driverGone, true, "bench.yaml:9: meters[smi]: unavailable on this machine: nvidia-smi cannot talk to the NVIDIA driver: " +
			"NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running; " +
			"fix: install and load the NVIDIA driver"},
		{"no GPU", "No devices were found", true, "unavailable on this machine: nvidia-smi finds no NVIDIA GPU; fix: check nvidia-smi -L"},
		{"no permission", "Failed to initialize NVML: Insufficient Permissions", true,
			"nvidia-smi has no permission to open the GPUs: Failed to initialize NVML: Insufficient Permissions; fix: give this user read-write access to /dev/nvidiactl"},
		{"upgraded driver", "Failed to initialize NVML: Driver/library version mismatch", true, "the driver was upgraded without a reboot); fix: reboot"},
		{"anything else", "Unable to determine the device handle for GPU0000:3B:00.0: Unknown Error", false,
			"fake-nvidia-smi.sh --query-gpu=index,uuid,power.draw,power.draw.instant --format=csv,noheader,nounits failed (exit status 9): Unable to determine the device handle for GPU0000:3B:00.0: Unknown Error"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, "help-query-gpu-550.txt", "h100x2.csv")
			t.Setenv("FAKE_SMI_FAIL", tc.fail)
			_, err := startFake(t, f, nil, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v\nwant %q", err, tc.want)
			}
			if errors.Is(err, meter.ErrUnavailable) != tc.unavailable {
				t.Errorf("unavailable = %v, want %v: %v", !tc.unavailable, tc.unavailable, err)
			}
		})
	}
	t.Run("not in PATH", func(t *testing.T) {
		t.Setenv("PATH", t.TempDir())
		_, err := meter.New(t.Context(), meter.Spec{Name: "smi", Type: "nvidia-smi"})
		if !errors.Is(err, meter.ErrUnavailable) || !strings.Contains(err.Error(), "nvidia-smi not found in PATH: no NVIDIA driver utilities here; fix: install the NVIDIA driver's utilities") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("a wrong path", func(t *testing.T) {
		_, err := meter.New(t.Context(), meter.Spec{Name: "smi", Type: "nvidia-smi", Options: map[string]any{"path": "/opt/nvidia/bin/nvidia-smi"}})
		if err == nil || errors.Is(err, meter.ErrUnavailable) || !strings.Contains(err.Error(), "meters[smi].path: /opt/nvidia/bin/nvidia-smi does not exist") {
			t.Fatalf("err = %v", err)
		}
	})
}

// Ctrl-C while nvidia-smi hangs at start (a driver that initialises for
// ever) stops meter.New: the hung probe is killed, or the wait for the
// stream's first lines ends, and the error is the context's.
func TestStartStopsWhenCancelled(t *testing.T) {
	for _, tc := range []struct {
		name string
		hang string // the arguments of the call that hangs
	}{
		{"probe", "--help-query-gpu"},
		{"stream", "-lms"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, "help-query-gpu-550.txt", "h100x2.csv")
			t.Setenv("FAKE_SMI_HANG", tc.hang)
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			go func() {
				// Cancel once the call that hangs has started.
				for ctx.Err() == nil {
					if log, _ := os.ReadFile(f.log); strings.Contains(string(log), tc.hang) {
						cancel()
					}
					time.Sleep(time.Millisecond)
				}
			}()
			spec := meter.Spec{Name: "smi", Type: "nvidia-smi", Options: map[string]any{"path": f.script, "interval": "20ms"}}
			m, err := meter.New(ctx, spec)
			if err == nil {
				m.Close()
			}
			if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "stopped") {
				t.Errorf("New = %v, want context.Canceled", err)
			}
		})
	}
}

func TestRestartsAfterExit(t *testing.T) {
	defer func(b time.Duration) { restartBackoff = b }(restartBackoff)
	restartBackoff = 10 * time.Millisecond
	f := newFake(t, "help-query-gpu-550.txt", "h100x2.csv")
	t.Setenv("FAKE_SMI_EXIT_AFTER", "2") // each process prints two loops, then exits 1
	m, err := startFake(t, f, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "three streaming processes", func() bool { return len(f.streams(t)) >= 3 })
	_, exited, _ := m.stream.snapshot()
	if want := "nvidia-smi exited (exit status 1) after 4 lines; restarting it in 10ms"; exited != want {
		t.Errorf("exit = %q, want %q", exited, want)
	}
	if _, err := m.Read(context.Background()); err != nil {
		t.Errorf("Read between restarts: %v", err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	n := len(f.streams(t))
	time.Sleep(50 * time.Millisecond) // five backoffs: a restart would show
	if after := len(f.streams(t)); after != n {
		t.Errorf("%d processes started after Close", after-n)
	}
}

// When nvidia-smi dies and cannot be restarted, reads fail once the last
// line is stale, saying what nvidia-smi said.
func TestStaleLinesFailTheRead(t *testing.T) {
	defer func(b time.Duration) { restartBackoff = b }(restartBackoff)
	restartBackoff = 10 * time.Millisecond
	f := newFake(t, "help-query-gpu-550.txt", "h100x2.csv")
	t.Setenv("FAKE_SMI_EXIT_AFTER", "1")
	t.Setenv("FAKE_SMI_FAIL_AFTER", "1") // the restarts find the driver gone
	var clock fakeClock
	m, err := startFake(t, f, nil, clock.now)
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "a failed restart", func() bool {
		_, exited, _ := m.stream.snapshot()
		return strings.Contains(exited, "couldn't communicate")
	})
	clock.advance(time.Hour)
	_, err = m.Read(context.Background())
	for _, want := range []string{
		"gpu0: no line from nvidia-smi for 1h0m0.",
		"(it should print one every 20ms)",
		"processes started; the last: nvidia-smi exited (exit status 9) after 0 lines: NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v\nwant %q", err, want)
		}
	}
}

// A process that hangs without exiting is killed and replaced.
func TestHungProcessIsReplaced(t *testing.T) {
	defer func(b, s time.Duration) { restartBackoff, staleSlack = b, s }(restartBackoff, staleSlack)
	restartBackoff, staleSlack = 10*time.Millisecond, 50*time.Millisecond
	f := newFake(t, "help-query-gpu-550.txt", "h100x2.csv")
	t.Setenv("FAKE_SMI_HANG_AFTER", "1")
	m, err := startFake(t, f, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "a second process", func() bool { return len(f.streams(t)) >= 2 })
	_, exited, _ := m.stream.snapshot()
	// 3 × 20 ms + 50 ms of silence after the first loop's two lines.
	if want := "nvidia-smi printed nothing for 110ms after 2 lines and was killed; restarting it in 10ms"; exited != want {
		t.Errorf("exit = %q, want %q", exited, want)
	}
}

func TestCloseEndsTheProcess(t *testing.T) {
	f := newFake(t, "help-query-gpu-550.txt", "h100x2.csv")
	m, err := startFake(t, f, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.Fields(f.streams(t)[0])[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(pid, 0); err != nil {
		t.Fatalf("nvidia-smi (pid %d) not running before Close: %v", pid, err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	// Close waited for the process, so it is gone, not a zombie.
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("after Close, kill(%d, 0) = %v, want ESRCH", pid, err)
	}
}

// Read on lines nvidia-smi printed without a number, as it does now and
// then while a GPU changes state.
func TestReadOnAbsentValues(t *testing.T) {
	now := time.Now()
	s := &stream{latest: map[int]sample{
		0: {index: 0, draw: value{watts: 69.8}, instant: value{absent: "[N/A]"}, at: now},
		1: {index: 1, draw: value{absent: "[GPU is lost]"}, instant: notQueried, at: now},
	}}
	tests := []struct {
		gpu  gpuChannel
		want string
	}{
		{gpuChannel{index: 0, channel: "gpu0", instant: true}, "gpu0: nvidia-smi printed [N/A] for power.draw.instant"},
		{gpuChannel{index: 1, channel: "gpu1"}, "gpu1: nvidia-smi printed [GPU is lost] for power.draw"},
		{gpuChannel{index: 2, channel: "gpu2"}, "gpu2: no line from nvidia-smi yet"},
	}
	for _, tc := range tests {
		m := &smiMeter{name: "smi", gpus: []gpuChannel{tc.gpu}, stream: s, stale: time.Second, now: func() time.Time { return now }}
		if _, err := m.Read(context.Background()); err == nil || err.Error() != tc.want {
			t.Errorf("err = %v, want %q", err, tc.want)
		}
	}
	m := &smiMeter{name: "smi", gpus: []gpuChannel{{index: 0, channel: "gpu0"}}, stream: s, stale: time.Second, now: func() time.Time { return now }}
	if rs, err := m.Read(context.Background()); err != nil || rs[0].Watts != 69.8 {
		t.Errorf("power.draw of gpu0: %v, %v", rs, err)
	}
}
