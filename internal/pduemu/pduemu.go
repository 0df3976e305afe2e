// Package pduemu emulates, for tests, a rack PDU whose power follows a
// known profile over wall-clock time: a real snmpd (net-snmp) on a
// loopback port answers APC rPDU2 and Raritan PDU2-MIB objects that a
// pass_persist script (pdu.sh) computes from the clock, with the coarse
// units and slow refresh of real PDUs. Go computes the truth separately,
// from the profile itself, so that a test can hold the figures a run
// makes from those objects against it.
//
// Served objects (the apc_rpdu2 and raritan presets of the snmp meter):
//
//   - rPDU2DeviceStatusPower.1 (.1.3.6.1.4.1.318.1.1.26.4.3.1.5.1): INTEGER,
//     hundredths of kW, rounded (10 W steps);
//   - rPDU2DeviceStatusEnergy.1 (….26.4.3.1.9.1): INTEGER, tenths of kWh,
//     the floor of the energy counted (360 000 J steps);
//   - Raritan inlet 1 of pdu 1, activePower (.1.3.6.1.4.1.13742.6.5.2.3.1.4.1.1.5,
//     W, rounded) and activeEnergy (….1.1.8, Wh, floor), both Unsigned32
//     with decimal digits 0.
//
// The script works in whole µs and mW: a profile's durations must be whole
// µs, and watts differ from the script's by at most 0.5 mW.
//
// The script is POSIX sh with GNU date (both essential on Debian), not
// Python, which a fresh Debian 12 does not have, nor a Go program, which
// each test would have to build.
package pduemu

import (
	_ "embed"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gosnmp/gosnmp"

	"github.com/aienergy/aienergy/internal/testenv"
	"github.com/aienergy/aienergy/meter"
)

//go:embed pdu.sh
var script string

// Counter32WhOID is an extra energy object, not of any vendor's MIB: a
// Counter32 in Wh that wraps at 2³², as counters of that type do.
const Counter32WhOID = ".1.3.6.1.4.1.318.99.1.0"

// The counters' units in J.
const (
	TenthKWh = 360000.0 // rPDU2DeviceStatusEnergy
	WattHour = 3600.0   // Raritan activeEnergy
)

// A Step is a stretch of constant power.
type Step struct {
	D time.Duration // a whole number of µs
	W float64       // ≥ 0
}

// A Profile is the PDU's power from its start: the steps one after
// another, then the last step's power for ever. Before the start the PDU
// draws nothing and its counters hold.
type Profile []Step

// Options shape the emulated PDU.
type Options struct {
	// Start is when the profile begins; zero: when Start is called, some
	// tens of ms before the agent first answers.
	Start time.Time
	// Offset is the energy counted before the start, in J, where both
	// counters begin: 100*TenthKWh - 500 puts the APC counter 500 J below
	// a step (and the Raritan one too, a Wh dividing 0.1 kWh).
	Offset float64
	// Counter32Offset is where the extra Counter32 Wh object (Counter32WhOID)
	// starts, in J: put it a few Wh below 2³² Wh to see it wrap.
	Counter32Offset float64
	// Refresh makes the PDU recompute its values only every Refresh from
	// the start and hold them in between, as real PDUs do every 1–3 s;
	// 0: every request sees the moment it is answered. Whole µs.
	Refresh time.Duration
}

// A PDU is an emulated PDU being served by snmpd until the test ends.
type PDU struct {
	Host      string    // "127.0.0.1"
	Port      int       // UDP port of the agent
	Community string    // SNMP v2c community
	Start     time.Time // the profile's start, to the µs, wall clock only

	profile Profile
	opts    Options
}

