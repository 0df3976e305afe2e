//go:build cgo

package nvml

import (
	"fmt"
	"strings"

	gonvml "github.com/NVIDIA/go-nvml/pkg/nvml"

	"github.com/aienergy/aienergy/meter"
)

// selectBoards lists the GPUs NVML sees and picks the configured ones, in
// the order configured (every GPU, by index, when none is).
func selectBoards(spec meter.Spec, o options, lib library) ([]*board, error) {
	n, ret := lib.DeviceGetCount()
	if ret != gonvml.SUCCESS {
		return nil, spec.Errorf("", "NVML cannot count the GPUs: %s", retString(ret))
	}
	if n == 0 {
		return nil, meter.Unavailable(spec, "the NVIDIA driver is loaded but sees no GPU",
			"check that the GPU is visible (nvidia-smi -L); in a container, start it with --gpus all")
	}
	all := make([]*board, n)
	for i := range all {
		dev, ret := lib.DeviceGetHandleByIndex(i)
		if ret != gonvml.SUCCESS {
			return nil, spec.Errorf("", "NVML cannot open GPU %d: %s", i, retString(ret))
		}
		b, err := describe(dev)
		if err != nil {
			return nil, spec.Errorf("", "GPU %d: %v", i, err)
		}
		all[i] = b
	}
	if o.devices == nil {
		return all, nil
	}
	picked := make([]*board, 0, len(o.devices))
	seen := map[string]deviceRef{}
	for i, ref := range o.devices {
		b := find(all, ref)
		if b == nil {
			return nil, spec.Errorf(fmt.Sprintf("devices[%d]", i), "no GPU %s here; NVML sees %s", ref, list(all))
		}
		if first, dup := seen[b.uuid]; dup {
			// The same board twice would count its energy twice.
			return nil, spec.Errorf(fmt.Sprintf("devices[%d]", i), "%s and %s are the same GPU (%s)", first, ref, b.channel)
		}
		seen[b.uuid] = ref
		picked = append(picked, b)
	}
	return picked, nil
}

// describe reads a GPU's identity.
func describe(dev gpu) (*board, error) {
	index, ret := dev.GetIndex()
	if ret != gonvml.SUCCESS {
		return nil, fmt.Errorf("index: %s", retString(ret))
	}
	uuid, ret := dev.GetUUID()
	if ret != gonvml.SUCCESS {
		return nil, fmt.Errorf("UUID: %s", retString(ret))
	}
	name, ret := dev.GetName()
	if ret != gonvml.SUCCESS {
		name = "unknown model" // only shown in messages
	}
	return &board{dev: dev, index: index, uuid: uuid, name: name, channel: fmt.Sprintf("gpu%d", index)}, nil
}

// find matches a configured device against the GPUs by index or UUID. The
// lookup is done here, not with nvmlDeviceGetHandleByUUID, so that both
// spellings of one GPU resolve to one board.
func find(all []*board, ref deviceRef) *board {
	for _, b := range all {
		if ref.Matches(b.index, b.uuid) {
			return b
		}
	}
	return nil
}

// list names the GPUs for messages: "0 GPU-… (NVIDIA H100 80GB HBM3), 1 …".
func list(all []*board) string {
	parts := make([]string, len(all))
	for i, b := range all {
		parts[i] = fmt.Sprintf("%d %s (%s)", b.index, b.uuid, b.name)
	}
	return strings.Join(parts, ", ")
}
