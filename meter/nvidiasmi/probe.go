package nvidiasmi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"

	"github.com/aienergy/aienergy/meter"
)

// probeTimeout bounds the one-off nvidia-smi runs at start. Without
// persistence mode the first call initialises the driver, which takes
// seconds on a machine with many GPUs.
const probeTimeout = 30 * time.Second

const fixPermission = "give this user read-write access to /dev/nvidiactl and /dev/nvidia* (on most distributions: add it to the video group, then log in again) or run as root"

// runOnce runs nvidia-smi to completion and returns what it printed.
// Cancelling ctx kills it; the error then wraps ctx's.
func runOnce(ctx context.Context, path string, args ...string) (string, error) {
	pctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	cmd := exec.CommandContext(pctx, path, args...)
	// A child that inherited the output pipe must not keep us waiting
	// after the kill.
	cmd.WaitDelay = time.Second
	out, err := cmd.CombinedOutput()
	switch stop := ctx.Err(); {
	case stop != nil && errors.Is(pctx.Err(), stop): // the caller's, not the probe's timeout
		return string(out), stop
	case pctx.Err() == context.DeadlineExceeded:
		return string(out), fmt.Errorf("no answer within %s", probeTimeout)
	}
	return string(out), err
}

// helpFields lists the fields this nvidia-smi accepts after --query-gpu.
// Its --help-query-gpu names each field in quotes at the start of a line,
// aliases after "or": "uuid" or "gpu_uuid".
func helpFields(text string) map[string]bool {
	fields := map[string]bool{}
	for line := range strings.Lines(text) {
		if !strings.HasPrefix(line, `"`) {
			continue
		}
		parts := strings.Split(line, `"`)
		for i := 1; i < len(parts); i += 2 { // the quoted stretches
			fields[parts[i]] = true
		}
	}
	return fields
}

// failure explains a run of nvidia-smi that failed. The driver problems a
// machine can have wrap meter.ErrUnavailable; nvidia-smi prints them on
// stdout, in words that have been stable for years.
func failure(spec meter.Spec, cmdline, out string, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return spec.Errorf("", "%s stopped: %w", cmdline, err) // by the caller, not the driver
	}
	msg := strings.TrimSuffix(summary(out), ".") // a "; fix:" follows
	lower := strings.ToLower(out)
	switch {
	case strings.Contains(lower, "couldn't communicate with the nvidia driver"):
		return meter.Unavailable(spec, "nvidia-smi cannot talk to the NVIDIA driver: "+msg,
			"install and load the NVIDIA driver; in a container, start it with the NVIDIA container toolkit (docker run --gpus all)")
	case strings.Contains(lower, "no devices were found"):
		return meter.Unavailable(spec, "nvidia-smi finds no NVIDIA GPU", "check nvidia-smi -L; in a container, start it with --gpus all")
	case strings.Contains(lower, "insufficient permissions"):
		return meter.Unavailable(spec, "nvidia-smi has no permission to open the GPUs: "+msg, fixPermission)
	case strings.Contains(lower, "driver/library version mismatch"):
		return meter.Unavailable(spec, "nvidia-smi and the loaded kernel driver are different versions (the driver was upgraded without a reboot)",
			"reboot, or unload and reload the nvidia kernel modules")
	case errors.Is(err, exec.ErrNotFound):
		return meter.Unavailable(spec, err.Error(), fixMissing)
	}
	if msg == "" {
		msg = "no output"
	}
	return spec.Errorf("", "%s failed (%v): %s", cmdline, err, msg)
}

// summary keeps the first few non-empty lines of nvidia-smi's output.
func summary(out string) string {
	var keep []string
	for line := range strings.Lines(out) {
		if line = strings.TrimSpace(line); line != "" && len(keep) < 3 {
			keep = append(keep, line)
		}
	}
	return strings.Join(keep, " ")
}

// tail keeps the last bytes written to it: a process's stderr, for the
// message when it exits.
type tail struct {
	buf bytes.Buffer
}

const tailBytes = 2048

func (t *tail) Write(p []byte) (int, error) {
	t.buf.Write(p)
	if extra := t.buf.Len() - tailBytes; extra > 0 {
		t.buf.Next(extra)
	}
	return len(p), nil
}
