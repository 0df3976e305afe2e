//go:build !unix

package launch

import "time"

// Without Unix process groups there is no group to guard.
type guard struct{}

func startGuard(int, time.Duration) (*guard, error) { return nil, nil }
func (*guard) release()                             {}
