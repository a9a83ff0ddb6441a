# SPDX-License-Identifier: GPL-2.0-or-later
# bench/lib_bench.sh — the pieces bench/run.sh's scenarios share.  Source
# after tests/e2e/lib.sh (namespaces, cleanup) in a scenario process.
#
#   put KEY VALUE              one result line into $BENCH_RESULTS
#   lat_rounds NAME N RESET PORT FILTER -- CLIENT...
#       N rounds of: `RESET I` (a function: makes round I start from a
#       closed port, normally `next_source`), then
#       bench/poll_open in the client running CLIENT and polling PORT;
#       tcpdump in the server records FILTER (the last knock or the SPA
#       packet) with nanosecond kernel timestamps.  Writes one latency per
#       opened round, in ms, to $TMP/NAME.lat and the misses to
#       $TMP/NAME.miss; `lat_put KEY NAME` stores median, p99, n, misses.
#   lat_pair CAPS POLLS        the pairing lat_rounds does, on its own
#   stats FILE                 "n median p99 max" of a column of numbers
#   rss_kb PID, cpu_ticks PID  from /proc (tests/e2e/lib.sh)
#   conf_sesamed_gate / conf_sesamed_cmd / conf_knockd FILE: the one knock
#       door of the benchmarks (7001,7002,7003 -> 2222/tcp) for each daemon
#   bk_table                   the command doors' nft table `inet bk`
#       (2222 open to @open4/@open6, knock ports dropped silently)

POLL_OPEN=$BIN/bench/poll_open
# BENCH_RT=1: every daemon and the poller (with the client it starts) run
# under SCHED_FIFO priority 10, so other jobs on a shared machine do not
# decide the tail.
PRIO=()
[ "${BENCH_RT:-0}" = 1 ] && PRIO=(chrt -f 10)
POLL_US=${BENCH_POLL_US:-200}
KNOCK_PORTS=(7001 7002 7003)
GUARD=2222

put() { printf '%s\t%s\n' "$1" "$2" >>"$BENCH_RESULTS"; }


stats() {  # FILE -> "n median p99 max" (ms), "0 - - -" when empty
	sort -g "$1" | awk '
		{ v[NR] = $1 }
		END {
			if (NR == 0) { print 0, "-", "-", "-"; exit }
			m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			i = int(NR * 0.99 + 0.999999); if (i > NR) i = NR
			printf "%d %.3f %.3f %.3f\n", NR, m, v[i], v[NR] }'
}

# lat_put KEY NAME: KEY.n KEY.median KEY.p99 KEY.max KEY.miss
lat_put() {
	local n med p99 max
	read -r n med p99 max < <(stats "$TMP/$2.lat")
	# BENCH_KEEP=DIR keeps every sample (and the poller's lines) to look at.
	[ -n "${BENCH_KEEP:-}" ] && cp "$TMP/$2.lat" "$BENCH_KEEP/$1.lat" &&
		cp "$TMP/$2.polls" "$BENCH_KEEP/$1.polls" 2>/dev/null
	put "$1.n" "$n"; put "$1.median" "$med"; put "$1.p99" "$p99"; put "$1.max" "$max"
	put "$1.miss" "$(cat "$TMP/$2.miss" 2>/dev/null || echo 0)"
	diag "$1: n=$n median=$med p99=$p99 max=$max ms, missed $(cat "$TMP/$2.miss")"
}

# lat_pair CAPS POLLS: for each opened poll_open line of POLLS, the latest
# capture timestamp of CAPS (one per line) after the poll started and
# before the port opened; prints open - capture in ms, one per line.
lat_pair() {
	# Seconds as decimal strings: split them so no precision is lost in
	# awk's doubles.
	awk '
	function ns(s,   p, frac) {
		p = index(s, "."); frac = substr(s "000000000", p + 1, 9)
		return (substr(s, 1, p - 1) - 1700000000) * 1e9 + frac
	}
	FNR == NR { cap[++nc] = ns($1); next }
	/open_rt=never/ { next }
	{
		for (f = 1; f <= NF; f++) { split($f, kv, "="); v[kv[1]] = kv[2] }
		s = ns(v["start_rt"]); o = ns(v["open_rt"]); best = 0
		for (j = 1; j <= nc; j++) if (cap[j] >= s && cap[j] <= o) best = cap[j]
		if (best) printf "%.3f\n", (o - best) / 1e6
		else nocap++
	}
	END { if (nocap) printf "%d opened rounds without a capture\n", nocap > "/dev/stderr" }
	' "$1" "$2"
}

