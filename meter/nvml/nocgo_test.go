//go:build !cgo

package nvml

import (
	"errors"
	"strings"
	"testing"

	"github.com/aienergy/aienergy/meter"
)

// Run with CGO_ENABLED=0 go test ./meter/nvml/.
func TestWithoutCgo(t *testing.T) {
	_, err := meter.New(t.Context(), meter.Spec{Name: "gpu", Type: "nvml"})
	if !errors.Is(err, meter.ErrUnavailable) || !strings.Contains(err.Error(), "built without cgo") {
		t.Fatalf("err = %v", err)
	}
	if err := meter.Check(meter.Spec{Name: "gpu", Type: "nvml"}); err != nil {
		t.Errorf("Check = %v: a build without cgo is no mistake in the configuration", err)
	}
	_, err = meter.New(t.Context(), meter.Spec{Name: "gpu", Type: "nvml", Options: map[string]any{"power": "peak"}})
	if err == nil || errors.Is(err, meter.ErrUnavailable) {
		t.Fatalf("a bad option must be a configuration error even without cgo: %v", err)
	}
}
