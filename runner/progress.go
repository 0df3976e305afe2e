package runner

import (
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/aienergy/aienergy/analysis"
	"github.com/aienergy/aienergy/backend"
	"github.com/aienergy/aienergy/meter"
	"golang.org/x/term"
)

// Progress prints what a run is doing: on a terminal one line redrawn in
// place, elsewhere a plain line every few seconds. A nil *Progress prints
// nothing.
type Progress struct {
	w     io.Writer
	tty   bool
	every time.Duration

	mu         sync.Mutex
	samplers   []*meter.Sampler // whose latest readings are shown
	model      string
	modelIndex int
	models     int
	phase      string
	total      int
	duration   time.Duration
	phaseStart time.Time
	done       int
	failed     int
	outTokens  int
	drawn      bool
	midLine    bool // other output left the cursor inside a line (Around)

	stopc chan struct{}
	donec chan struct{}
}

// NewProgress writes progress to w; tty selects in-place redrawing.
func NewProgress(w io.Writer, tty bool) *Progress {
	every := 2 * time.Second
	if tty {
		every = 250 * time.Millisecond
	}
	return &Progress{w: w, tty: tty, every: every}
}

func (p *Progress) start(s *meter.Sampler) {
	if p == nil {
		return
	}
	p.mu.Lock()
	p.samplers = []*meter.Sampler{s}
	p.stopc, p.donec = make(chan struct{}), make(chan struct{})
	p.mu.Unlock()
	go func() {
		defer close(p.donec)
		t := time.NewTicker(p.every)
		defer t.Stop()
		for {
			select {
			case <-p.stopc:
				return
			case <-t.C:
				p.draw()
			}
		}
	}()
}

// watch adds a sampler started later (a launched server's meters).
func (p *Progress) watch(s *meter.Sampler) {
	if p == nil {
		return
	}
	p.mu.Lock()
	p.samplers = append(p.samplers, s)
	p.mu.Unlock()
}

func (p *Progress) stop() {
	if p == nil || p.stopc == nil {
		return
	}
	close(p.stopc)
	<-p.donec
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tty && p.drawn {
		fmt.Fprintln(p.w)
		p.drawn = false
	}
}

func (p *Progress) setModel(model string, index, of int) {
	if p == nil {
		return
	}
	p.mu.Lock()
	p.model, p.modelIndex, p.models = model, index, of
	p.mu.Unlock()
}

func (p *Progress) setPhase(phase string, total int, d time.Duration) {
	if p == nil {
		return
	}
	p.mu.Lock()
	p.phase, p.total, p.duration = phase, total, d
	p.phaseStart = time.Now()
	p.done, p.failed, p.outTokens = 0, 0, 0
	p.mu.Unlock()
}

func (p *Progress) requestDone(rec backend.Record) {
	if p == nil {
		return
	}
	p.mu.Lock()
	p.done++
	if !rec.OK() {
		p.failed++
	}
	p.outTokens = analysis.SaturatingAdd(p.outTokens, rec.OutputTokens)
	p.mu.Unlock()
}

// Writer is where lines that interrupt the progress display go (the run's
// logger): each write first clears the line being redrawn, which the next
// tick draws again below it.
func (p *Progress) Writer() io.Writer { return progressWriter{p} }

type progressWriter struct{ p *Progress }

func (w progressWriter) Write(b []byte) (int, error) {
	w.p.mu.Lock()
	defer w.p.mu.Unlock()
	w.p.clearLocked()
	return w.p.w.Write(b)
}

func (p *Progress) clearLocked() {
	if p.tty && p.drawn {
		fmt.Fprint(p.w, "\r\033[K")
		p.drawn = false
	}
}

func (p *Progress) draw() {
	p.mu.Lock()
	defer p.mu.Unlock()
	line := p.lineLocked(time.Now())
	if p.tty {
		// A line wider than the terminal wraps, and \r then returns to
		// the wrapped part: the display would scroll instead of redraw.
		if p.midLine {
			fmt.Fprintln(p.w) // keep the other output's unfinished line
			p.midLine = false
		}
		fmt.Fprint(p.w, "\r\033[K"+fit(line, p.columns()))
		p.drawn = true
		return
	}
	fmt.Fprintln(p.w, line)
}

// columns is the terminal's width, 80 when it cannot be told.
func (p *Progress) columns() int {
	if f, ok := p.w.(interface{ Fd() uintptr }); ok {
		if w, _, err := term.GetSize(int(f.Fd())); err == nil && w > 0 {
			return w
		}
	}
	return 80
}

// fit cuts line to fewer than width characters (the last column is left
// free: a character there wraps on some terminals), marking the cut.
func fit(line string, width int) string {
	if width < 2 || utf8.RuneCountInString(line) < width {
		return line
	}
	runes := []rune(line)
	return string(runes[:width-2]) + "…"
}

// Around returns w as a writer for output that shares the terminal with
// the progress line (a measured command's own output): each write first
// clears the line being redrawn, so that the output does not run on from
// it; the next tick draws the line again below.
func (p *Progress) Around(w io.Writer) io.Writer {
	if p == nil || !p.tty {
		return w
	}
	return aroundWriter{p: p, w: w}
}

type aroundWriter struct {
	p *Progress
	w io.Writer
}

func (a aroundWriter) Write(b []byte) (int, error) {
	a.p.mu.Lock()
	defer a.p.mu.Unlock()
	a.p.clearLocked()
	n, err := a.w.Write(b)
	if n > 0 {
		a.p.midLine = b[n-1] != '\n'
	}
	return n, err
}

func (p *Progress) lineLocked(now time.Time) string {
	var b strings.Builder
	if p.models > 1 {
		fmt.Fprintf(&b, "[%d/%d] ", p.modelIndex+1, p.models)
	}
	fmt.Fprintf(&b, "%s %-11s", p.model, p.phase)
	elapsed := now.Sub(p.phaseStart)
	if p.total > 0 || p.done > 0 {
		if p.total > 0 {
			fmt.Fprintf(&b, " %d/%d req", p.done, p.total)
		} else {
			fmt.Fprintf(&b, " %d req", p.done)
		}
		if p.failed > 0 {
			fmt.Fprintf(&b, " (%d failed)", p.failed)
		}
		if s := elapsed.Seconds(); s > 0 {
			fmt.Fprintf(&b, " %.1f req/s %.0f tok/s", float64(p.done)/s, float64(p.outTokens)/s)
		}
	}
	if len(p.samplers) > 0 {
		latest := map[string]meter.Reading{}
		for _, s := range p.samplers {
			maps.Copy(latest, s.Latest())
		}
		keys := make([]string, 0, len(latest))
		for k := range latest {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if w := latest[k].Watts; !math.IsNaN(w) {
				fmt.Fprintf(&b, " %s %.0f W", k, w)
			}
		}
	}
	if eta, ok := p.etaLocked(elapsed); ok {
		fmt.Fprintf(&b, " ETA %s", eta.Round(time.Second))
	}
	return b.String()
}

func (p *Progress) etaLocked(elapsed time.Duration) (time.Duration, bool) {
	switch {
	case p.duration > 0:
		return max(p.duration-elapsed, 0), true
	case p.total > 0 && p.done > 0:
		perReq := elapsed / time.Duration(p.done)
		return perReq * time.Duration(p.total-p.done), true
	}
	return 0, false
}
