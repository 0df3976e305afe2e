package redfish

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"
	"time"
)

// requestError turns a failure to get any answer into advice. limit is the
// time the request had; byCaller says the sampler's deadline set it.
func (c *client) requestError(method, path string, err error, limit time.Duration, byCaller bool) error {
	where := method + " " + c.show(path)
	var (
		dnsErr      *net.DNSError
		unknownCA   x509.UnknownAuthorityError
		hostErr     x509.HostnameError
		invalidCert x509.CertificateInvalidError
		recordErr   tls.RecordHeaderError
	)
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		if byCaller {
			return fmt.Errorf("%s: no answer within %s, all the time the sampler gives one read; BMCs are slow: sample this meter at an interval longer than the BMC takes to answer (%w)",
				where, limit.Round(time.Millisecond), context.DeadlineExceeded)
		}
		return fmt.Errorf("%s: no answer within %s; BMCs are slow: raise timeout:, or check the address (%w)",
			where, limit.Round(time.Millisecond), context.DeadlineExceeded)
	case errors.Is(err, context.Canceled):
		return fmt.Errorf("%s: %w", where, context.Canceled)
	case errors.As(err, &unknownCA):
		return fmt.Errorf("%s: the BMC's TLS certificate is not signed by an authority this machine trusts (BMCs usually ship a self-signed one): "+
			"set ca_file: to the BMC's certificate or its CA (PEM) to trust it, or insecure_skip_verify: true to accept any certificate, which gives up protection against an impostor (%v)", where, err)
	case errors.As(err, &hostErr):
		return fmt.Errorf("%s: the BMC's TLS certificate is not valid for %q (it names %s): use an address the certificate names, or insecure_skip_verify: true (%v)",
			where, c.base.Hostname(), certNames(hostErr.Certificate), err)
	case errors.As(err, &invalidCert):
		return fmt.Errorf("%s: the BMC's TLS certificate is invalid (%v): renew it on the BMC, or set insecure_skip_verify: true", where, err)
	case errors.As(err, &recordErr) || strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		return fmt.Errorf("%s: the BMC does not speak TLS on this port; use an http:// URL or the BMC's HTTPS port", where)
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Errorf("cannot reach the BMC at %s: connection refused; is its Redfish service enabled, and is this its address and port?", c.shown)
	case errors.Is(err, syscall.EHOSTUNREACH) || errors.Is(err, syscall.ENETUNREACH):
		return fmt.Errorf("cannot reach the BMC at %s: no route to host; is the management network reachable from this machine?", c.shown)
	case errors.As(err, &dnsErr):
		return fmt.Errorf("cannot reach the BMC at %s: no such host %q", c.shown, dnsErr.Name)
	}
	return fmt.Errorf("%s: %v; is the BMC reachable?", where, err)
}

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
