package snmp

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/gosnmp/gosnmp"
)

// An agent reports most SNMPv3 credential mistakes with an unauthenticated
// Report PDU, which gosnmp discards as "not authentic" when it expected an
// authenticated answer; a wrong privacy key gets no answer at all. Either
// way the cause is lost. diagnoseV3 finds it with one or two probes at
// lower security levels, only after a request failed:
//
//   - at noAuthNoPriv, an unknown user gets the usmStatsUnknownUserNames
//     report, which gosnmp then reads; a known user gets an answer (the
//     agent's view refuses the level, but it answers);
//   - at authNoPriv with the configured auth settings, an answer proves
//     auth_password and auth_protocol right, so privacy is what failed.
//
// It returns nil when the probes cannot tell either.
func (m *pduMeter) diagnoseV3(ctx context.Context, failed error) error {
	v3 := m.conn.v3
	if v3 == nil || ctx.Err() != nil {
		return nil
	}
	notAuthentic := strings.Contains(failed.Error(), "not authentic") || strings.Contains(failed.Error(), "requires authentication")
	noAnswer := errors.Is(failed, ErrNoAnswer)
	if !notAuthentic && !(noAnswer && v3.level == gosnmp.AuthPriv) {
		return nil
	}
	addr := m.conn.address()
	if err := m.probe(ctx, gosnmp.NoAuthNoPriv); errors.Is(err, gosnmp.ErrUnknownUsername) {
		return fmt.Errorf("%s does not know the SNMPv3 user %q; check username (and that the user exists on the PDU)", addr, v3.user)
	} else if err != nil {
		return nil // the agent does not answer at all: the caller's message stands
	}
	if v3.level == gosnmp.AuthPriv && m.probe(ctx, gosnmp.AuthNoPriv) == nil {
		return fmt.Errorf("%s accepts SNMPv3 user %q's auth_password but not its privacy settings: "+
			"wrong priv_password or priv_protocol (%s), or the user has no privacy key on the agent (try security_level: authNoPriv)",
			addr, v3.user, v3.priv)
	}
	if v3.level == gosnmp.NoAuthNoPriv {
		return fmt.Errorf("%s refused SNMPv3 user %q at security_level %s; the user needs auth_password (and priv_password)", addr, v3.user, v3.levelName)
	}
	return fmt.Errorf("%s rejected the credentials of SNMPv3 user %q: wrong auth_password or auth_protocol (%s)", addr, v3.user, v3.auth)
}

// probe sends one Get at the given level with the configured user and
// auth settings, on a socket of its own; nil means the agent answered
// (even with an error status).
func (m *pduMeter) probe(ctx context.Context, level gosnmp.SnmpV3MsgFlags) error {
	c := *m.conn
	v3 := *c.v3
	v3.level = level
	c.v3, c.retries = &v3, 0
	s := session{c: &c}
	if err := s.open(ctx); err != nil {
		return err
	}
	defer s.close()
	_, _, err := s.get(ctx, m.oids[:1])
	return err
}
