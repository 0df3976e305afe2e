package rundir

import (
	"encoding/csv"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aienergy/aienergy/backend"
	"github.com/aienergy/aienergy/meter"
)

// A Writer streams a run's raw data into its directory as it arrives.
// All methods are safe for concurrent use.
type Writer struct {
	Dir      string
	origin   time.Time
	power    *csvFile
	requests *csvFile

	mu       sync.Mutex // guards phases and phaseErr
	phases   []*phaseRow
	phaseErr error
}

// phaseRow is one row of phases.csv; end is NaN while the phase runs.
type phaseRow struct {
	model, name string
	start, end  float64
	items       int
}

// Create makes the run directory (which must not exist or be empty) and
// opens its raw-data files. origin is the run's clock origin; it must
// carry a monotonic clock reading.
func Create(dir string, origin time.Time) (*Writer, error) {
	if err := ensureEmptyDir(dir); err != nil {
		return nil, err
	}
	w := &Writer{Dir: dir, origin: origin}
	var err error
	if w.power, err = createCSV(filepath.Join(dir, PowerFile), powerHeader); err != nil {
		return nil, err
	}
	if w.requests, err = createCSV(filepath.Join(dir, RequestsFile), requestsHeader); err != nil {
		w.power.close()
		return nil, err
	}
	if err = w.writePhasesLocked(false); err != nil { // the header alone
		w.power.close()
		w.requests.close()
		return nil, err
	}
	return w, nil
}

func ensureEmptyDir(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return os.MkdirAll(dir, 0o777) // less the umask, like every file here
	case err != nil:
		return fmt.Errorf("run directory %s: %w", dir, err)
	case len(entries) > 0:
		return fmt.Errorf("run directory %s already exists and is not empty; choose another --output or remove it", dir)
	}
	return nil
}

// Since converts a monotonic time to seconds since the run's origin.
func (w *Writer) Since(t time.Time) float64 { return t.Sub(w.origin).Seconds() }

// Readings appends meter readings to power.csv.
func (w *Writer) Readings(rs []meter.Reading) {
	rows := make([][]string, 0, len(rs))
	originUnix := float64(w.origin.UnixNano()) / 1e9
	for _, r := range rs {
		t := w.Since(r.Time)
		rows = append(rows, []string{
			formatFloat(t, 6), formatFloat(originUnix+t, 6), r.Meter, r.Channel,
			string(r.Component), formatFloat(r.Watts, 3), formatFloat(r.Joules, 6), // µJ: RAPL's resolution
		})
	}
	w.power.write(rows...)
}

// Request appends one request record to requests.csv.
func (w *Writer) Request(phase string, r backend.Record) {
	first, ttft := "", ""
	if !r.FirstToken.IsZero() {
		first = formatFloat(w.Since(r.FirstToken), 6)
		ttft = formatFloat(ms(r.FirstToken.Sub(r.Start)), 3)
	}
	w.requests.write([]string{
		strconv.Itoa(r.ID), r.Model, phase,
		formatFloat(w.Since(r.Start), 6), first, formatFloat(w.Since(r.End), 6),
		ttft, formatFloat(ms(r.End.Sub(r.Start)), 3),
		strconv.Itoa(r.InputTokens), strconv.Itoa(r.OutputTokens), strconv.FormatBool(r.TokensEstimated),
		r.FinishReason, r.ErrorClass, oneLine(r.Error), chunkCell(r.Chunks), itemsCell(r.Items), itemsCell(r.ReasoningTokens),
		strconv.FormatBool(r.Streamed), strconv.Itoa(max(r.ChunkCount, len(r.Chunks))),
	})
}

// Phase records a phase that is over. items is the work the phase
// reported when it is not requests (aienergy measure); 0 for none.
func (w *Writer) Phase(model, name string, start, end time.Time, items int) *PhaseRecord {
	return w.addPhase(&phaseRow{model: model, name: name, start: w.Since(start), end: w.Since(end), items: items})
}

