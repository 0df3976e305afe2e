package interchange

import (
	"bytes"
	"encoding/json"
	"io"
	"iter"
	"math"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/aienergy/aienergy/rundir"
)

func TestAppendJSONFloatIsEncodingJSONs(t *testing.T) {
	for _, f := range []float64{
		0, math.Copysign(0, -1), 1, -1, 0.1, 123456789.123, 1e20, 1e21, 1.5e21, -1e21,
		1e-6, 9.99e-7, 1e-7, -4.5e-9, 1e-100, 5e-324, math.MaxFloat64, 0.000001234,
	} {
		want, err := json.Marshal(f)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendJSONFloat(nil, f); !bytes.Equal(got, want) {
			t.Errorf("appendJSONFloat(%v) = %s, want %s", f, got, want)
		}
	}
	for _, f := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		if got := string(appendJSONFloat(nil, f)); got != "null" {
			t.Errorf("appendJSONFloat(%v) = %s, want null, as rundir.EncodeJSON writes it", f, got)
		}
	}
}

// A document with streamed lists is, byte for byte, the document with the
// lists built in memory as EncodeJSON writes it: at any depth, empty or
// not, nested, and with a number JSON cannot hold.
func TestSplicerWritesWhatEncodeJSONWrites(t *testing.T) {
	flat := []float64{1.5, 1e-7, math.NaN(), -2}
	nested := [][]float64{{0.1, 0.2}, {}, {3}}
	type inner[L any] struct {
		Lists L   `json:"lists"`
		Tail  int `json:"tail"`
	}
	type doc[L any] struct {
		Name  string     `json:"name"`
		Flat  L          `json:"flat"`
		Empty L          `json:"empty"`
		Deep  []inner[L] `json:"deep"`
		After []float64  `json:"after"`
	}
	want, err := rundir.EncodeJSON(doc[any]{
		Name: `a "quoted" <name>`, Flat: flat, Empty: []float64{},
		Deep:  []inner[any]{{Lists: nested, Tail: 1}},
		After: []float64{4},
	})
	if err != nil {
		t.Fatal(err)
	}
	sp := newSplicer()
	var got bytes.Buffer
	err = sp.write(&got, doc[*streamedList]{
		Name: `a "quoted" <name>`, Flat: sp.floats(slices.Values(flat)), Empty: sp.floats(slices.Values([]float64{})),
		Deep:  []inner[*streamedList]{{Lists: sp.lists(seqs(nested)), Tail: 1}},
		After: []float64{4},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Errorf("spliced:\n%s\nwant:\n%s", got.Bytes(), want)
	}
}

func seqs(lists [][]float64) iter.Seq[iter.Seq[float64]] {
	return func(yield func(iter.Seq[float64]) bool) {
		for _, l := range lists {
			if !yield(slices.Values(l)) {
				return
			}
		}
	}
}

// A list the document leaves out is a mistake in this package: an error,
// not a file that silently lacks it.
func TestSplicerMissingList(t *testing.T) {
	sp := newSplicer()
	sp.floats(slices.Values([]float64{1}))
	err := sp.write(io.Discard, map[string]int{"a": 1})
	if err == nil || !strings.Contains(err.Error(), "1 of 1 streamed lists") {
		t.Errorf("err = %v, want one naming the list left out", err)
	}
}

// A server that streams tiny chunks until the timeout leaves 64 Ki chunk
// times per request. The files that list every gap write them as they go:
// the bytes allocated per gap are the one slice their statistics sort
// (8 bytes), where building the JSON text whole took over 200.
func TestInterchangeMemoryPerGap(t *testing.T) {
	_, s, raw := generate(t, runConstant)
	model := s.Models[0].Model
	const chunks = 1 << 16
	gaps := 0
	reqs := collect(t, raw)
	for i := range reqs {
		r := &reqs[i]
		if r.Model != model || r.Phase != "measured" || !r.OK() {
			continue
		}
		r.Chunks = make([]float64, chunks)
		for j := range r.Chunks {
			r.Chunks[j] = (r.FirstToken - r.Start) + float64(j)*(r.End-r.FirstToken)/chunks
		}
		gaps += chunks - 1
	}
	if gaps == 0 {
		t.Fatal("the fixture has no successful measured request")
	}
	for _, k := range kinds {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		if err := k.write(io.Discard, s, raw, model); err != nil {
			t.Fatal(err)
		}
		runtime.ReadMemStats(&after)
		if perGap := float64(after.TotalAlloc-before.TotalAlloc) / float64(gaps); perGap > 16 {
			t.Errorf("%s: %.1f bytes allocated per inter-token gap, want at most 16", k.name, perGap)
		}
	}
}
