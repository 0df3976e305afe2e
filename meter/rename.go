package meter

import "context"

// Rename returns m read under name: every reading it returns carries that
// meter name. The runner renames a WindowReader's live reads so that they
// sit beside the samples read back from its store, under m's own name.
//
// A wrapper cannot have the optional interfaces of what it wraps, so
// Rename's has none but Unwrap: ask a meter for one with As, which looks
// through it, as the sampler does for Paced and ReadTimeouter.
func Rename(m Meter, name string) Meter { return &renamed{m: m, name: name} }

type renamed struct {
	m    Meter
	name string
}

func (r *renamed) Name() string  { return r.name }
func (r *renamed) Close() error  { return r.m.Close() }
func (r *renamed) Unwrap() Meter { return r.m }

func (r *renamed) Read(ctx context.Context) ([]Reading, error) {
	rs, err := r.m.Read(ctx)
	for i := range rs {
		rs[i].Meter = r.name
	}
	return rs, err
}

// Unwrap returns the meter that m wraps (see Rename), or nil.
func Unwrap(m Meter) Meter {
	if u, ok := m.(interface{ Unwrap() Meter }); ok {
		return u.Unwrap()
	}
	return nil
}

// As returns the first meter in m's chain — m, Unwrap(m), and so on — that
// is a T, the way errors.As finds an error: As[ReadTimeouter](m) finds the
// read timeout of a renamed meter.
func As[T any](m Meter) (T, bool) {
	for ; m != nil; m = Unwrap(m) {
		if t, ok := m.(T); ok {
			return t, true
		}
	}
	var zero T
	return zero, false
}