lat_rounds() {
	local name=$1 n=$2 reset=$3 port=$4 filter=$5; shift 6
	: >"$TMP/$name.polls"
	ip netns exec "$SRV_NS" tcpdump -i "$SRV_IF" --immediate-mode -U -n \
		--time-stamp-precision=nano -w "$TMP/$name.pcap" "$filter" \
		>"$TMP/$name.tcpdump.log" 2>&1 &
	local tcpd=$!
	wait_until 5 grep -q "listening on" "$TMP/$name.tcpdump.log"
	local i misses=0
	for ((i = 0; i < n; i++)); do
		"$reset" "$i"
		if ! ip netns exec "$CLI_NS" "${PRIO[@]}" "$POLL_OPEN" -i "$POLL_US" -t "${LAT_TIMEOUT_MS:-2000}" \
			"$SRV4" "$port" -- "$@" >>"$TMP/$name.polls" 2>>"$TMP/$name.poll.err"; then
			misses=$((misses + 1))
			# A round that never opened ends the run early when it
			# is the first: the door does not work here at all.
			if [ "$i" -eq 0 ] && [ "${LAT_GIVE_UP:-1}" = 1 ]; then
				n=1; break
			fi
		fi
		sleep 0.02
	done
	sleep 0.2
	kill -TERM "$tcpd" 2>/dev/null; wait "$tcpd" 2>/dev/null
	echo "$misses" >"$TMP/$name.miss"
	tcpdump --time-stamp-precision=nano -tt -n -r "$TMP/$name.pcap" 2>/dev/null |
		awk '{print $1}' >"$TMP/$name.cap"
	lat_pair "$TMP/$name.cap" "$TMP/$name.polls" >"$TMP/$name.lat" 2>"$TMP/$name.pair.err"
	[ -s "$TMP/$name.pair.err" ] && diag "$name: $(cat "$TMP/$name.pair.err")"
	return 0
}

# Every round knocks from a new client address, so that no round needs the
# previous grant removed (a flush would change the ruleset's generation
# between grants, which real use never does, and costs an exec per round):
# the client holds 198.18.0.10-.249 and a host route picks the source.
SRC_FIRST=10 SRC_MAX=240
client_sources() {
	local k mac
	mac=$(ip -n "$CLI_NS" -br link show eth0 | awk '{print $3}')
	for ((k = SRC_FIRST; k < SRC_FIRST + SRC_MAX; k++)); do
		echo "address add 198.18.0.$k/32 dev eth0"
	done | ip -n "$CLI_NS" -batch -
	# The server knows them all already: no ARP in a measured round.
	for ((k = SRC_FIRST; k < SRC_FIRST + SRC_MAX; k++)); do
		echo "neigh replace 198.18.0.$k lladdr $mac dev $SRV_IF"
	done | ip -n "$SRV_NS" -batch -
}
next_source() {
	ip -n "$CLI_NS" route replace "$SRV4/32" dev eth0 src "198.18.0.$((SRC_FIRST + $1 % SRC_MAX))"
}
# SPA rounds: one key (one fwknop door) may open 5 times a second, bursts
# of 10 (docs/spa-protocol.md), so the rounds keep to that pace.
next_source_spa() { next_source "$1"; sleep 0.2; }

. "$SESAME_ROOT/tests/e2e/lib_benchdoor.sh"
conf_sesamed_gate() { benchdoor_conf gate "$1" bk "NftTable = sbench"; }
conf_sesamed_cmd() { benchdoor_conf cmd "$1" bk; }
conf_knockd() { benchdoor_conf knockd "$1" bk; }

bk_table() {
	in_srv nft -f - <<NFT
table inet bk {
	set open4 { type ipv4_addr; flags timeout; timeout 60s; }
	set open6 { type ipv6_addr; flags timeout; timeout 60s; }
	chain input {
		type filter hook input priority 0; policy accept;
		tcp dport $GUARD ip saddr @open4 accept
		tcp dport $GUARD ip6 saddr @open6 accept
		tcp dport $GUARD drop
		tcp dport { 7001, 7002, 7003 } drop
	}
}
NFT
}

# start_sesamed NAME CONF: sesamed in the server, log $TMP/NAME.log; sets
# DPID.  Waits until it captures.
start_sesamed() {
	: >"$TMP/$1.log"
	ip netns exec "$SRV_NS" "${PRIO[@]}" "$SESAMED" -c "$2" -i "$SRV_IF" -p "$TMP/$1.pid" \
		>>"$TMP/$1.log" 2>&1 &
	DPID=$!
	disown "$DPID"
	wait_until 5 grep -q "capturing on" "$TMP/$1.log" ||
		{ diag "sesamed $1 did not start: $(tail -n 3 "$TMP/$1.log")"; return 1; }
}

start_knockd() {
	: >"$TMP/knockd.log"
	ip netns exec "$SRV_NS" "${PRIO[@]}" knockd -c "$1" -i "$SRV_IF" >"$TMP/knockd.out" 2>&1 &
	DPID=$!
	disown "$DPID"
	wait_until 5 grep -q "listening on" "$TMP/knockd.log" ||
		{ diag "knockd did not start: $(tail -n 3 "$TMP/knockd.out")"; return 1; }
}

stop_pid() {
	kill -TERM "$1" 2>/dev/null
	wait_until 5 not kill -0 "$1" 2>/dev/null || kill -KILL "$1" 2>/dev/null
}
