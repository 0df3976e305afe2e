package trace

import "slices"

// Requests is a run's request records in the order they were recorded,
// gone through as many times as a reader needs. A long run's records do
// not fit in memory (a day at 200 req/s is 17 million of them), so a run
// directory's are read afresh from requests.csv at each pass; a test's, or
// a short run's built in memory, are a Slice.
type Requests interface {
	// Each calls fn with every record in order, stopping at fn's first
	// error, which it returns; it also returns an error when the records
	// cannot be read. fn must not keep r.Chunks past its return: a record
	// read from a file reuses one buffer for them.
	Each(fn func(r Request) error) error
	// Len is the number of records Each gives.
	Len() int
}

// Slice is records held in memory.
type Slice []Request

// Each implements Requests.
func (s Slice) Each(fn func(Request) error) error {
	for _, r := range s {
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

// Len implements Requests.
func (s Slice) Len() int { return len(s) }

// Collect reads every record of reqs into memory, each with its own
// Chunks: for the small sets a test or a figure that needs them all at
// once holds. A nil reqs is none.
func Collect(reqs Requests) ([]Request, error) {
	if reqs == nil {
		return nil, nil
	}
	if s, ok := reqs.(Slice); ok {
		return s, nil
	}
	// Not sized by Len: a filtered set counts itself with a pass of its own.
	var out []Request
	err := reqs.Each(func(r Request) error {
		r.Chunks = slices.Clip(slices.Clone(r.Chunks))
		out = append(out, r)
		return nil
	})
	return out, err
}

// Filter is the records of reqs that keep keeps.
func Filter(reqs Requests, keep func(Request) bool) Requests {
	return filtered{reqs, keep}
}

type filtered struct {
	Requests
	keep func(Request) bool
}

func (f filtered) Each(fn func(Request) error) error {
	return f.Requests.Each(func(r Request) error {
		if !f.keep(r) {
			return nil
		}
		return fn(r)
	})
}

// Len counts the kept records: a pass of its own.
func (f filtered) Len() int {
	n := 0
	_ = f.Each(func(Request) error { n++; return nil })
	return n
}

// Samples is a run's meter samples in the order they were recorded — each
// channel's in time order, channels interleaved as their readings came —
// gone through as many times as a reader needs: a day of four channels at
// 10 Hz is 3.5 million of them, so a run directory's are read afresh from
// power.csv at each pass.
type Samples interface {
	// Each calls fn with every sample in order, stopping at fn's first
	// error, which it returns; it also returns an error when the samples
	// cannot be read.
	Each(fn func(Sample) error) error
}

// SampleSlice is samples held in memory.
type SampleSlice []Sample

// Each implements Samples.
func (s SampleSlice) Each(fn func(Sample) error) error {
	for _, x := range s {
		if err := fn(x); err != nil {
			return err
		}
	}
	return nil
}

// CollectSamples reads every sample of s into memory. A nil s is none.
func CollectSamples(s Samples) ([]Sample, error) {
	if s == nil {
		return nil, nil
	}
	if sl, ok := s.(SampleSlice); ok {
		return sl, nil
	}
	var out []Sample
	err := s.Each(func(x Sample) error { out = append(out, x); return nil })
	return out, err
}
