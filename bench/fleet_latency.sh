#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench/fleet_latency.sh [ROUNDS] — fleet mode: SPA packet to gateway 1
# -> the guarded port open on gateways 1, 2 and the last one.
#
# Method: the fleet topology of the e2e tests (tests/e2e/lib_fleet.sh):
# GATEWAYS (default 3) sesamed gateways and one redis-server, each in its
# own namespace on one bridge, all on this machine.  Each round flushes
# the door's set on every gateway, starts bench/poll_open against gateway
# 2 and the last one
# and then, polling gateway 1, sends one `sesame spa` to gateway 1;
# tcpdump on the bridge takes the kernel timestamp of the SPA datagram.
# Latency on a gateway = its port's first accepted connect - that
# timestamp (an upper bound: pollers try every POLL_US, default 500 us;
# three of them share the 2 CPUs with everything else).  The path to
# the others is: worker verifies, parent SET NX to Redis and waits
# for the answer, grants, SET + PUBLISH; each other gateway gets the
# message, checks it and adds the nft element.
#
# Then an ingest run (INGEST=5000 messages): see below.
set -u
ROUNDS=${1:-60}
[ "$ROUNDS" -ge 1 ] && [ "$ROUNDS" -le 1000 ] || { echo "ROUNDS must be 1..1000"; exit 1; }
. "$(dirname "$0")/../tests/e2e/lib.sh"
. "$(dirname "$0")/../tests/e2e/lib_daemon.sh"
. "$(dirname "$0")/../tests/e2e/lib_fleet.sh"
BENCH_RESULTS=/dev/null
. "$(dirname "$0")/lib_bench.sh"
POLL_US=${BENCH_POLL_US:-500}
[ -x "$SESAMED" ] && [ -x "$POLL_OPEN" ] || { echo "build first (make)"; exit 1; }

G=${GATEWAYS:-3}
[ "$G" -ge 3 ] && [ "$G" -le 40 ] || { echo "GATEWAYS must be 3..40"; exit 1; }
L=$G
ALL=$(seq 1 "$G")
fleet_setup "$G"
for i in 1 2 "$L"; do tcp_service 2222 "$(gw_ns $i)"; done
fleet_bench_gateways "$G"

ip netns exec "$SRV_NS" tcpdump -i "$SRV_IF" --immediate-mode -U -n \
	--time-stamp-precision=nano -w "$TMP/spa.pcap" "udp dst port 62201" \
	>"$TMP/spa.tcpdump.log" 2>&1 &
tcpd=$!
wait_until 5 grep -qs "listening on" "$TMP/spa.tcpdump.log"
poll() {  # gateway, then poll_open's -- CMD...
	local g=$1; shift
	ip netns exec "$CLI_NS" "$POLL_OPEN" -i "$POLL_US" -t 3000 "$(gw_addr "$g")" 2222 "$@" \
		>>"$TMP/g$g.polls" 2>>"$TMP/poll.err"
}
for ((r = 0; r < ROUNDS; r++)); do
	for i in $ALL; do ip netns exec "$(gw_ns $i)" nft flush set inet sesame ssh_v4; done
	poll 2 & p2=$!
	poll "$L" & p3=$!
	# Both pollers must have started before the packet leaves (a
	# loaded machine takes its time to start a process).
	sleep 0.2
	poll 1 -- "$SESAME" spa --key "$TMP/bench.key" "$(gw_addr 1)"
	wait "$p2" "$p3"
	# Under the SPA doors' per-source rate limit (5 packets/s).
	sleep 0.25
done
sleep 0.2
kill -TERM "$tcpd" 2>/dev/null; wait "$tcpd" 2>/dev/null
tcpdump --time-stamp-precision=nano -tt -n -r "$TMP/spa.pcap" 2>/dev/null | awk '{print $1}' >"$TMP/spa.cap"
for i in 1 2 "$L"; do lat_pair "$TMP/spa.cap" "$TMP/g$i.polls" >"$TMP/g$i.lat" 2>/dev/null; done
paste "$TMP/g2.lat" "$TMP/g$L.lat" | awk 'NF == 2 { print ($1 > $2) ? $1 : $2 }' >"$TMP/both.lat"

echo "fleet: SPA datagram to gateway 1 (kernel capture) -> guarded port accepts a connect"
echo "($ROUNDS SPA packets; $G gateways + redis-server $(redis-server --version | sed 's/.*v=\([^ ]*\).*/\1/') in namespaces on one host;"
echo " pollers every $POLL_US us; $(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg); milliseconds)"
printf '%-26s %7s %9s %9s %9s\n' where opened median p99 max
for w in "g1:gateway 1 (local grant)" "g2:gateway 2 (via redis)" "g$L:gateway $L (via redis)" \
	"both:gateways 2 and $L both"; do
	read -r n med p99 max < <(stats "$TMP/${w%%:*}.lat")
	printf '%-26s %7s %9s %9s %9s\n' "${w#*:}" "$n/$ROUNDS" "$med" "$p99" "$max"
done
# A round not counted above: the poller gave up (3 s) or its open was
# not paired with a capture.  The logs say whether the grant arrived.
echo "(grants logged: gateway 1 $(grep -c 'SPA accepted' "$TMP/n1.log"), gateway 2" \
	"$(grep -c 'opened for fleet node n1' "$TMP/n2.log"), gateway $L" \
	"$(grep -c 'opened for fleet node n1' "$TMP/n$L.log"); pollers that gave up:" \
	"$(grep -c 'open_rt=never' "$TMP"/g*.polls | awk -F: '{ s += $2 } END { print s }'))"

