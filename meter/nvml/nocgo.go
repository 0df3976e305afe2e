//go:build !cgo

package nvml

import (
	"context"

	"github.com/aienergy/aienergy/meter"
)

// Without cgo go-nvml does not compile, so this build knows the kind only
// to say why it cannot read it. The options are still checked, so that a
// configuration is judged the same on every build.
func init() {
	meter.Register("nvml", func(spec meter.Spec) (meter.Opener, error) {
		if _, err := parseOptions(spec); err != nil {
			return nil, err
		}
		return func(context.Context) (meter.Meter, error) {
			return nil, meter.Unavailable(spec, "this aienergy was built without cgo, which NVML needs",
				"use a build made with CGO_ENABLED=1, or measure through the nvidia-smi meter")
		}, nil
	})
}
