#!/bin/sh
# A net-snmp pass_persist helper that emulates a PDU drawing a known power
# profile over wall-clock time (see pduemu.go, which writes CONFIG):
#
#   pass_persist .1.3.6.1.4.1.318 /bin/sh pdu.sh CONFIG
#
# CONFIG sets, in shell syntax:
#   START_US    the profile's start, µs since the Unix epoch
#   REFRESH_US  the PDU recomputes its values every REFRESH_US µs from
#               START_US and holds them in between; 0: at every request
#   STEPS       "duration_µs power_mW …": constant power for each duration;
#               0 W before START_US, the last step's power after the end
#   APC_BASE APC_REM  the energy counted before the start, as whole tenths
#   RAR_BASE RAR_REM  of kWh (APC) or Wh (Raritan) and a remainder in nJ
#   C32_BASE C32_REM  the same for the Counter32 Wh object
#
# Energy is the exact integral of the profile in integer nJ (mW × µs;
# 64-bit shell arithmetic lasts 9.2e9 J), floored to the counter's unit
# as a PDU counts it; power is rounded to the object's unit. POSIX sh and
# GNU date (coreutils: essential on Debian), so nothing to install; one
# date process per request is the only fork.
. "$1"

APC_POWER=.1.3.6.1.4.1.318.1.1.26.4.3.1.5.1       # rPDU2DeviceStatusPower, INTEGER 0.01 kW
APC_ENERGY=.1.3.6.1.4.1.318.1.1.26.4.3.1.9.1      # rPDU2DeviceStatusEnergy, INTEGER 0.1 kWh
RAR_POWER=.1.3.6.1.4.1.13742.6.5.2.3.1.4.1.1.5    # inlet 1 activePower, Unsigned32 W
RAR_ENERGY=.1.3.6.1.4.1.13742.6.5.2.3.1.4.1.1.8   # inlet 1 activeEnergy, Unsigned32 Wh
RAR_POWER_DIGITS=.1.3.6.1.4.1.13742.6.3.3.4.1.7.1.1.5
RAR_ENERGY_DIGITS=.1.3.6.1.4.1.13742.6.3.3.4.1.7.1.1.8
C32_ENERGY=.1.3.6.1.4.1.318.99.1.0                # Counter32 Wh, wraps at 2^32
TENTH_KWH_NJ=360000000000000
WH_NJ=3600000000000

# profile T: sets P (mW) and E (nJ since the start) at T µs after the start.
profile() {
	P=0 E=0 rest=$1
	[ "$rest" -lt 0 ] && return
	set -- $STEPS
	while [ $# -gt 0 ]; do
		P=$2
		if [ "$rest" -lt "$1" ]; then
			E=$((E + P * rest))
			return
		fi
		E=$((E + P * $1)) rest=$((rest - $1))
		shift 2
	done
	E=$((E + P * rest))
}

# now: P and E as the PDU shows them at this moment.
now() {
	t=$(($(date +%s%N) / 1000 - START_US))
	if [ "$REFRESH_US" -gt 0 ] && [ "$t" -gt 0 ]; then
		t=$((t - t % REFRESH_US))
	fi
	profile "$t"
}

answer() { printf '%s\n%s\n%s\n' "$oid" "$1" "$2"; }

while read -r cmd; do
	case "$cmd" in
	PING) echo PONG ;;
	get)
		read -r oid
		case "$oid" in
		"$APC_POWER") now; answer integer $(((P + 5000) / 10000)) ;;
		"$APC_ENERGY") now; answer integer $((APC_BASE + (APC_REM + E) / TENTH_KWH_NJ)) ;;
		"$RAR_POWER") now; answer gauge $(((P + 500) / 1000)) ;;
		"$RAR_ENERGY") now; answer gauge $((RAR_BASE + (RAR_REM + E) / WH_NJ)) ;;
		"$RAR_POWER_DIGITS" | "$RAR_ENERGY_DIGITS") answer gauge 0 ;;
		"$C32_ENERGY") now; answer counter $(((C32_BASE + (C32_REM + E) / WH_NJ) % 4294967296)) ;;
		*) echo NONE ;;
		esac
		;;
	getnext)
		read -r oid
		echo NONE
		;;
	set)
		read -r oid
		read -r value
		echo not-writable
		;;
	*) echo NONE ;;
	esac
done