// Start runs snmpd serving the profile, and stops it when the test ends.
// It skips (or fails, under AIENERGY_REQUIRE_SERVICES=1) where snmpd is
// not installed.
func Start(t testing.TB, profile Profile, opts Options) *PDU {
	t.Helper()
	if err := check(profile, opts); err != nil {
		t.Fatalf("pduemu: %v", err)
	}
	start := opts.Start
	if start.IsZero() {
		start = time.Now()
	}
	// The script counts µs since the epoch on the wall clock; so does Go
	// once the monotonic reading is stripped (Truncate strips it).
	p := &PDU{Host: "127.0.0.1", Community: "pduemu", Start: start.Truncate(time.Microsecond), profile: profile, opts: opts}

	bin := testenv.Binary(t, "snmpd", "snmpd")
	dir := t.TempDir()
	write := func(name, content string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	scriptPath := write("pdu.sh", script)
	configPath := write("pdu.conf", p.config())
	// snmp.conf: no MIB loading (snmpd floods its log without the
	// standard MIBs) and snmpd's state in the temp dir. SNMPCONFPATH makes
	// snmpd read only this directory.
	write("snmp.conf", "mibs :\npersistentDir "+filepath.Join(dir, "persist")+"\n")
	var conf strings.Builder
	fmt.Fprintf(&conf, "rocommunity %s 127.0.0.1\ndontLogTCPWrappersConnects yes\n", p.Community)
	for _, subtree := range []string{".1.3.6.1.4.1.318", ".1.3.6.1.4.1.13742"} {
		fmt.Fprintf(&conf, "pass_persist %s /bin/sh %s %s\n", subtree, scriptPath, configPath)
	}
	write("snmpd.conf", conf.String())

	p.Port = testenv.FreeUDPPort(t)
	// The address once, on the command line; -I -smux: no SMUX listener
	// (as root it would take TCP port 199, which a second snmpd wants).
	// env passes SNMPCONFPATH, which StartProcess has no way to set.
	log := testenv.StartProcess(t, dir, "snmpd", "env", "SNMPCONFPATH="+dir,
		bin, "-f", "-Le", "-I", "-smux", fmt.Sprintf("udp:%s:%d", p.Host, p.Port))
	if err := p.waitReady(15 * time.Second); err != nil {
		t.Fatalf("pduemu: %v (log: %s)", err, log)
	}
	return p
}

func check(profile Profile, opts Options) error {
	if len(profile) == 0 {
		return fmt.Errorf("empty profile")
	}
	for i, s := range profile {
		if s.D < 0 || s.D%time.Microsecond != 0 {
			return fmt.Errorf("step %d: duration %v is not a whole, non-negative number of µs", i, s.D)
		}
		if !(s.W >= 0) || math.IsInf(s.W, 0) {
			return fmt.Errorf("step %d: power %v W is not a finite, non-negative number", i, s.W)
		}
	}
	if !(opts.Offset >= 0) || math.IsInf(opts.Offset, 0) {
		return fmt.Errorf("offset %v J is not a finite, non-negative number", opts.Offset)
	}
	if !(opts.Counter32Offset >= 0) || opts.Counter32Offset >= (1<<32)*WattHour {
		return fmt.Errorf("counter32 offset %v J is not within [0, 2³² Wh)", opts.Counter32Offset)
	}
	if opts.Refresh < 0 || opts.Refresh%time.Microsecond != 0 {
		return fmt.Errorf("refresh %v is not a whole, non-negative number of µs", opts.Refresh)
	}
	return nil
}

// config is pdu.sh's configuration, in shell syntax (see the script).
func (p *PDU) config() string {
	var steps []string
	for _, s := range p.profile {
		steps = append(steps, fmt.Sprint(s.D.Microseconds(), " ", int64(math.Round(s.W*1000))))
	}
	apcBase, apcRem := counterStart(p.opts.Offset, TenthKWh)
	rarBase, rarRem := counterStart(p.opts.Offset, WattHour)
	c32Base, c32Rem := counterStart(p.opts.Counter32Offset, WattHour)
	return fmt.Sprintf("START_US=%d\nREFRESH_US=%d\nSTEPS='%s'\nAPC_BASE=%d APC_REM=%d\nRAR_BASE=%d RAR_REM=%d\nC32_BASE=%d C32_REM=%d\n",
		p.Start.UnixMicro(), p.opts.Refresh.Microseconds(), strings.Join(steps, " "), apcBase, apcRem, rarBase, rarRem, c32Base, c32Rem)
}

// counterStart splits offset J into whole units of unit J and a remainder
// in nJ, so that the script's 64-bit arithmetic never holds the offset
// itself (a PDU's counter may be at 10 000 kWh, 3.6e19 nJ).
func counterStart(offset, unit float64) (base, remNJ int64) {
	base = int64(math.Floor(offset / unit))
	remNJ = int64(math.Round((offset - float64(base)*unit) * 1e9))
	unitNJ := int64(unit * 1e9)
	switch {
	case remNJ >= unitNJ:
		base, remNJ = base+1, remNJ-unitNJ
	case remNJ < 0:
		base, remNJ = base-1, remNJ+unitNJ
	}
	return base, remNJ
}

// waitReady asks for an emulated object until snmpd and the script answer.
func (p *PDU) waitReady(limit time.Duration) error {
	g := &gosnmp.GoSNMP{Target: p.Host, Port: uint16(p.Port), Community: p.Community,
		Version: gosnmp.Version2c, Timeout: 100 * time.Millisecond}
	if err := g.Connect(); err != nil {
		return err
	}
	defer g.Conn.Close()
	deadline := time.Now().Add(limit)
	for {
		pkt, err := g.Get([]string{".1.3.6.1.4.1.318.1.1.26.4.3.1.5.1"})
		if err == nil && len(pkt.Variables) == 1 && pkt.Variables[0].Type == gosnmp.Integer {
			return nil
		}
		if time.Now().After(deadline) {
			if err == nil {
				err = fmt.Errorf("answered %+v", pkt.Variables)
			}
			return fmt.Errorf("snmpd on udp %s:%d did not serve the PDU within %v: %v", p.Host, p.Port, limit, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Spec is an snmp meter named name reading the PDU with preset
// ("apc_rpdu2" or "raritan"). The caller imports meter/snmp, which
// registers the kind (this package cannot: the snmp meter's tests use it).
func (p *PDU) Spec(name, preset string) meter.Spec {
	return meter.Spec{Name: name, Type: "snmp", Options: map[string]any{
		"host": p.Host, "port": p.Port, "community": p.Community, "preset": preset,
		"timeout": "500ms", "retries": 1,
	}}
}

// TruePower is the profile's power at a moment, W.
func (p *PDU) TruePower(at time.Time) float64 {
	d := at.Sub(p.Start)
	if d < 0 {
		return 0
	}
	for _, s := range p.profile {
		if d < s.D {
			return s.W
		}
		d -= s.D
	}
	return p.profile[len(p.profile)-1].W
}

// TrueEnergy is the energy drawn from one moment to another, J: the
// integral of the profile's power.
func (p *PDU) TrueEnergy(from, to time.Time) float64 {
	return p.sinceStart(to) - p.sinceStart(from)
}

// TrueCounter is the true value of the PDU's energy counter at a moment,
// J, before the PDU floors it to its unit: Offset + TrueEnergy(Start, at).
func (p *PDU) TrueCounter(at time.Time) float64 {
	return p.opts.Offset + p.sinceStart(at)
}

// sinceStart is the energy from the start to at, J; 0 before the start.
func (p *PDU) sinceStart(at time.Time) float64 {
	d := at.Sub(p.Start)
	var e float64
	for _, s := range p.profile {
		if d <= s.D {
			return e + s.W*max(d, 0).Seconds()
		}
		e += s.W * s.D.Seconds()
		d -= s.D
	}
	return e + p.profile[len(p.profile)-1].W*d.Seconds()
}

// LastRefresh is the moment whose values the PDU shows at at: at itself
// without Options.Refresh, else the latest refresh (Start + k × Refresh)
// at or before it.
func (p *PDU) LastRefresh(at time.Time) time.Time {
	d := at.Sub(p.Start)
	if p.opts.Refresh <= 0 || d <= 0 {
		return at
	}
	return p.Start.Add(d - d%p.opts.Refresh)
}
