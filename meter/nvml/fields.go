//go:build cgo

package nvml

import (
	"encoding/binary"
	"fmt"
	"math"

	gonvml "github.com/NVIDIA/go-nvml/pkg/nvml"
)

// The field-value requests the meter makes. The field-values call is the
// only NVML entry point for instant power and for memory power: the
// dedicated nvmlDeviceGetPowerUsage returns the one-second average on
// Ampere and newer.
var (
	instantField = gonvml.FieldValue{FieldId: gonvml.FI_DEV_POWER_INSTANT, ScopeId: gonvml.POWER_SCOPE_GPU}
	// Memory power is the average-power field in the memory scope; NVML's
	// header does not spell this out, but nvidia-smi reads HBM power this
	// way and it answers on H100.
	memoryField = gonvml.FieldValue{FieldId: gonvml.FI_DEV_POWER_AVERAGE, ScopeId: gonvml.POWER_SCOPE_MEMORY}
)

const fieldValuesSymbol = "nvmlDeviceGetFieldValues"

// fieldNames names the fields in messages.
var fieldNames = map[uint32]string{
	gonvml.FI_DEV_POWER_INSTANT: "instant power (NVML_FI_DEV_POWER_INSTANT)",
	gonvml.FI_DEV_POWER_AVERAGE: "memory power (NVML_FI_DEV_POWER_AVERAGE, memory scope)",
}

// fieldFloat decodes a field value, whatever numeric type the driver chose.
// The value is a C union in the machine's byte order.
func fieldFloat(fv gonvml.FieldValue) (float64, error) {
	v := fv.Value[:]
	switch gonvml.ValueType(fv.ValueType) {
	case gonvml.VALUE_TYPE_DOUBLE:
		return math.Float64frombits(binary.NativeEndian.Uint64(v)), nil
	case gonvml.VALUE_TYPE_UNSIGNED_INT:
		return float64(binary.NativeEndian.Uint32(v)), nil
	case gonvml.VALUE_TYPE_UNSIGNED_LONG, gonvml.VALUE_TYPE_UNSIGNED_LONG_LONG:
		return float64(binary.NativeEndian.Uint64(v)), nil
	case gonvml.VALUE_TYPE_SIGNED_LONG_LONG:
		return float64(int64(binary.NativeEndian.Uint64(v))), nil
	case gonvml.VALUE_TYPE_SIGNED_INT:
		return float64(int32(binary.NativeEndian.Uint32(v))), nil
	case gonvml.VALUE_TYPE_UNSIGNED_SHORT:
		return float64(binary.NativeEndian.Uint16(v)), nil
	}
	return 0, fmt.Errorf("unknown value type %d", fv.ValueType)
}

// readFields asks for every field of req (FieldId and ScopeId set) in one
// call and stores the values, in the driver's unit, in vals. On failure it
// returns the code and the index of the field that failed, or -1 when the
// call itself failed: the call's return and each field's are both checked.
func readFields(dev gpu, req []gonvml.FieldValue, vals []float64) (int, gonvml.Return) {
	for i := range req {
		req[i] = gonvml.FieldValue{FieldId: req[i].FieldId, ScopeId: req[i].ScopeId}
	}
	if ret := dev.GetFieldValues(req); ret != gonvml.SUCCESS {
		return -1, ret
	}
	for i, fv := range req {
		if ret := gonvml.Return(fv.NvmlReturn); ret != gonvml.SUCCESS {
			return i, ret
		}
		v, err := fieldFloat(fv)
		if err != nil {
			return i, gonvml.ERROR_UNKNOWN
		}
		vals[i] = v
	}
	return 0, gonvml.SUCCESS
}
