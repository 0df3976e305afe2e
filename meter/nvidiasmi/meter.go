package nvidiasmi

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aienergy/aienergy/meter"
)

func init() { meter.Register("nvidia-smi", parse) }

// parse checks the options without running nvidia-smi; opening probes it
// and starts the stream.
func parse(spec meter.Spec) (meter.Opener, error) {
	o, err := parseOptions(spec)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context) (meter.Meter, error) {
		m, err := start(ctx, spec, o, time.Now)
		if err != nil {
			return nil, err // not a nil *smiMeter in a non-nil interface
		}
		return m, nil
	}, nil
}

const fixMissing = "install the NVIDIA driver's utilities (Debian: nvidia-smi; Ubuntu: nvidia-utils-<driver version>), or set path: to the binary"

// startTimeout bounds the wait for the first streamed line of every GPU.
const startTimeout = 15 * time.Second

// staleSlack is how late nvidia-smi may be beyond three of its intervals
// before its lines count as stale: reads fail, and the process is killed
// and restarted. A variable so that tests need not wait seconds.
var staleSlack = 2 * time.Second

func staleAfter(interval time.Duration) time.Duration { return 3*interval + staleSlack }

// gpuChannel is one selected GPU and the figure read for it.
type gpuChannel struct {
	index   int
	uuid    string
	channel string // "gpu0"
	instant bool   // power.draw.instant, else power.draw
}

type smiMeter struct {
	name   string
	gpus   []gpuChannel
	notes  []string
	stream *stream
	stale  time.Duration // a sample older than this fails Read
	every  time.Duration
	now    func() time.Time
}

// start probes nvidia-smi, picks the GPUs and their power field, and starts
// the one streaming process. Cancelling ctx kills the probe or stops the
// wait for the stream's first lines.
func start(ctx context.Context, spec meter.Spec, o options, now func() time.Time) (*smiMeter, error) {
	path, err := findBinary(spec, o.path)
	if err != nil {
		return nil, err
	}
	m := &smiMeter{name: spec.Name, every: o.interval, stale: staleAfter(o.interval), now: now}

	// Which power fields does this driver's nvidia-smi know?
	haveInstant := false
	if o.power != powerAverage {
		out, err := runOnce(ctx, path, "--help-query-gpu")
		if err != nil {
			return nil, failure(spec, path+" --help-query-gpu", out, err)
		}
		haveInstant = helpFields(out)[fieldInstant]
		switch {
		case !haveInstant && o.power == powerInstant:
			return nil, spec.Errorf("power", "this nvidia-smi has no %s field (drivers from about 535 on have it); set power: auto or average", fieldInstant)
		case !haveInstant:
			m.notes = append(m.notes, "this nvidia-smi has no "+fieldInstant+" field: reading "+fieldDraw+", a one-second average on Ampere and newer")
		}
	}

	// One query without a loop lists the GPUs and what each answers.
	query := queryArgs(haveInstant)
	out, err := runOnce(ctx, path, query...)
	if err != nil {
		return nil, failure(spec, path+" "+strings.Join(query, " "), out, err)
	}
	var all []sample
	for line := range strings.Lines(out) {
		if strings.TrimSpace(line) == "" {
			continue
		}
		s, err := parseLine(strings.TrimSpace(line), haveInstant)
		if err != nil {
			return nil, spec.Errorf("", "unexpected output from %s: %q: %v", path, strings.TrimSpace(line), err)
		}
		all = append(all, s)
	}
	if len(all) == 0 {
		return nil, meter.Unavailable(spec, "nvidia-smi lists no GPU", "check nvidia-smi -L; in a container, start it with --gpus all")
	}
	picked, err := selectGPUs(spec, o.devices, all)
	if err != nil {
		return nil, err
	}
	for _, s := range picked {
		g, note, err := choosePower(s, o.power)
		if err != nil {
			return nil, spec.Errorf("power", "%v", err)
		}
		if note != "" {
			m.notes = append(m.notes, note)
		}
		m.gpus = append(m.gpus, g)
	}

	// Stream. The instant field is left out when no GPU uses it.
	streamInstant := slices.ContainsFunc(m.gpus, func(g gpuChannel) bool { return g.instant })
	args := append(queryArgs(streamInstant), "-lms", strconv.FormatInt(o.interval.Milliseconds(), 10))
	m.stream = startStream(path, args, streamInstant, now, m.stale)
	want := make([]int, len(m.gpus))
	for i, g := range m.gpus {
		want[i] = g.index
	}
	if ok, err := m.stream.waitFor(ctx, want, startTimeout+o.interval); !ok {
		_, exited, _ := m.stream.snapshot()
		m.stream.stop()
		if err != nil {
			return nil, spec.Errorf("", "starting %s stopped: %w", path, err)
		}
		if exited == "" {
			exited = fmt.Sprintf("no line for every selected GPU within %s", startTimeout+o.interval)
		}
		return nil, spec.Errorf("", "%s %s: %s", path, strings.Join(args, " "), exited)
	}
	return m, nil
}

