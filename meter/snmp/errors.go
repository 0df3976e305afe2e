package snmp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/gosnmp/gosnmp"
)

// ErrNoAnswer marks a request the agent never answered. SNMP cannot tell
// a wrong community, an unknown v3 user at some agents, a firewall and a
// host that is down apart: the agent just stays silent.
var ErrNoAnswer = errors.New("no answer")

// requestError turns a gosnmp failure into advice. Nothing it returns
// contains the community or a password: gosnmp's errors carry neither and
// this function adds only the address and the user name.
func (m *pduMeter) requestError(err error, limit time.Duration) error {
	addr := m.conn.address()
	var dnsErr *net.DNSError
	switch {
	case errors.Is(err, context.Canceled):
		return fmt.Errorf("SNMP request to %s: %w", addr, context.Canceled)
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, gosnmp.ErrMaxRetriesExceeded), isTimeout(err):
		return fmt.Errorf("%w from %s within %s — check host, port, community/credentials, and that the agent allows this OID (%s)",
			ErrNoAnswer, addr, limit.Round(time.Millisecond), m.objectList())
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Errorf("cannot reach %s: connection refused — nothing listens on that UDP port; is the SNMP agent enabled and the port right?", addr)
	case errors.As(err, &dnsErr):
		return fmt.Errorf("cannot reach %s: no such host %q", addr, dnsErr.Name)
	}
	if v3 := m.conn.v3; v3 != nil {
		switch {
		case errors.Is(err, gosnmp.ErrUnknownUsername):
			return fmt.Errorf("%s does not know the SNMPv3 user %q; check username (and that the user exists on the PDU)", addr, v3.user)
		case errors.Is(err, gosnmp.ErrWrongDigest):
			return fmt.Errorf("%s rejected the credentials of SNMPv3 user %q: wrong auth_password or auth_protocol (%s)", addr, v3.user, v3.auth)
		case errors.Is(err, gosnmp.ErrDecryption):
			return fmt.Errorf("%s could not decrypt the request of SNMPv3 user %q: wrong priv_password or priv_protocol (%s)", addr, v3.user, v3.priv)
		case errors.Is(err, gosnmp.ErrUnknownSecurityLevel):
			return fmt.Errorf("%s does not allow SNMPv3 user %q at security_level %s; the agent wants a different level", addr, v3.user, v3.levelName)
		case errors.Is(err, gosnmp.ErrNotInTimeWindow), errors.Is(err, gosnmp.ErrUnknownEngineID):
			return fmt.Errorf("SNMPv3 with %s: %v (the agent may have restarted; the next read retries)", addr, err)
		}
	}
	return fmt.Errorf("SNMP request to %s failed: %s", addr, firstLine(err.Error(), 300))
}

// firstLine keeps the first line of a message, at most n bytes: gosnmp
// turns a panic while decoding a malformed answer into an error that
// carries the whole stack trace.
func firstLine(s string, n int) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i] + " …"
	}
	if len(s) > n {
		s = s[:n] + "…"
	}
	return s
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout() || strings.Contains(err.Error(), "timeout")
}

// objectList names the first objects asked for, for the no-answer message.
func (m *pduMeter) objectList() string {
	const show = 2
	var names []string
	for i := range m.objects {
		if i == show {
			names = append(names, fmt.Sprintf("and %d more", len(m.objects)-show))
			break
		}
		names = append(names, m.objects[i].describe())
	}
	return "asked for " + strings.Join(names, ", ")
}

// missingError explains an object the agent does not have.
func (m *pduMeter) missingError(o *object) error {
	msg := fmt.Sprintf("the PDU at %s does not have %s: wrong preset or outlet?", m.conn.address(), o.describe())
	if m.preset != customPresetID {
		msg += fmt.Sprintf(" (preset %s expects %s)", m.preset, presets[m.preset].describe)
	}
	if m.conn.version == gosnmp.Version1 && o.quantity == energy {
		msg += "; also, SNMPv1 cannot read Counter64 values and energy counters often are one: try version: 2c"
	}
	return errors.New(msg)
}

// statusError explains an error status the agent answered for a request.
func (m *pduMeter) statusError(ae *agentError, asked []*object) error {
	if ae.status == gosnmp.NoSuchName && ae.index >= 0 {
		return m.missingError(asked[ae.index])
	}
	what := "the request"
	if ae.index >= 0 {
		what = asked[ae.index].describe()
	}
	hint := ""
	switch ae.status {
	case gosnmp.TooBig:
		hint = "; read fewer outlets per meter"
	case gosnmp.AuthorizationError, gosnmp.NoAccess:
		hint = "; the agent's view does not include this object for these credentials"
	}
	return fmt.Errorf("the agent at %s answered %s for %s%s", m.conn.address(), ae.status, what, hint)
}
