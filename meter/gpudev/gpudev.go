// Package gpudev reads the GPUs a meter is told to read (the devices
// option of the nvml and nvidia-smi meters): NVML indices or GPU UUIDs.
package gpudev

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/aienergy/aienergy/meter"
)

// A Ref is one entry of devices: an NVML index or a GPU UUID.
type Ref struct {
	Index int    // valid when UUID == ""
	UUID  string // "GPU-…"
}

func (r Ref) String() string {
	if r.UUID != "" {
		return r.UUID
	}
	return strconv.Itoa(r.Index)
}

// Matches reports whether the GPU with this index and UUID is the one
// referred to; UUIDs compare without regard to case, as people retype
// them.
func (r Ref) Matches(index int, uuid string) bool {
	if r.UUID != "" {
		return strings.EqualFold(uuid, r.UUID)
	}
	return index == r.Index
}

// Parse reads the devices option: a list whose items are indices (YAML
// numbers or digit strings) or GPU UUIDs; absent means every GPU.
func Parse(spec meter.Spec) ([]Ref, error) {
	raw, ok := spec.Options["devices"]
	if !ok || raw == nil {
		return nil, nil
	}
	items, ok := raw.([]any)
	if !ok {
		// One device written without brackets is a common slip.
		items = []any{raw}
	}
	if len(items) == 0 {
		return nil, spec.Errorf("devices", "empty list: leave devices out to read every GPU")
	}
	refs := make([]Ref, 0, len(items))
	for i, item := range items {
		ref, err := parseOne(item)
		if err != nil {
			return nil, spec.Errorf("devices["+strconv.Itoa(i)+"]", "%v", err)
		}
		refs = append(refs, ref)
	}
	return refs, nil
}

func parseOne(v any) (Ref, error) {
	switch x := v.(type) {
	case int:
		return indexRef(int64(x))
	case int64:
		return indexRef(x)
	case uint64:
		if x > math.MaxInt32 {
			return Ref{}, fmt.Errorf("GPU index %d is out of range", x)
		}
		return Ref{Index: int(x)}, nil
	case float64:
		if x != math.Trunc(x) {
			return Ref{}, fmt.Errorf("want a GPU index or UUID, got the number %v", x)
		}
		return indexRef(int64(x))
	case string:
		s := strings.TrimSpace(x)
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return indexRef(n)
		}
		prefix := strings.ToUpper(s[:min(len(s), 4)])
		switch {
		case prefix == "GPU-" && len(s) > 4:
			return Ref{UUID: s}, nil
		case prefix == "MIG-":
			return Ref{}, fmt.Errorf("%q is a MIG instance; NVML reports power and energy for whole GPUs only: name its GPU-… UUID or its index", s)
		}
		return Ref{}, fmt.Errorf("want a GPU index such as 0 or a UUID such as \"GPU-5a3c…\" (nvidia-smi -L lists them), got %q", s)
	}
	return Ref{}, errors.New("want a GPU index or UUID, got a list or mapping")
}

func indexRef(n int64) (Ref, error) {
	if n < 0 || n > math.MaxInt32 {
		return Ref{}, fmt.Errorf("GPU index %d is out of range", n)
	}
	return Ref{Index: int(n)}, nil
}
