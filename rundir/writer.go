package rundir

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
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
	phases   *csvFile
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
	if w.phases, err = createCSV(filepath.Join(dir, PhasesFile), phasesHeader); err != nil {
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
		return os.MkdirAll(dir, 0o755)
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
	chunks := make([]string, len(r.Chunks))
	for i, c := range r.Chunks {
		chunks[i] = formatFloat(ms(c), 3)
	}
	w.requests.write([]string{
		strconv.Itoa(r.ID), r.Model, phase,
		formatFloat(w.Since(r.Start), 6), first, formatFloat(w.Since(r.End), 6),
		ttft, formatFloat(ms(r.End.Sub(r.Start)), 3),
		strconv.Itoa(r.InputTokens), strconv.Itoa(r.OutputTokens), strconv.FormatBool(r.TokensEstimated),
		r.FinishReason, r.ErrorClass, oneLine(r.Error), strings.Join(chunks, " "), itemsCell(r.Items), itemsCell(r.ReasoningTokens),
		strconv.FormatBool(r.Streamed),
	})
}

// Phase appends one phase to phases.csv. items is the work the phase
// reported when it is not requests (aienergy measure); 0 for none.
func (w *Writer) Phase(model, name string, start, end time.Time, items int) {
	cell := ""
	if items > 0 {
		cell = strconv.Itoa(items)
	}
	w.phases.write([]string{model, name, formatFloat(w.Since(start), 6), formatFloat(w.Since(end), 6), cell})
}

// Close flushes and closes the raw-data files.
func (w *Writer) Close() error {
	return errors.Join(w.power.close(), w.requests.close(), w.phases.close())
}

// WriteJSON writes v as indented JSON to name inside dir, atomically: a
// reader never sees half a file.
func WriteJSON(dir, name string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return WriteFileAtomic(filepath.Join(dir, name), append(data, '\n'))
}

// WriteFileAtomic writes data to path through a temporary file and rename.
func WriteFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
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
