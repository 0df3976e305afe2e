//go:build !cgo

package nvml

import (
	"strings"
	"testing"
)

// Run with CGO_ENABLED=0 go test ./gpuctl/nvml/.
func TestWithoutCgo(t *testing.T) {
	if _, err := Open(DefaultLibrary, nil); err == nil || !strings.Contains(err.Error(), "built without cgo") {
		t.Fatalf("err = %v", err)
	}
}
