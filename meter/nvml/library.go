//go:build cgo

package nvml

import (
	"fmt"

	gonvml "github.com/NVIDIA/go-nvml/pkg/nvml"
)

// library is the part of NVML the meter calls. gonvml.Interface satisfies
// it, and so does go-nvml's own mock (mock.Interface), which is how the
// tests drive the real code path without a GPU.
type library interface {
	Init() gonvml.Return
	Shutdown() gonvml.Return
	DeviceGetCount() (int, gonvml.Return)
	DeviceGetHandleByIndex(int) (gonvml.Device, gonvml.Return)
	Extensions() gonvml.ExtendedInterface
}

// gpu is the part of an NVML device handle the meter calls.
type gpu interface {
	GetIndex() (int, gonvml.Return)
	GetUUID() (string, gonvml.Return)
	GetName() (string, gonvml.Return)
	GetTotalEnergyConsumption() (uint64, gonvml.Return)
	GetPowerUsage() (uint32, gonvml.Return)
	GetFieldValues([]gonvml.FieldValue) gonvml.Return
}

// openLibrary returns NVML as loaded from path by dlopen at Init.
func openLibrary(path string) library {
	return gonvml.New(gonvml.WithLibraryPath(path))
}

// retString names a return code. go-nvml's Error() asks the loaded
// library, and falls back to the bare constant name when none is loaded.
func retString(r gonvml.Return) string {
	s := r.Error()
	if s == "" {
		return fmt.Sprintf("NVML return code %d", int32(r))
	}
	return s
}
