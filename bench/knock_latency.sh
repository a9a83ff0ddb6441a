#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench/knock_latency.sh [ROUNDS] — knock-to-open latency with a shell
# Start_Command, sesamed against Debian's knockd, same config, same
# machine, same client, in one run.
#
# Method: the server and client namespaces of the e2e harness; the knock
# daemon captures on br0; tcpdump in the server namespace records every
# packet to the last knock port (9000) with its kernel capture timestamp.
# The door's command is `date +%s%N >> FILE`: the wall-clock time at which
# the shell command ran.  Latency of one knock = command's timestamp -
# capture timestamp of that round's last knock packet.  It covers capture,
# decoding, the sequence decision and the fork/exec of /bin/sh + date, i.e.
# what a user's firewall command would see.  Rounds are sequential (one
# knock sequence in flight at a time), ROUNDS (default 40) per daemon.
# A last row, "floor", is the cost of spawning that same command alone
# (bench/spawn_cost): what no command gate can go below.
set -u
ROUNDS=${1:-40}
[ "$ROUNDS" -ge 1 ] && [ "$ROUNDS" -le 1000 ] || { echo "ROUNDS must be 1..1000"; exit 1; }
. "$(dirname "$0")/../tests/e2e/lib.sh"
command -v knockd >/dev/null || { echo "knockd is not installed"; exit 1; }
[ -x "$SESAMED" ] || { echo "build sesamed first (make)"; exit 1; }
ns_setup
# No RST/ICMP noise from the server: knock ports are dropped, as in real use.
firewall_nft - <<'NFT'
table inet bench {
	chain input {
		type filter hook input priority 0;
		tcp dport { 7000, 8000, 9000 } drop
	}
}
NFT

# One config both daemons read (sesamed's own paths kept under $TMP).
conf() {  # name
	cat <<EOF
[options]
	LogFile = $TMP/$1.log
$([ "$1" = sesamed ] && printf '\tControlSocket = %s\n\tStateDir = %s' "$TMP/control" "$TMP/state")
[bench]
	Sequence    = 7000,8000,9000
	Seq_Timeout = 5
	TCPFlags    = syn
	Command     = date +%s%N >> $TMP/$1.opened
EOF
}

# run_one NAME CMD... : starts the daemon, knocks ROUNDS times, prints
# the latencies in ms (one per line) to $TMP/NAME.lat.
run_one() {
	local name=$1; shift
	conf "$name" >"$TMP/$name.conf"
	: >"$TMP/$name.opened"
	in_srv tcpdump -i br0 --immediate-mode -U -n -w "$TMP/$name.pcap" 'tcp dst port 9000' \
		>"$TMP/$name.tcpdump.log" 2>&1 &
	local tcpd=$!
	wait_until 5 grep -q "listening on" "$TMP/$name.tcpdump.log"
	in_srv "$@" -c "$TMP/$name.conf" >"$TMP/$name.out" 2>&1 &
	local dpid=$!
	# Both daemons are ready once their capture is open; give knockd
	# (no readiness line of its own on stdout) a moment.
	sleep 1
	local i n0 misses=0
	for ((i = 0; i < ROUNDS; i++)); do
		n0=$(wc -l <"$TMP/$name.opened")
		in_cli knock -4 "$SRV4" 7000 8000 9000
		if ! wait_until 2 _more "$TMP/$name.opened" "$n0"; then
			misses=$((misses + 1))
			echo miss >>"$TMP/$name.opened"
		fi
		sleep 0.05
	done
	sleep 0.3
	kill -TERM "$tcpd" 2>/dev/null; wait "$tcpd" 2>/dev/null
	kill -TERM "$dpid" 2>/dev/null; wait "$dpid" 2>/dev/null
	# Pair each command run with the last capture of port 9000 before it
	# (rounds are sequential, so that is its own round's last knock).
	tcpdump -tt -n -r "$TMP/$name.pcap" 2>/dev/null | awk '{print $1}' >"$TMP/$name.cap"
	{ awk '{ split($1, t, "."); print t[1] t[2], "c" }' "$TMP/$name.cap"
	  awk '$1 != "miss" { print substr($1, 1, length($1) - 3), "o" }' "$TMP/$name.opened"; } |
		sort -n | awk '
		$2 == "c" { cap = $1; next }
		cap && $1 - cap < 1000000 { printf "%.3f\n", ($1 - cap) / 1000; cap = 0 }' \
		>"$TMP/$name.lat"
	echo "$misses" >"$TMP/$name.misses"
	local ncap nlat
	ncap=$(wc -l <"$TMP/$name.cap") nlat=$(wc -l <"$TMP/$name.lat")
	[ "$ncap" -eq "$ROUNDS" ] || echo "# $name: tcpdump saw $ncap last knocks for $ROUNDS rounds" >&2
	[ $((nlat + misses)) -eq "$ROUNDS" ] || echo "# $name: $nlat paired, $misses missed" >&2
}
_more() { [ "$(wc -l <"$1")" -gt "$2" ]; }

stats() {  # name -> "opened median p99 max"
	sort -n "$TMP/$1.lat" | awk -v misses="$(cat "$TMP/$1.misses")" '
		{ v[NR] = $1 }
		END {
			if (NR == 0) { print 0, "-", "-", "-"; exit }
			m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			i = int(NR * 0.99 + 0.999999); if (i > NR) i = NR
			printf "%d %.2f %.2f %.2f\n", NR, m, v[i], v[NR] }'
}

run_one sesamed "$SESAMED" -i br0 -p "$TMP/sesamed.pid"
run_one knockd knockd -i br0 -p "$TMP/knockd.pid"

# The floor: spawning the same shell command, with no knock at all.
SPAWN=$BIN/bench/spawn_cost
if [ -x "$SPAWN" ]; then
	"$SPAWN" "$ROUNDS" >"$TMP/floor.lat" && echo 0 >"$TMP/floor.misses"
fi

echo "knock-to-open latency, shell Start_Command, $ROUNDS knocks each (ms, capture of last knock -> command ran)"
printf '%-8s %7s %7s %7s %8s %8s %8s\n' daemon knocks opened missed median p99 max
for d in sesamed knockd floor; do
	[ -f "$TMP/$d.lat" ] || continue
	read -r opened med p99 max < <(stats $d)
	printf '%-8s %7d %7d %7d %8s %8s %8s\n' "$d" "$ROUNDS" "$opened" "$(cat "$TMP/$d.misses")" \
		"$med" "$p99" "$max"
done
echo "(floor: posix_spawn of the same 'sh -c date' alone, bench/spawn_cost, no knock)"
