//go:build !cgo

package nvml

import (
	"errors"

	"github.com/aienergy/aienergy/gpuctl"
)

// Open cannot reach NVML without cgo, which go-nvml needs.
func Open(string, []string) (gpuctl.Controller, error) {
	return nil, errors.New("this aienergy was built without cgo, which NVML needs: use a build made with CGO_ENABLED=1 to set GPU power limits and clocks")
}
