package runner

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/aienergy/aienergy/rundir"
	"github.com/aienergy/aienergy/trace"
)

// A MeasurePlan wraps any command with the meters: idle before, the
// command, idle after. Of the embedded Plan it uses Meta, IdleBefore,
// IdleAfter, SampleInterval, Meters, ConfigYAML and Output.
type MeasurePlan struct {
	Plan
	Command []string
	Stdin   io.Reader
	Stdout  io.Writer // the command's output is copied here and to command.log
	Stderr  io.Writer
}

// CommandLog is the file in the run directory that keeps the measured
// command's standard output and error.
const CommandLog = "command.log"

// markerPrefix starts the lines by which a measured command marks phases
// and work done on its standard output:
//
//	aienergy: phase=resnet50 items=1000   ends the current phase, starts resnet50
//	aienergy: items=500                   adds work to the current phase
//	aienergy: end                         ends the current phase
//
// Without markers the whole command is one phase named after it.
const markerPrefix = "aienergy:"

// ExitError reports a measured command that failed; the run directory is
// still complete.
type ExitError struct{ Code int }

func (e *ExitError) Error() string {
	return fmt.Sprintf("the measured command exited with status %d", e.Code)
}

// Measure runs plan.Command with every meter sampling and writes a run
// directory whose figures are per phase of the command (J per item when
// the command reports items).
func Measure(ctx context.Context, plan MeasurePlan, progress *Progress) (string, error) {
	if len(plan.Command) == 0 {
		return "", errors.New("no command to measure: put it after --, e.g. aienergy measure -- python3 cnn.py")
	}
	r := &run{plan: plan.Plan, progress: progress}
	m := &measurement{run: r, plan: plan}
	return r.execute(ctx, nil, m.body)
}

type measurement struct {
	run  *run
	plan MeasurePlan

	mu         sync.Mutex
	idleBefore [2]time.Time
	haveIdle   bool
	phases     []*commandPhase
	current    *commandPhase
	names      map[string]int
	// implicitName names the phase that covers the whole command when it
	// marks none.
	implicitName string
}

type commandPhase struct {
	name  string
	items int
	// Its rows in phases.csv, written when it starts: the idle phase
	// before the command (every phase's baseline) and its own.
	idle, measured *rundir.PhaseRecord
}

func (m *measurement) body(ctx context.Context) error {
	r := m.run
	p := r.progress
	p.setModel(filepath.Base(m.plan.Command[0]), 0, 1)
	if d := m.plan.IdleBefore; d > 0 {
		start := time.Now()
		r.setPhase(filepath.Base(m.plan.Command[0]), trace.PhaseIdleBefore, 0, d)
		sleep(ctx, d)
		m.idleBefore = [2]time.Time{start, time.Now()}
		m.haveIdle = true
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}

	r.setPhase(filepath.Base(m.plan.Command[0]), "command", 0, 0)
	runErr := m.runCommand(ctx)
	m.endPhase(time.Now(), true)
	if ctx.Err() != nil {
		return ctx.Err()
	}

	if d := m.plan.IdleAfter; d > 0 {
		start := time.Now()
		p.setModel(filepath.Base(m.plan.Command[0]), 0, 1)
		r.setPhase(filepath.Base(m.plan.Command[0]), trace.PhaseIdleAfter, 0, d)
		m.mu.Lock()
		var rows []*rundir.PhaseRecord
		for _, ph := range m.phases {
			rows = append(rows, r.out.StartPhase(ph.name, trace.PhaseIdleAfter, start))
		}
		m.mu.Unlock()
		sleep(ctx, d)
		end := time.Now()
		for _, row := range rows {
			row.End(end, 0)
		}
	}
	if len(m.phases) == 0 {
		r.warnf("the command marked no phase with work; nothing was measured")
	}
	return errors.Join(runErr, ctx.Err())
}

