package interchange

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"runtime"
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
// not, nested, of numbers, integers and strings (HTML characters escaped
// as encoding/json escapes them), and with a number JSON cannot hold.
func TestSplicerWritesWhatEncodeJSONWrites(t *testing.T) {
	flat := []float64{1.5, 1e-7, math.NaN(), -2}
	nested := [][]float64{{0.1, 0.2}, {}, {3}}
	ints := []int{30, 0, -4}
	strs := []string{"", "http", `<a & "b">`}
	type inner[L any] struct {
		Lists L   `json:"lists"`
		Tail  int `json:"tail"`
	}
	type doc[L any] struct {
		Name  string     `json:"name"`
		Flat  L          `json:"flat"`
		Empty L          `json:"empty"`
		Deep  []inner[L] `json:"deep"`
		Ints  L          `json:"ints"`
		Strs  L          `json:"strs"`
		After []float64  `json:"after"`
	}
	want, err := rundir.EncodeJSON(doc[any]{
		Name: `a "quoted" <name>`, Flat: flat, Empty: []float64{},
		Deep: []inner[any]{{Lists: nested, Tail: 1}},
		Ints: ints, Strs: strs,
		After: []float64{4},
	})
	if err != nil {
		t.Fatal(err)
	}
	sp := newSplicer()
	floats := func(v []float64) *streamedList {
		return sp.list(func(a *array) error {
			for _, f := range v {
				a.float(f)
			}
			return nil
		})
	}
	var got bytes.Buffer
	err = sp.write(&got, doc[*streamedList]{
		Name: `a "quoted" <name>`, Flat: floats(flat), Empty: floats(nil),
		Deep: []inner[*streamedList]{{Lists: sp.list(func(a *array) error {
			for _, l := range nested {
				in := a.array()
				for _, f := range l {
					in.float(f)
				}
				in.end()
			}
			return nil
		}), Tail: 1}},
		Ints: sp.list(func(a *array) error {
			for _, i := range ints {
				a.int(i)
			}
			return nil
		}),
		Strs: sp.list(func(a *array) error {
			for _, s := range strs {
				a.str(s)
			}
			return nil
		}),
		After: []float64{4},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Errorf("spliced:\n%s\nwant:\n%s", got.Bytes(), want)
	}
}

// A list the document leaves out is a mistake in this package: an error,
// not a file that silently lacks it.
func TestSplicerMissingList(t *testing.T) {
	sp := newSplicer()
	sp.list(func(a *array) error { a.float(1); return nil })
	err := sp.write(io.Discard, map[string]int{"a": 1})
	if err == nil || !strings.Contains(err.Error(), "1 of 1 streamed lists") {
		t.Errorf("err = %v, want one naming the list left out", err)
	}
}

// A list that cannot be made (requests.csv unreadable) fails the file.
func TestSplicerListError(t *testing.T) {
	sp := newSplicer()
	boom := errors.New("boom")
	err := sp.write(io.Discard, map[string]any{"a": sp.list(func(*array) error { return boom })})
	if !errors.Is(err, boom) {
		t.Errorf("err = %v, want %v", err, boom)
	}
}

// A server that streams tiny chunks until the timeout leaves 64 Ki chunk
// times per request. The files that list every gap write them as they go,
// and their statistics hold a sketch, not the gaps: four times the gaps
// allocate about what one time does (building the JSON text whole took
// over 200 bytes a gap, sorting a copy of the gaps 8).
func TestInterchangeMemoryPerGap(t *testing.T) {
	_, s, raw := generate(t, runConstant)
	model := s.Models[0].Model
	reqs := collect(t, raw)
	allocated := func(chunks int) (gaps int, bytes map[string]uint64) {
		bytes = map[string]uint64{}
		for i := range reqs {
			r := &reqs[i]
			if r.Model != model || r.Phase != "measured" || !r.OK() {
				continue
			}
			r.Chunks = make([]float64, chunks)
			for j := range r.Chunks {
				r.Chunks[j] = (r.FirstToken - r.Start) + float64(j)*(r.End-r.FirstToken)/float64(chunks)
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
			bytes[k.name] = after.TotalAlloc - before.TotalAlloc
		}
		return gaps, bytes
	}
	gaps1, one := allocated(1 << 15)
	gaps4, four := allocated(1 << 17)
	for _, k := range kinds {
		perGap := (float64(four[k.name]) - float64(one[k.name])) / float64(gaps4-gaps1)
		t.Logf("%s: %d KiB allocated for %d gaps, %d KiB for %d", k.name, one[k.name]>>10, gaps1, four[k.name]>>10, gaps4)
		if perGap > 1 {
			t.Errorf("%s: %.2f bytes allocated per further inter-token gap, want at most 1", k.name, perGap)
		}
	}
}