func queryArgs(instant bool) []string {
	fields := []string{fieldIndex, fieldUUID, fieldDraw}
	if instant {
		fields = append(fields, fieldInstant)
	}
	return []string{"--query-gpu=" + strings.Join(fields, ","), "--format=csv,noheader,nounits"}
}

// findBinary resolves the path option. nvidia-smi missing from PATH means
// no NVIDIA driver here; a configured path that is wrong is a mistake in
// the configuration.
func findBinary(spec meter.Spec, path string) (string, error) {
	p, err := exec.LookPath(path)
	if err == nil {
		return p, nil
	}
	if !strings.ContainsRune(path, '/') {
		return "", meter.Unavailable(spec, path+" not found in PATH: no NVIDIA driver utilities here", fixMissing)
	}
	if errors.Is(err, fs.ErrNotExist) {
		return "", spec.Errorf("path", "%s does not exist", path)
	}
	return "", spec.Errorf("path", "%s cannot be run: %v", path, err)
}

// selectGPUs picks the configured GPUs, in the order configured.
func selectGPUs(spec meter.Spec, refs []deviceRef, all []sample) ([]sample, error) {
	if refs == nil {
		return all, nil
	}
	var picked []sample
	seen := map[string]deviceRef{}
	for i, ref := range refs {
		at := slices.IndexFunc(all, func(s sample) bool {
			return ref.Matches(s.index, s.uuid)
		})
		key := fmt.Sprintf("devices[%d]", i)
		if at < 0 {
			var here []string
			for _, s := range all {
				here = append(here, fmt.Sprintf("%d %s", s.index, s.uuid))
			}
			return nil, spec.Errorf(key, "no GPU %s here; nvidia-smi lists %s", ref, strings.Join(here, ", "))
		}
		s := all[at]
		if first, dup := seen[s.uuid]; dup {
			// The same board twice would count its power twice.
			return nil, spec.Errorf(key, "%s and %s are the same GPU (gpu%d)", first, ref, s.index)
		}
		seen[s.uuid] = ref
		picked = append(picked, s)
	}
	return picked, nil
}

// choosePower decides from the first answer which field a GPU is read from.
func choosePower(s sample, mode powerMode) (gpuChannel, string, error) {
	g := gpuChannel{index: s.index, uuid: s.uuid, channel: "gpu" + strconv.Itoa(s.index)}
	var note string
	switch {
	case mode != powerAverage && s.instant.ok():
		g.instant = true
	case mode == powerInstant:
		return g, "", fmt.Errorf("%s: nvidia-smi reports %s as %s; set power: auto or average", g.channel, fieldInstant, s.instant.absent)
	case !s.draw.ok():
		return g, "", fmt.Errorf("%s (%s) reports no power (%s: %s); leave it out of devices", g.channel, s.uuid, fieldDraw, s.draw.absent)
	case mode == powerAuto && s.instant != notQueried:
		note = fmt.Sprintf("%s: %s is %s: reading %s, a one-second average on Ampere and newer", g.channel, fieldInstant, s.instant.absent, fieldDraw)
	}
	return g, note, nil
}

func (m *smiMeter) Name() string { return m.name }

// Notes says where the meter reads a less precise figure than asked.
func (m *smiMeter) Notes() []string { return append([]string(nil), m.notes...) }

// Read returns the latest line nvidia-smi printed for each selected GPU.
// It fails when a GPU's latest line is stale (nvidia-smi stopped or hangs)
// or carries no number: a sum over GPUs missing one would be wrong
// without saying so.
func (m *smiMeter) Read(ctx context.Context) ([]meter.Reading, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	latest, exited, starts := m.stream.snapshot()
	now := m.now()
	out := make([]meter.Reading, 0, len(m.gpus))
	for _, g := range m.gpus {
		s, ok := latest[g.index]
		if !ok || now.Sub(s.at) > m.stale {
			msg := fmt.Sprintf("%s: no line from nvidia-smi for %s (it should print one every %s)", g.channel, now.Sub(s.at).Round(time.Millisecond), m.every)
			if !ok {
				msg = fmt.Sprintf("%s: no line from nvidia-smi yet", g.channel)
			}
			if exited != "" {
				msg += fmt.Sprintf("; %d processes started; the last: %s", starts, exited)
			}
			return nil, errors.New(msg)
		}
		v, field := s.draw, fieldDraw
		if g.instant {
			v, field = s.instant, fieldInstant
		}
		if !v.ok() {
			return nil, fmt.Errorf("%s: nvidia-smi printed %s for %s", g.channel, v.absent, field)
		}
		out = append(out, meter.Reading{
			Meter: m.name, Channel: g.channel, Component: meter.GPU,
			Watts: v.watts, Joules: meter.NoValue,
		})
	}
	return out, nil
}

// Close stops nvidia-smi and waits for it.
func (m *smiMeter) Close() error {
	m.stream.stop()
	return nil
}
