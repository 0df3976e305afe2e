package snmp

import (
	"context"
	"strconv"
	"time"

	"github.com/gosnmp/gosnmp"
)

// A session is one gosnmp client on one UDP socket, opened at the first
// read and reused by every read after it: the SNMPv3 engine discovery and
// key localisation happen once, not per sample. It is not safe for
// concurrent use; the meter serialises reads.
type session struct {
	c *conn
	g *gosnmp.GoSNMP // nil until opened
}

// params builds the gosnmp client. Its Logger stays the zero value, which
// discards everything: gosnmp's debug output includes whole packets, and
// with them the community.
func (s *session) params() *gosnmp.GoSNMP {
	c := s.c
	g := &gosnmp.GoSNMP{
		Target:    c.host,
		Port:      c.port,
		Transport: "udp",
		Version:   c.version,
		Community: c.community,
		Timeout:   c.timeout,
		Retries:   c.retries,
		MaxOids:   gosnmp.MaxOids,
	}
	if v3 := c.v3; v3 != nil {
		g.SecurityModel = gosnmp.UserSecurityModel
		g.MsgFlags = v3.level
		usm := &gosnmp.UsmSecurityParameters{UserName: v3.user}
		if v3.level != gosnmp.NoAuthNoPriv {
			usm.AuthenticationProtocol = v3.auth
			usm.AuthenticationPassphrase = v3.authPass
		}
		if v3.level == gosnmp.AuthPriv {
			usm.PrivacyProtocol = v3.priv
			usm.PrivacyPassphrase = v3.privPass
		}
		g.SecurityParameters = usm
	}
	return g
}

// open connects the socket once. For UDP this resolves the host and
// binds a local port; nothing is sent yet.
func (s *session) open(ctx context.Context) error {
	if s.g != nil {
		return nil
	}
	g := s.params()
	g.Context = ctx
	if err := g.Connect(); err != nil {
		return err
	}
	s.g = g
	return nil
}

// An agentError is an error status the agent answered for a whole request,
// as SNMPv1 does for a missing object.
type agentError struct {
	status gosnmp.SNMPError
	index  int // 0-based position of the object it blames in the oids asked for; -1 if none
}

// get asks for oids in as few requests as the agent allows (gosnmp's
// MaxOids per request) and returns the variables in order.
func (s *session) get(ctx context.Context, oids []string) ([]gosnmp.SnmpPDU, *agentError, error) {
	s.g.Context = ctx
	out := make([]gosnmp.SnmpPDU, 0, len(oids))
	for start := 0; start < len(oids); start += s.g.MaxOids {
		chunk := oids[start:min(start+s.g.MaxOids, len(oids))]
		pkt, err := s.g.Get(chunk)
		if err != nil {
			return nil, nil, err
		}
		if pkt.Error != gosnmp.NoError {
			ae := &agentError{status: pkt.Error, index: -1}
			if i := int(pkt.ErrorIndex); i >= 1 && i <= len(chunk) {
				ae.index = start + i - 1 // the agent counts from 1
			}
			return nil, ae, nil
		}
		if len(pkt.Variables) != len(chunk) {
			return nil, nil, errVariableCount{asked: len(chunk), got: len(pkt.Variables)}
		}
		out = append(out, pkt.Variables...)
	}
	return out, nil, nil
}

type errVariableCount struct{ asked, got int }

func (e errVariableCount) Error() string {
	return "asked for " + strconv.Itoa(e.asked) + " objects and the agent answered " + strconv.Itoa(e.got)
}

// limit is the longest a request may wait for an answer: every try's
// timeout, or less when ctx ends sooner.
func (s *session) limit(ctx context.Context) time.Duration {
	l := s.c.timeout * time.Duration(s.c.retries+1)
	if dl, ok := ctx.Deadline(); ok {
		l = min(l, time.Until(dl))
	}
	return l
}

func (s *session) close() error {
	if s.g == nil || s.g.Conn == nil {
		return nil
	}
	err := s.g.Conn.Close()
	s.g = nil
	return err
}
