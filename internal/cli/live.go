package cli

import (
	"fmt"
	"io"

	"github.com/aienergy/aienergy/live"
)

// serveLive starts the live Prometheus endpoint when addr is set and
// hands the exporter to the plan; the returned function stops it.
func serveLive(addr string, into **live.Exporter, w io.Writer) (func(), error) {
	if addr == "" {
		return func() {}, nil
	}
	exp := live.New()
	url, closeFn, err := exp.Serve(addr)
	if err != nil {
		return nil, usageError{fmt.Errorf("--metrics-addr: %w", err)}
	}
	*into = exp
	fmt.Fprintf(w, "live metrics at %s\n", url)
	return func() { closeFn() }, nil
}
