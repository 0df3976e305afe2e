// Package snmp is the "snmp" meter: wall power (and energy, where the PDU
// counts it) read from a rack PDU over SNMP v1, v2c or v3, through one
// persistent UDP session that every sample reuses — not one snmpget
// process per sample, as the seed scripts did.
//
//	meters:
//	  pdu:
//	    type: snmp
//	    host: 192.0.2.10            # required
//	    port: 161
//	    version: 2c                 # 1 | 2c (default) | 3
//	    community: public           # v1/v2c; a secret: never printed
//	    username: aienergy          # v3: the USM user
//	    security_level: authPriv    # v3: noAuthNoPriv | authNoPriv | authPriv
//	                                #     (default: what the passwords allow)
//	    auth_protocol: SHA          # v3: MD5 | SHA (default) | SHA224 | SHA256 | SHA384 | SHA512
//	    auth_password: "…"          # v3: at least 8 characters; never printed
//	    priv_protocol: AES          # v3: DES | AES (default) | AES192 | AES256 | AES192C | AES256C
//	    priv_password: "…"          # v3: at least 8 characters; never printed
//	    timeout: 500ms              # per try
//	    retries: 1                  # tries after the first
//	    preset: apc_phase           # apc_phase (default) | apc_rpdu2 | raritan | servertech | eaton | custom
//	    unit: 1                     # which PDU behind the agent (see below)
//	    inputs: [1]                 # phases / inlets / cords / inputs (see below)
//	    outlets: [3, 4]             # per-outlet channels instead of the PDU's input
//	    oids:                       # extra objects (all of them with preset: custom)
//	      - oid: .1.3.6.1.4.1.318.1.1.26.4.3.1.5.1
//	        name: rPDU2DeviceStatusPower.1  # for messages; default: the OID
//	        channel: pdu1           # default: name
//	        kind: power             # power | energy
//	        scale: 10               # multiplies the raw value into W (power) or J (energy)
//	        component: wall         # wall (default) | gpu | cpu | dram | other
//
// What a preset reads (OIDs, units and sources are in presets.go):
//
//   - apc_phase: APC Easy PDU (PowerNet-MIB ePDU), ePDUPhaseStatusActivePower
//     per phase in W — what the first seed polled. inputs are phase numbers
//     (default [1]); channels "phase1", … No energy counter, no outlets.
//   - apc_rpdu2: APC rack PDUs AP8xxx/AP7xxx(B) (PowerNet-MIB rPDU2). By
//     default the whole PDU: rPDU2DeviceStatusPower (hundredths of kW) and
//     rPDU2DeviceStatusEnergy (tenths of kWh), channel "pdu<unit>". inputs
//     reads rPDU2PhaseStatusPower per phase index instead ("phase<N>");
//     outlets reads rPDU2OutletMeteredStatusPower/Energy ("outlet<N>"),
//     numbered by rPDU2OutletMeteredStatusIndex (a daisy-chained guest's
//     outlets continue the numbering). unit is rPDU2DeviceStatusIndex.
//   - raritan: Raritan PX2/PX3 (PDU2-MIB) inlet activePower and activeEnergy
//     scaled by the PDU's own decimal-digit objects, read once per session.
//     unit is pduId (default 1), inputs are inlets (default [1]).
//   - servertech: Server Technology Sentry4 (Sentry4-MIB) input cord active
//     power and energy; unit is st4UnitIndex (default 1), inputs are cords
//     (default [1]); outlets are outlets of the first cord.
//   - eaton: Eaton ePDU (EATON-EPDU-MIB) inputTotalWatts and inputTotalWh;
//     unit is the strapping index (default 0), inputs are inputs (default [1]).
//   - custom: nothing; oids says what to read.
//
// Every channel is a wall channel unless an oids item says otherwise: a PDU
// measures what its outlets deliver, a total like the wall socket. The
// channels of one meter never overlap — inputs and outlets replace the
// PDU total rather than adding to it — so adding them up counts nothing
// twice. To compare an outlet with the whole PDU, configure two meters.
//
// The meter loads no MIB: the type each object is first answered with
// tells where an energy counter wraps (Counter32 at 2^32 raw units, …) and
// whether a raw unit is the channel's step; it declares both to the
// runner (meter.CounterRanger, meter.Resolver; see ranges.go).
//
// SNMPv1 cannot carry Counter64 values: an agent answers noSuchName for
// them. Energy counters are often Counter64, so the meter says so when a
// v1 read of an energy object fails. A wrong community and an unknown host
// look the same in SNMP — no answer — and the error says both.
package snmp
