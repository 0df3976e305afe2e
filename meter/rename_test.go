package meter

import (
	"context"
	"testing"
	"time"
)

// selfNamed names its readings itself, as the Prometheus and InfluxDB
// meters do, and counts Close calls.
type selfNamed struct {
	slowMeter
	closes int
}

func (m *selfNamed) Read(ctx context.Context) ([]Reading, error) {
	return []Reading{{Meter: m.name, Channel: "gpu0", Watts: 1, Joules: NoValue}}, nil
}
func (m *selfNamed) Close() error { m.closes++; return nil }

// A renamed meter keeps the read interval and timeout it asks for: the
// sampler finds them through the wrapper.
func TestRenameKeepsPacing(t *testing.T) {
	const iv = 100 * time.Millisecond
	for _, m := range []Meter{
		&fakeMeter{name: "plain"},
		&slowMeter{fakeMeter{name: "prometheus"}, 5 * time.Second},
		&pacedMeter{fakeMeter{name: "bmc"}, 2 * time.Second, 0},
		Rename(&slowMeter{fakeMeter{name: "twice"}, 7 * time.Second}, "twice-a"),
	} {
		wantEvery, wantTimeout := pacing(m, iv)
		every, timeout := pacing(Rename(m, m.Name()+"-live"), iv)
		if every != wantEvery || timeout != wantTimeout {
			t.Errorf("%s renamed: every %v timeout %v, want its own %v and %v", m.Name(), every, timeout, wantEvery, wantTimeout)
		}
	}
}

func TestRename(t *testing.T) {
	inner := &selfNamed{slowMeter: slowMeter{fakeMeter{name: "store"}, 5 * time.Second}}
	m := Rename(inner, "store-live")
	if m.Name() != "store-live" {
		t.Errorf("Name() = %q, want store-live", m.Name())
	}
	rs, err := m.Read(context.Background())
	if err != nil || len(rs) != 1 || rs[0].Meter != "store-live" {
		t.Errorf("Read() = %+v, %v; want one reading of meter store-live", rs, err)
	}
	if err := m.Close(); err != nil || inner.closes != 1 {
		t.Errorf("Close() = %v and closed the meter %d times, want once", err, inner.closes)
	}
	if Unwrap(m) != inner || Unwrap(inner) != nil {
		t.Errorf("Unwrap(renamed) = %v, Unwrap(inner) = %v; want inner and nil", Unwrap(m), Unwrap(inner))
	}
	if rt, ok := As[ReadTimeouter](m); !ok || rt.ReadTimeout() != 5*time.Second {
		t.Errorf("As[ReadTimeouter] = %v, %v; want the inner meter's 5s", rt, ok)
	}
	if _, ok := As[Paced](m); ok {
		t.Error("As[Paced] found a Paced where there is none")
	}
}

// The sampler keys a renamed meter's stats and readings by the new name.
func TestSamplerReadsRenamedMeter(t *testing.T) {
	inner := &selfNamed{slowMeter: slowMeter{fakeMeter{name: "store"}, 5 * time.Second}}
	var rec recorder
	stats := run([]Meter{Rename(inner, "store-live")}, 20*time.Millisecond, 100*time.Millisecond, rec.sink)
	if stats[0].Meter != "store-live" || stats[0].Reads == 0 {
		t.Errorf("stats = %+v, want reads of store-live", stats[0])
	}
	if n := len(rec.byMeter("store-live")); n != stats[0].Reads {
		t.Errorf("%d readings of store-live for %d reads", n, stats[0].Reads)
	}
	if n := len(rec.byMeter("store")); n != 0 {
		t.Errorf("%d readings under the inner meter's name", n)
	}
}
