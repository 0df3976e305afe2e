#!/bin/sh
# Stand-in for nvidia-smi in the tests: replays recorded output. It knows
# the three ways the meter calls nvidia-smi:
#   --help-query-gpu                              prints $FAKE_SMI_HELP
#   --query-gpu=F --format=csv,noheader,nounits   prints the first loop
#   ... -lms N                                    prints every loop, N ms
#                                                 apart, over and over
# Columns are picked from the record by name, in the order asked for; a
# field missing from the help text is refused as nvidia-smi refuses it.
# Environment, set by the tests:
#   FAKE_SMI_HELP        help text (testdata/help-query-gpu-*.txt)
#   FAKE_SMI_RECORD      recorded loops; "# fields: a,b,c" names the columns
#   FAKE_SMI_LOG         each call appends "PID ARGS" here
#   FAKE_SMI_FAIL        print this and exit 9, as with a broken driver
#   FAKE_SMI_FAIL_AFTER  -lms: the starts after this many fail like that
#   FAKE_SMI_EXIT_AFTER  -lms: exit 1 after this many loops
#   FAKE_SMI_HANG_AFTER  -lms: print nothing more after this many loops, as
#                        when a driver call hangs (for 1 s, then exit 1)
#   FAKE_SMI_HANG        a call whose arguments hold this answers nothing
#                        for an hour, as a driver that never finishes
#                        initialising
set -u
[ -n "${FAKE_SMI_LOG:-}" ] && echo "$$ $*" >>"$FAKE_SMI_LOG"
if [ -n "${FAKE_SMI_HANG:-}" ]; then
	case "$*" in *"$FAKE_SMI_HANG"*) exec sleep 3600 >/dev/null 2>&1 ;; esac
fi

query= loop_ms= help=0
while [ $# -gt 0 ]; do
	case $1 in
	--help-query-gpu) help=1 ;;
	--query-gpu=*) query=${1#--query-gpu=} ;;
	--format=csv,noheader,nounits) ;;
	-lms) loop_ms=$2; shift ;;
	*) echo "Invalid combination of input arguments. Please run 'nvidia-smi -h' for help."; exit 2 ;;
	esac
	shift
done

fail() {
	echo "$1"
	exit 9
}
if [ "$help" = 1 ]; then
	cat "$FAKE_SMI_HELP" # needs no driver
	exit 0
fi
[ -n "${FAKE_SMI_FAIL:-}" ] && fail "$FAKE_SMI_FAIL"
if [ -n "$loop_ms" ] && [ -n "${FAKE_SMI_FAIL_AFTER:-}" ]; then
	starts=$(grep -c -- -lms "$FAKE_SMI_LOG")
	[ "$starts" -gt "$FAKE_SMI_FAIL_AFTER" ] &&
		fail "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running."
fi

# Refuse fields the help text does not list, with nvidia-smi's words.
for f in $(echo "$query" | tr , ' '); do
	if ! grep -q "\"$f\"" "$FAKE_SMI_HELP"; then
		echo "Field \"$f\" is not a valid field to query."
		echo
		exit 2
	fi
done

# The sleeps let go of stdout and stderr, so that a killed replay leaves
# no one holding the meter's pipes.
exec awk -v want="$query" -v ms="${loop_ms:-0}" \
	-v exit_after="${FAKE_SMI_EXIT_AFTER:-0}" -v hang_after="${FAKE_SMI_HANG_AFTER:-0}" '
BEGIN { loops = 0 }
/^# fields: / {
	n = split(substr($0, 11), cols, ",")
	for (i = 1; i <= n; i++) col[cols[i]] = i
	next
}
/^#/ { next }
/^$/ { if (rows[loops] != "") loops++; next }
{
	split($0, v, ", ")
	k = split(want, w, ",")
	line = ""
	for (i = 1; i <= k; i++) line = line (i > 1 ? ", " : "") v[col[w[i]]]
	rows[loops] = rows[loops] line "\n"
}
END {
	if (rows[loops] != "") loops++
	for (l = 0; ; l++) {
		printf "%s", rows[l % loops]
		fflush()
		if (ms == 0) exit 0
		if (exit_after > 0 && l + 1 >= exit_after) exit 1
		if (hang_after > 0 && l + 1 >= hang_after) {
			system("exec sleep 1 >/dev/null 2>&1")
			exit 1
		}
		system("exec sleep " ms / 1000 " >/dev/null 2>&1")
	}
}' "$FAKE_SMI_RECORD"
