//go:build !linux

package cli

import "io"

// guardWorkload guards nothing here: telling whether aienergy's process
// group is its own needs Linux's /proc (see workload_linux.go).
func guardWorkload(io.Writer) (release func()) { return func() {} }
