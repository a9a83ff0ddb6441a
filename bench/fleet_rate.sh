#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench/fleet_rate.sh [RUNS] — fleet mode: how fast a gateway applies the
# grants of other gateways, and how long its resync of live grants takes.
#
# Method: the fleet topology of the e2e tests (tests/e2e/lib_fleet.sh):
# GATEWAYS (default 3) sesamed gateways and one redis-server, each in its
# own namespace on one bridge, all on this machine.  RUNS times (default 3):
#
#   ingest: INGEST (default 5000) signed grant messages for distinct
#     addresses, as another gateway publishes them, go to the channel at
#     once (one `redis-cli --pipe`).  Time from the start of the pipe to
#     the last gate line ("door ssh: ADDR: opened for N s", written once
#     the nft element is in) on gateway 2 and on the last gateway, taken
#     from their logs' timestamps; CPU time (utime + stime) of gateway 2's
#     sesamed over the run.  The sets are flushed between runs.
#   resync: RESYNC (default 1000) live grant keys in Redis (SET ... PX, as
#     gateways keep them); gateway 2 is stopped, its set flushed, started
#     again: time from its "fleet: connected" line to its last gate line
#     (SCAN + MGET + checks + nft), with every element then in its set.
#
# Prints min / median / max over the runs.  SESAME_BUILD=DIR picks the
# binaries (to compare two builds).
set -u
RUNS=${1:-3}
[ "$RUNS" -ge 1 ] && [ "$RUNS" -le 20 ] || { echo "RUNS must be 1..20"; exit 1; }
. "$(dirname "$0")/../tests/e2e/lib.sh"
. "$(dirname "$0")/../tests/e2e/lib_daemon.sh"
. "$(dirname "$0")/../tests/e2e/lib_fleet.sh"
BENCH_RESULTS=/dev/null
. "$(dirname "$0")/lib_bench.sh"
[ -x "$SESAMED" ] || { echo "build first (make)"; exit 1; }
INGEST=${INGEST:-5000}
RESYNC=${RESYNC:-1000}
[ "$INGEST" -ge 1 ] && [ "$INGEST" -le 60000 ] || { echo "INGEST must be 1..60000"; exit 1; }
[ "$RESYNC" -ge 1 ] && [ "$RESYNC" -le 60000 ] || { echo "RESYNC must be 1..60000"; exit 1; }
G=${GATEWAYS:-3}
[ "$G" -ge 2 ] && [ "$G" -le 10 ] || { echo "GATEWAYS must be 2..10"; exit 1; }
L=$G
ALL=$(seq 1 "$G")
fleet_setup "$G"
fleet_bench_gateways "$G"