func (m *measurement) runCommand(ctx context.Context) error {
	log, err := os.Create(filepath.Join(m.plan.Output, CommandLog))
	if err != nil {
		return err
	}
	defer log.Close()
	// command.log is a file of the run directory: the run's secrets are
	// masked in it, as in every other (the terminal gets the output as is).
	masked := m.plan.Redact.Writer(log)
	var logMu sync.Mutex
	defer func() {
		logMu.Lock()
		masked.Flush()
		logMu.Unlock()
	}()
	logTo := func(w io.Writer) io.Writer { return &lockedTee{mu: &logMu, log: masked, w: w} }

	cmd := exec.CommandContext(ctx, m.plan.Command[0], m.plan.Command[1:]...)
	// On Ctrl-C the command gets SIGINT to stop cleanly, and is killed if
	// it has not stopped 10 s later.
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGINT) }
	cmd.WaitDelay = 10 * time.Second
	cmd.Stdin = m.plan.Stdin
	cmd.Stderr = logTo(orDiscard(m.plan.Stderr))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting %s: %w", m.plan.Command[0], err)
	}
	m.startPhase(filepath.Base(m.plan.Command[0]), time.Now(), 0, true)

	passthrough := logTo(orDiscard(m.plan.Stdout))
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		now := time.Now()
		fmt.Fprintln(passthrough, line)
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), markerPrefix); ok {
			if err := m.marker(strings.TrimSpace(rest), now); err != nil {
				m.run.warnf("ignoring marker line %q: %v", line, err)
			}
		}
	}
	waitErr := cmd.Wait()
	var exit *exec.ExitError
	switch {
	case ctx.Err() != nil:
		return nil // interrupted: reported by the caller
	case errors.As(waitErr, &exit):
		return &ExitError{Code: exit.ExitCode()}
	case waitErr != nil:
		return waitErr
	}
	return nil
}

// marker applies one "aienergy: …" line.
func (m *measurement) marker(fields string, now time.Time) error {
	if fields == "end" {
		m.endPhase(now, false)
		return nil
	}
	var name string
	items := 0
	for _, f := range strings.Fields(fields) {
		k, v, ok := strings.Cut(f, "=")
		if !ok {
			return fmt.Errorf("%q is not key=value (want phase=NAME, items=N or end)", f)
		}
		switch k {
		case "phase":
			if v == "" {
				return errors.New("empty phase name")
			}
			name = v
		case "items":
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return fmt.Errorf("items=%s is not a count", v)
			}
			items = n
		default:
			return fmt.Errorf("unknown key %q (want phase, items)", k)
		}
	}
	if name != "" {
		m.endPhase(now, false)
		m.startPhase(name, now, items, false)
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.current == nil {
		return errors.New("items reported outside a phase")
	}
	m.current.items += items
	return nil
}

// startPhase opens a phase. The implicit phase named after the command
// is replaced as soon as the command marks a phase of its own.
func (m *measurement) startPhase(name string, at time.Time, items int, implicit bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.names == nil {
		m.names = map[string]int{}
	}
	if !implicit {
		m.names[name]++
		if n := m.names[name]; n > 1 {
			name = fmt.Sprintf("%s-%d", name, n)
		}
	}
	ph := &commandPhase{name: name, items: items}
	if implicit {
		// Named only if it ends without a marked phase replacing it.
		ph.name = ""
		m.implicitName = name
	}
	r := m.run
	if m.haveIdle {
		ph.idle = r.out.Phase(name, trace.PhaseIdleBefore, m.idleBefore[0], m.idleBefore[1], 0)
	}
	ph.measured = r.out.StartPhase(name, trace.PhaseMeasured, at)
	m.current = ph
	m.run.progress.setModel(m.displayName(ph), len(m.phases), len(m.phases)+1)
	m.run.plan.Live.Phase(m.displayName(ph), trace.PhaseMeasured)
}

func (m *measurement) displayName(ph *commandPhase) string {
	if ph.name == "" {
		return m.implicitName
	}
	return ph.name
}

// endPhase closes the current phase. The implicit whole-command phase
// counts only when the command exits (final) without having marked a
// phase: once a command marks phases, time outside them is not attributed
// to any, and the implicit phase's rows are removed.
func (m *measurement) endPhase(at time.Time, final bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	ph := m.current
	if ph == nil {
		return
	}
	m.current = nil
	if ph.name == "" {
		if !final || len(m.phases) > 0 {
			ph.measured.Discard()
			if ph.idle != nil {
				ph.idle.Discard()
			}
			return
		}
		ph.name = m.implicitName
	}
	ph.measured.End(at, ph.items)
	m.phases = append(m.phases, ph)
	m.run.meta.Models = append(m.run.meta.Models, ph.name)
}

// lockedTee copies writes to w and to the command log.
type lockedTee struct {
	mu  *sync.Mutex
	log io.Writer
	w   io.Writer
}

func (t *lockedTee) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.log.Write(p)
	return t.w.Write(p)
}

func orDiscard(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}