# Ingest: how fast a gateway applies grants published by others.  INGEST
# signed messages (distinct addresses, as another gateway would make
# them) go to the channel through one `redis-cli --pipe`; we time until
# the last one is an element of gateway 2's and the last gateway's sets, and count the
# CPU time gateway 2's sesamed spent.
INGEST=${INGEST:-5000}
for i in $ALL; do ip netns exec "$(gw_ns $i)" nft flush set inet sesame ssh_v4; done
python3 - "$FLEET_KEY" "$INGEST" >"$TMP/ingest.resp" <<'PY'
import base64, hmac, hashlib, sys, time
key = base64.b64decode(open(sys.argv[1]).read().strip())
now = int(time.time() * 1000)
out = sys.stdout.buffer
for k in range(int(sys.argv[2])):
    addr = "198.19.%d.%d" % (k // 250, k % 250 + 1)
    body = "sesame-fleet/1 bench ssh %s 2222/tcp %d %d" % (addr, now, now + 300000)
    msg = (body + " " + hmac.new(key, b"sesame\n" + body.encode(), hashlib.sha256).hexdigest()).encode()
    args = [b"PUBLISH", b"sesame:grants", msg]
    out.write(b"*3\r\n" + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args))
PY
elems() { ip netns exec "$(gw_ns "$1")" nft list set inet sesame ssh_v4 | grep -o 'expires' | wc -l; }
applied() { grep -c "opened for fleet node bench" "$TMP/n$1.log"; }
_all_in() { [ "$(applied 2)" -ge "$INGEST" ] && [ "$(applied "$L")" -ge "$INGEST" ]; }
# The wall-clock ms of the last grant line of gateway I's log.
last_ms() {
	local ts; ts=$(grep "opened for fleet node bench" "$TMP/n$1.log" | tail -n 1 | sed 's/^\[\([^]]*\)\].*/\1/')
	echo $(( $(date -d "${ts%.*}" +%s) * 1000 + 10#${ts##*.} ))
}
n2=$(daemon_pid n2)
c0=$(cpu_ticks "$n2")
t0=$(date +%s%N)
ip netns exec "$redis_NS" redis-cli -h "$REDIS4" -a "$(cat "$FLEET_PASS")" --no-auth-warning \
	--pipe <"$TMP/ingest.resp" >/dev/null
t1=$(date +%s%N)
wait_until 120 _all_in || echo "# not all $INGEST applied within 120 s: $(applied 2) / $(applied "$L")"
c1=$(cpu_ticks "$n2")
l2=$(last_ms 2) l3=$(last_ms "$L")
t2=$(( (l2 > l3 ? l2 : l3) * 1000000 ))
[ "$(elems 2)" -ge "$INGEST" ] && [ "$(elems "$L")" -ge "$INGEST" ] ||
	echo "# fewer elements than grant lines: $(elems 2) / $(elems "$L")"
hz=$(getconf CLK_TCK)
echo
echo "fleet ingest: $INGEST signed grants published at once -> elements on gateways 2 and $L ($G gateways)"
printf '  published in %d ms; last one applied (its log line) on both after %d ms (%.0f grants/s per gateway)\n' \
	$(((t1 - t0) / 1000000)) $(((t2 - t0) / 1000000)) \
	"$(echo "$INGEST * 1000000000 / ($t2 - $t0)" | bc -l)"
printf '  gateway 2 sesamed CPU: %.2f s (%.0f us per grant: parse, HMAC, checks, nft element)\n' \
	"$(echo "($c1 - $c0) / $hz" | bc -l)" "$(echo "($c1 - $c0) * 1000000 / $hz / $INGEST" | bc -l)"
for i in $ALL; do daemon_stop "n$i"; done

# Redis's side, for the scale estimate of docs/fleet.md: the commands a
# grant costs (SET NX PX of a replay id; PUBLISH of a 250-byte message to
# SUBS subscribers), redis-benchmark from the redis host itself, 20
# clients, no pipelining: what one Redis core on this machine does.
SUBS=${SUBS:-100}
rb() {
	ip netns exec "$redis_NS" redis-benchmark -h "$REDIS4" -a "$(cat "$FLEET_PASS")" \
		-q -n "${RB_N:-50000}" -c 20 -r 1000000 "$@" 2>/dev/null | tr '\r' '\n' | grep -v '^$' | tail -n 1 | sed 's/.*: \([0-9.]* requests per second\)/\1/'
}
msg=$(head -c 186 /dev/zero | tr '\0' x)
echo
echo "redis capacity (redis-benchmark, 20 clients, no pipelining, one redis-server core):"
echo "  SET NX PX (replay id):         $(rb SET 'sesame:replay:__rand_int__' n1 NX PX 31000)"
echo "  PUBLISH, no subscriber:        $(rb PUBLISH sesame:bench "$msg")"
for ((k = 0; k < SUBS; k++)); do
	ip netns exec "$redis_NS" redis-cli -h "$REDIS4" -a "$(cat "$FLEET_PASS")" --no-auth-warning \
		SUBSCRIBE sesame:bench >/dev/null 2>&1 &
	disown $!
done
wait_until 10 test "$(redis_cli PUBSUB NUMSUB sesame:bench | tail -n 1)" -ge "$SUBS"
echo "  PUBLISH, $SUBS subscribers:      $(rb PUBLISH sesame:bench "$msg")"
