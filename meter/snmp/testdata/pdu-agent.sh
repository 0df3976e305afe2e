#!/bin/sh
# A net-snmp pass_persist helper that serves PDU objects for the tests.
#
#   pass_persist .1.3.6.1.4.1.318 /bin/sh pdu-agent.sh DATADIR
#
# Each served object is a file in DATADIR named by its numeric OID (with
# the leading dot) holding "TYPE VALUE", e.g. "integer 613" or
# "counter64 12345678901234"; TYPE is one pass_persist understands
# (integer, gauge, counter, counter64, string, …). The test rewrites the
# files (write, then rename, so a read never sees half a file) to change
# what the PDU reports between reads. Objects without a file do not exist:
# snmpd answers noSuchInstance (v2c/v3) or noSuchName (v1).
#
# Protocol (snmpd(8) / snmpd.conf(5), pass_persist): snmpd sends "PING",
# the helper answers "PONG"; "get" then an OID asks for a value, answered
# with three lines OID, TYPE, VALUE, or "NONE". Only get is needed: the
# meter never walks. POSIX sh builtins only, so no process per request.
dir=$1
while read -r cmd; do
	case "$cmd" in
	PING)
		echo PONG
		;;
	get)
		read -r oid
		if [ -r "$dir/$oid" ] && read -r type value <"$dir/$oid"; then
			printf '%s\n%s\n%s\n' "$oid" "$type" "$value"
		else
			echo NONE
		fi
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
	*)
		echo NONE
		;;
	esac
done