# messages COUNT MODE FIRST: COUNT signed grants (addresses from index
# FIRST on) as redis protocol: PUBLISH on the channel, or SET of the
# grant keys.
messages() {
	python3 - "$FLEET_KEY" "$@" <<'PY'
import base64, hmac, hashlib, sys, time
key = base64.b64decode(open(sys.argv[1]).read().strip())
count, mode, first = int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
now = int(time.time() * 1000)
out = sys.stdout.buffer
for k in range(first, first + count):
    addr = "198.%d.%d.%d" % (19 + k // 62500, k // 250 % 250, k % 250 + 1)
    body = "sesame-fleet/1 bench ssh %s 2222/tcp %d %d" % (addr, now, now + 590000)
    msg = (body + " " + hmac.new(key, b"sesame\n" + body.encode(), hashlib.sha256).hexdigest()).encode()
    if mode == "SET":
        args = [b"SET", b"sesame:grant:ssh:" + addr.encode(), msg, b"PX", b"590000"]
    else:
        args = [b"PUBLISH", b"sesame:grants", msg]
    out.write(b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args))
PY
}
pipe() {
	ip netns exec "$redis_NS" redis-cli -h "$REDIS4" -p "$REDIS_PORT" -a "$(cat "$FLEET_PASS")" \
		--no-auth-warning --pipe >/dev/null
}
flush_sets() { for i in "$@"; do ip netns exec "$(gw_ns "$i")" nft flush set inet sesame ssh_v4; done; }
elems() { ip netns exec "$(gw_ns "$1")" nft list set inet sesame ssh_v4 | grep -o 'expires' | wc -l; }
GATE_LINE='notice: door ssh: 198\.[0-9.]+: opened for'
gated() { grep -cE "$GATE_LINE" "$TMP/n$1.log"; }
# Unix ms of a log line's "[YYYY-mm-dd HH:MM:SS.mmm]".
line_ms() {
	local ts; ts=$(sed 's/^\[\([^]]*\)\].*/\1/')
	echo $(( $(date -d "${ts%.*}" +%s) * 1000 + 10#${ts##*.} ))
}
last_gate_ms() { grep -E "$GATE_LINE" "$TMP/n$1.log" | tail -n 1 | line_ms; }
hz=$(getconf CLK_TCK)

: >"$TMP/ingest.rate" ; : >"$TMP/ingest.cpu" ; : >"$TMP/resync.ms"
messages "$INGEST" PUBLISH 0 >"$TMP/ingest.resp"
for ((r = 0; r < RUNS; r++)); do
	flush_sets $ALL
	b2=$(gated 2) bl=$(gated "$L")
	_done() { [ $(($(gated 2) - b2)) -ge "$INGEST" ] && [ $(($(gated "$L") - bl)) -ge "$INGEST" ]; }
	c0=$(cpu_ticks "$(daemon_pid n2)")
	t0=$(date +%s%3N)
	pipe <"$TMP/ingest.resp"
	wait_until 300 _done || echo "# run $r: not all $INGEST applied: $(($(gated 2) - b2)) / $(($(gated "$L") - bl))"
	c1=$(cpu_ticks "$(daemon_pid n2)")
	l2=$(last_gate_ms 2) ll=$(last_gate_ms "$L")
	t2=$(( l2 > ll ? l2 : ll ))
	[ "$(elems 2)" -ge "$INGEST" ] && [ "$(elems "$L")" -ge "$INGEST" ] ||
		echo "# run $r: fewer elements than grants: $(elems 2) / $(elems "$L")"
	echo "$INGEST * 1000 / ($t2 - $t0)" | bc -l >>"$TMP/ingest.rate"
	echo "($c1 - $c0) * 1000000 / $hz / $INGEST" | bc -l >>"$TMP/ingest.cpu"
done
flush_sets $ALL

messages "$RESYNC" SET 100000 | pipe
for ((r = 0; r < RUNS; r++)); do
	daemon_stop n2
	wait_until 5 not daemon_alive n2
	flush_sets 2
	fleet_start n2 2 "$TMP/n2.conf" >/dev/null || exit 1
	fleet_wait_up n2 || { echo "n2 did not connect"; exit 1; }
	_resynced() { [ "$(gated 2)" -ge "$RESYNC" ]; }
	wait_until 300 _resynced || echo "# run $r: resync applied $(gated 2) / $RESYNC"
	sleep 0.5               # nothing more comes
	up=$(grep "fleet: connected" "$TMP/n2.log" | tail -n 1 | line_ms)
	echo "$(last_gate_ms 2) - $up" | bc >>"$TMP/resync.ms"
	[ "$(elems 2)" -ge "$RESYNC" ] || echo "# run $r: $(elems 2) elements after the resync"
done
for i in $ALL; do daemon_stop "n$i"; done

mmm() { sort -g "$1" | awk -v f="$2" '{ v[NR] = $1 } END {
	printf f " / " f " / " f, v[1], v[int((NR + 1) / 2)], v[NR] }'; }
echo "fleet rate ($G gateways + redis-server in namespaces; $(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg);"
echo " $RUNS runs, min / median / max; $SESAMED)"
echo "  ingest, $INGEST grants published at once, applied on gateways 2 and $L:"
echo "    $(mmm "$TMP/ingest.rate" %.0f) grants/s per gateway"
echo "    $(mmm "$TMP/ingest.cpu" %.0f) us of gateway 2's sesamed CPU per grant"
echo "  resync of $RESYNC live grant keys at start (connected -> last element in):"
echo "    $(mmm "$TMP/resync.ms" %.0f) ms"
