// Package httpx explains, in the same words everywhere, why an HTTP
// request got no answer, and quotes the error answers that did come
// without the secrets the request carried. Every HTTP client of aienergy
// (the backends, the meters, the sinks, the launcher's health check) uses
// it, so that "connection refused" or a self-signed certificate reads the
// same whichever part met it; each caller adds its own advice.
package httpx

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// A Reason classifies why a request got no answer.
type Reason int

// The reasons Explain tells apart; Other is everything else.
const (
	Other            Reason = iota
	Canceled                // the caller's context was canceled
	Timeout                 // a deadline passed while waiting for the answer
	HostNotFound            // the host name does not exist
	Resolve                 // the host name could not be resolved otherwise
	Refused                 // nothing listens on the port
	HostUnreachable         // no route to the host
	NetUnreachable          // no route to its network
	ConnectTimeout          // the connection was not made in time
	Dial                    // another failure to connect ("too many open files")
	UnknownAuthority        // TLS: the certificate's issuer is not trusted
	WrongHost               // TLS: the certificate names other hosts
	BadCertificate          // TLS: the certificate is expired or otherwise invalid
	NotTLS                  // TLS was expected; the server speaks plain HTTP
)

// A Failure is a transport error explained.
type Failure struct {
	Reason Reason
	// Cause is a short phrase for a message, such as "connection refused"
	// or `host "gpu-box" not found`.
	Cause string
	// Err is the error explained, without net/http's `Get "URL":`
	// prefix, which would repeat the address a message already names.
	Err error
	// Names lists what a WrongHost certificate is valid for.
	Names string
}

// Unreachable reports whether no connection to the server was made at
// all: the host is unknown, refuses, cannot be routed to or did not
// answer the connection attempt.
func (f Failure) Unreachable() bool { return f.Reason >= HostNotFound && f.Reason <= Dial }

// TLS reports whether the connection failed on the server's certificate
// or protocol.
func (f Failure) TLS() bool { return f.Reason >= UnknownAuthority && f.Reason <= NotTLS }

// Explain classifies err, an error from an HTTP client's Do or from
// reading a body. A nil err explains as Other with no cause.
func Explain(err error) Failure {
	if err == nil {
		return Failure{}
	}
	f := Failure{Reason: Other, Err: err}
	var ue *url.Error
	if errors.As(err, &ue) {
		f.Err = ue.Err
	}
	f.Cause = f.Err.Error()
	var (
		dnsErr      *net.DNSError
		unknownCA   x509.UnknownAuthorityError
		hostErr     x509.HostnameError
		invalidCert x509.CertificateInvalidError
		recordErr   tls.RecordHeaderError
		opErr       *net.OpError
		netErr      net.Error
	)
	switch {
	case errors.Is(err, context.Canceled):
		f.Reason, f.Cause = Canceled, "canceled"
	case errors.As(err, &opErr) && opErr.Op == "dial" && opErr.Timeout():
		// Before the deadline case, which the dialer's own timeout also
		// matches: the server was not reached, whatever the deadline.
		f.Reason, f.Cause = ConnectTimeout, "connection timed out"
	case errors.Is(err, context.DeadlineExceeded):
		f.Reason, f.Cause = Timeout, "no answer in time"
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		f.Reason, f.Cause = HostNotFound, fmt.Sprintf("host %q not found", dnsErr.Name)
	case errors.As(err, &dnsErr):
		f.Reason, f.Cause = Resolve, fmt.Sprintf("cannot resolve host %q: %s", dnsErr.Name, dnsErr.Err)
	case errors.Is(err, syscall.ECONNREFUSED):
		f.Reason, f.Cause = Refused, "connection refused"
	case errors.Is(err, syscall.EHOSTUNREACH):
		f.Reason, f.Cause = HostUnreachable, "host unreachable"
	case errors.Is(err, syscall.ENETUNREACH):
		f.Reason, f.Cause = NetUnreachable, "network unreachable"
	case errors.As(err, &unknownCA):
		f.Reason, f.Cause = UnknownAuthority, "the TLS certificate is not signed by an authority this machine trusts"
	case errors.As(err, &hostErr):
		f.Reason, f.Names = WrongHost, certNames(hostErr.Certificate)
		f.Cause = fmt.Sprintf("the TLS certificate is not valid for %q (it names %s)", hostErr.Host, f.Names)
	case errors.As(err, &invalidCert):
		f.Reason, f.Cause = BadCertificate, fmt.Sprintf("the TLS certificate is invalid (%v)", invalidCert)
	case errors.As(err, &recordErr) || strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		f.Reason, f.Cause = NotTLS, "the server does not speak TLS on this port"
	case errors.As(err, &opErr) && opErr.Op == "dial":
		f.Reason, f.Cause = Dial, opErr.Err.Error()
	case errors.As(err, &netErr) && netErr.Timeout():
		f.Reason, f.Cause = Timeout, "no answer in time"
	}
	return f
}

// certNames lists the names and addresses a certificate is valid for.
func certNames(cert *x509.Certificate) string {
	if cert == nil {
		return "no names"
	}
	var names []string
	names = append(names, cert.DNSNames...)
	for _, ip := range cert.IPAddresses {
		names = append(names, ip.String())
	}
	if len(names) == 0 && cert.Subject.CommonName != "" {
		names = append(names, cert.Subject.CommonName)
	}
	if len(names) == 0 {
		return "no names"
	}
	return strings.Join(names, ", ")
}

// Unreached is the message every client gives when a request to server
// (its kind, "Prometheus") at addr (as it may be shown: no password) got
// no answer: the same words for the same failure whoever met it, and
// fix, the caller's advice ("is influxd running and listening there?"),
// where the server could not be reached. limit is the time the request
// had, for a timeout; 0 when unknown. The result wraps
// context.DeadlineExceeded or context.Canceled when those ended it.
func Unreached(f Failure, server, addr string, limit time.Duration, fix string) error {
	switch f.Reason {
	case Timeout:
		within := ""
		if limit > 0 {
			within = " within " + limit.Round(time.Millisecond).String()
		}
		return fmt.Errorf("no complete answer from %s at %s%s; is it overloaded, or the address wrong? (%w)", server, addr, within, context.DeadlineExceeded)
	case Canceled:
		return fmt.Errorf("request to %s at %s: %w", server, addr, context.Canceled)
	case Refused, HostUnreachable, NetUnreachable, ConnectTimeout, Dial:
		return fmt.Errorf("cannot reach %s at %s: %s; %s", server, addr, f.Cause, fix)
	}
	return fmt.Errorf("cannot reach %s at %s: %s", server, addr, f.Cause)
}