// StartPhase records that a phase has begun: its row reaches phases.csv at
// once, with end_s empty, so that a run killed during the phase still says
// when it began and the reader can recover it (see Read). End completes
// the row.
func (w *Writer) StartPhase(model, name string, start time.Time) *PhaseRecord {
	return w.addPhase(&phaseRow{model: model, name: name, start: w.Since(start), end: math.NaN()})
}

func (w *Writer) addPhase(row *phaseRow) *PhaseRecord {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.phases = append(w.phases, row)
	w.savePhasesLocked()
	return &PhaseRecord{w: w, row: row}
}

// A PhaseRecord is a phase's row in phases.csv, without an end while the
// phase runs.
type PhaseRecord struct {
	w   *Writer
	row *phaseRow
}

// End completes the phase's row with its end and the work it reported.
func (p *PhaseRecord) End(end time.Time, items int) {
	p.w.mu.Lock()
	defer p.w.mu.Unlock()
	p.row.end, p.row.items = p.w.Since(end), items
	p.w.savePhasesLocked()
}

// Discard removes the phase's row: it turned out to be no phase at all
// (aienergy measure's whole-command phase, once the command marks its own).
func (p *PhaseRecord) Discard() {
	p.w.mu.Lock()
	defer p.w.mu.Unlock()
	p.w.phases = slices.DeleteFunc(p.w.phases, func(r *phaseRow) bool { return r == p.row })
	p.w.savePhasesLocked()
}

// savePhasesLocked rewrites phases.csv; the first error is kept for Close.
func (w *Writer) savePhasesLocked() {
	if err := w.writePhasesLocked(false); err != nil && w.phaseErr == nil {
		w.phaseErr = err
	}
}

// writePhasesLocked replaces phases.csv with every phase so far. The file
// is a handful of rows that change only when a phase starts or ends, so it
// is rewritten whole through a rename: whenever aienergy is killed, it is
// the old file or the new one, never half of either, with one row per
// phase for any CSV reader. During the run the rename is not fsynced
// (neither are the streamed files: a killed process loses nothing the
// kernel has, and a phase's start is not held up by the disk); Close
// syncs the last version.
func (w *Writer) writePhasesLocked(durable bool) error {
	var b strings.Builder
	cw := csv.NewWriter(&b)
	cw.Write(phasesHeader)
	for _, p := range w.phases {
		cw.Write([]string{p.model, p.name, formatFloat(p.start, 6), formatFloat(p.end, 6), itemsCell(p.items)})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return replaceFile(filepath.Join(w.Dir, PhasesFile), []byte(b.String()), durable)
}

// Close flushes and closes the raw-data files.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.phaseErr == nil {
		w.phaseErr = w.writePhasesLocked(true)
	}
	var phaseErr error
	if w.phaseErr != nil {
		phaseErr = fmt.Errorf("%s: %w", PhasesFile, w.phaseErr)
	}
	return errors.Join(w.power.close(), w.requests.close(), phaseErr)
}

// chunkCell is the chunk_ms cell: each chunk's arrival in ms since the
// request's start, separated by spaces. It is built in one buffer, not
// as a string per chunk: a request can have 64 Ki chunks.
func chunkCell(chunks []time.Duration) string {
	var b strings.Builder
	b.Grow(len(chunks) * len("12345.678 "))
	var num [32]byte
	for i, c := range chunks {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.Write(strconv.AppendFloat(num[:0], ms(c), 'f', 3, 64))
	}
	return b.String()
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// formatFloat writes NaN as an empty cell: "no value", never a zero.
func formatFloat(v float64, prec int) string {
	if math.IsNaN(v) {
		return ""
	}
	return strconv.FormatFloat(v, 'f', prec, 64)
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func itemsCell(n int) string {
	if n <= 0 {
		return ""
	}
	return strconv.Itoa(n)
}
