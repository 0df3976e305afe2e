package redfish

import (
	"context"
	"fmt"
	"time"

	"github.com/aienergy/aienergy/internal/httpx"
)

// requestError turns a failure to get any answer into advice. limit is the
// time the request had; byCaller says the sampler's deadline set it.
func (c *client) requestError(method, path string, err error, limit time.Duration, byCaller bool) error {
	where := method + " " + c.show(path)
	f := httpx.Explain(err)
	switch f.Reason {
	case httpx.Timeout:
		if byCaller {
			return fmt.Errorf("%s: no answer within %s, all the time the sampler gives one read; BMCs are slow: sample this meter at an interval longer than the BMC takes to answer (%w)",
				where, limit.Round(time.Millisecond), context.DeadlineExceeded)
		}
		return fmt.Errorf("%s: no answer within %s; BMCs are slow: raise timeout:, or check the address (%w)",
			where, limit.Round(time.Millisecond), context.DeadlineExceeded)
	case httpx.Canceled:
		return fmt.Errorf("%s: %w", where, context.Canceled)
	case httpx.UnknownAuthority:
		return fmt.Errorf("%s: the BMC's TLS certificate is not signed by an authority this machine trusts (BMCs usually ship a self-signed one): "+
			"set ca_file: to the BMC's certificate or its CA (PEM) to trust it, or insecure_skip_verify: true to accept any certificate, which gives up protection against an impostor (%v)", where, f.Err)
	case httpx.WrongHost:
		return fmt.Errorf("%s: the BMC's TLS certificate is not valid for %q (it names %s): use an address the certificate names, or insecure_skip_verify: true (%v)",
			where, c.base.Hostname(), f.Names, f.Err)
	case httpx.BadCertificate:
		return fmt.Errorf("%s: the BMC's TLS certificate is invalid (%v): renew it on the BMC, or set insecure_skip_verify: true", where, f.Err)
	case httpx.NotTLS:
		return fmt.Errorf("%s: the BMC does not speak TLS on this port; use an http:// URL or the BMC's HTTPS port", where)
	case httpx.Refused:
		return fmt.Errorf("cannot reach the BMC at %s: connection refused; is its Redfish service enabled, and is this its address and port?", c.shown)
	case httpx.HostUnreachable, httpx.NetUnreachable:
		return fmt.Errorf("cannot reach the BMC at %s: %s; is the management network reachable from this machine?", c.shown, f.Cause)
	case httpx.HostNotFound, httpx.Resolve:
		return fmt.Errorf("cannot reach the BMC at %s: %s", c.shown, f.Cause)
	}
	return fmt.Errorf("%s: %s; is the BMC reachable?", where, f.Cause)
}
