package launch

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/aienergy/aienergy/internal/httpx"
)

// outcome of the wait for health.
type outcome int

const (
	healthy outcome = iota
	exitedEarly
	timedOut
	canceled
)

// waitHealthy polls the health URL until it answers 200, the server exits,
// StartTimeout passes or ctx ends. It returns the last health check's
// error, for the timeout message: "connection refused" (not listening yet)
// reads differently from "503 Service Unavailable" (loading).
func (s *Server) waitHealthy(ctx context.Context, p *prober) (outcome, error) {
	defer p.client.CloseIdleConnections()
	deadline := s.started.Add(s.o.StartTimeout)
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	var last error
	for interval := pollFirst; ; interval = min(interval*3/2, pollMax) {
		pctx, cancel := context.WithDeadline(ctx, minTime(time.Now().Add(probeTimeout), deadline))
		err := p.check(pctx)
		cancel()
		if err == nil {
			select {
			case <-s.exited: // the answer came from some other process
				return exitedEarly, nil
			default:
				s.ready = time.Now()
				return healthy, nil
			}
		}
		last = explainCheck(err)
		select {
		case <-ctx.Done():
			return canceled, last
		case <-s.exited:
			return exitedEarly, last
		case <-timer.C:
			return timedOut, last
		case <-time.After(interval):
		}
	}
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// explainCheck words a health check that got no answer the way every
// HTTP failure in aienergy reads ("GET URL: connection refused"), not as
// Go's chain of dial errors. A check that got an answer is already worded.
func explainCheck(err error) error {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return err
	}
	return fmt.Errorf("%s %s: %s", strings.ToUpper(ue.Op), ue.URL, httpx.Explain(err).Cause)
}
