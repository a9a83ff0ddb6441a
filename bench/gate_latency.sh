#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench/gate_latency.sh [ROUNDS] — knock-to-open latency of the native gate:
# sesamed (Open, libnftables in-process) against Debian's knockd with a
# Start_Command running `nft add element` (the usual knockd + nftables
# setup), same machine, same client, same firewall shape, in one run.
#
# Method: the e2e harness's server and client namespaces.  Each round
# knocks from its own client address (198.18.0.20+i, static neighbour
# entries on the server: no ARP in the measured path), so no round finds
# the port already open.  bench/gate_probe sends the three knocks, then a
# fresh SYN to the guarded port every 50 us until one is answered.
# tcpdump in the server namespace (immediate mode) timestamps the last
# knock coming in and the guarded port's first SYN-ACK going out;
#   latency = SYN-ACK out - last knock in   (one kernel clock)
# It covers capture, decoding, the sequence decision, the firewall change
# and the next probe's SYN (<= 50 us of quantisation).  Rounds are
# sequential; ROUNDS (default 100, at most 200) per daemon.  A last part
# times gate_nft_grant alone (bench/nft_grant, in-process).
#
# RT=1 in the environment runs both daemons and the prober (the
# measuring instrument) under SCHED_FIFO priority 10 (chrt), which keeps a
# busy shared machine's other work from deciding the tail; the table says
# which mode it was.
set -u
ROUNDS=${1:-100}
[ "$ROUNDS" -ge 1 ] && [ "$ROUNDS" -le 200 ] || { echo "ROUNDS must be 1..200"; exit 1; }
. "$(dirname "$0")/../tests/e2e/lib.sh"
PROBE=$BIN/bench/gate_probe
PRIO=()
[ "${RT:-0}" = 1 ] && PRIO=(chrt -f 10)
GRANT=$BIN/bench/nft_grant
[ -x "$SESAMED" ] && [ -x "$PROBE" ] && [ -x "$GRANT" ] || { echo "build first (make)"; exit 1; }
HAVE_KNOCKD=1
command -v knockd >/dev/null || { echo "# knockd is not installed: sesamed only"; HAVE_KNOCKD=0; }
ns_setup
tcp_service 2222
climac=$(ip -n "$CLI_NS" -br link show eth0 | awk '{print $3}')
for ((i = 0; i < ROUNDS; i++)); do
	a=198.18.0.$((20 + i))
	ip -n "$CLI_NS" addr add "$a/32" dev eth0
	ip -n "$SRV_NS" neigh replace "$a" lladdr "$climac" dev br0
done

# run_one NAME : knocks ROUNDS times against the daemon running now;
# latencies (us, one per line) to $TMP/NAME.lat, misses to $TMP/NAME.misses.
run_one() {
	local name=$1 i misses=0
	bg "$SRV_NS" tcpdump -i br0 --immediate-mode -U -n -w "$TMP/$name.pcap" \
		'(tcp dst port 9000 and tcp[tcpflags] & tcp-syn != 0) or (tcp src port 2222 and tcp[tcpflags] & tcp-syn != 0)' \
		>"$TMP/$name.tcpdump.log" 2>&1
	local tcpd=$BG_PID
	wait_until 5 grep -q "listening on" "$TMP/$name.tcpdump.log"
	for ((i = 0; i < ROUNDS; i++)); do
		in_cli "${PRIO[@]}" "$PROBE" -s "198.18.0.$((20 + i))" -d "$SRV4" -k 7000,8000,9000 -p 2222 \
			-i 50 -t 2000 >>"$TMP/$name.client" || misses=$((misses + 1))
		sleep 0.05
	done
	sleep 0.2
	kill -TERM "$tcpd" 2>/dev/null
	wait_until 5 not kill -0 "$tcpd" 2>/dev/null
	echo "$misses" >"$TMP/$name.misses"
	# Per client address: its last knock in, then its first SYN-ACK out.
	tcpdump -tt -n -r "$TMP/$name.pcap" 2>/dev/null | awk '
		function us(t,   p) { split(t, p, "."); return p[1] * 1000000 + p[2] }
		$5 ~ /\.9000:$/ { a = $3; sub(/\.[0-9]+$/, "", a); knock[a] = us($1); next }
		$3 ~ /\.2222$/ { a = $5; sub(/\.[0-9]+:$/, "", a)
			if (a in knock && !(a in done)) { print us($1) - knock[a]; done[a] = 1 } }' \
		>"$TMP/$name.lat"
}

stats() {  # name -> "opened median p99 max" (us)
	sort -n "$TMP/$1.lat" | awk '
		{ v[NR] = $1 }
		END {
			if (NR == 0) { print 0, "-", "-", "-"; exit }
			m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			i = int(NR * 0.99 + 0.999999); if (i > NR) i = NR
			printf "%d %d %d %d\n", NR, m, v[i], v[NR] }'
}

# --- sesamed: Open, the native gate ------------------------------------
cat >"$TMP/sesamed.conf" <<EOF
[options]
	NftTable      = bench_gate
	ControlSocket = $TMP/control
	LogFile       = $TMP/sesamed.log
[bench]
	Sequence      = 7000,8000,9000
	Seq_Timeout   = 5
	TCPFlags      = syn
	Open          = 2222/tcp
	Open_Timeout  = 60
EOF
bg "$SRV_NS" "${PRIO[@]}" "$SESAMED" -c "$TMP/sesamed.conf" -i br0 -p "$TMP/sesamed.pid" >/dev/null 2>&1
spid=$BG_PID
wait_until 5 grep -qs "capturing on" "$TMP/sesamed.log" || { echo "sesamed did not start:"; cat "$TMP/sesamed.log"; exit 1; }
run_one sesamed
kill -TERM "$spid"; wait_until 7 not kill -0 "$spid" 2>/dev/null
in_srv "$SESAMED" -c "$TMP/sesamed.conf" --remove-gate >/dev/null 2>&1

# --- knockd: Start_Command = nft add element ---------------------------
if [ "$HAVE_KNOCKD" = 1 ]; then
	firewall_nft - <<'NFT'
table inet kbench {
	set allowed { type ipv4_addr; flags timeout; }
	chain input {
		type filter hook input priority filter - 10; policy accept;
		ct state established,related accept
		ip saddr @allowed tcp dport 2222 accept
		tcp dport { 2222, 7000, 8000, 9000 } drop
	}
}
NFT
	cat >"$TMP/knockd.conf" <<EOF
[options]
	LogFile = $TMP/knockd.log
[bench]
	Sequence      = 7000,8000,9000
	Seq_Timeout   = 5
	TCPFlags      = syn
	Start_Command = nft add element inet kbench allowed { %IP% timeout 60s }
EOF
	bg "$SRV_NS" "${PRIO[@]}" knockd -i br0 -c "$TMP/knockd.conf" -p "$TMP/knockd.pid" >/dev/null 2>&1
	kpid=$BG_PID
	sleep 1             # knockd has no readiness line of its own
	run_one knockd
	kill -TERM "$kpid" 2>/dev/null; wait_until 5 not kill -0 "$kpid" 2>/dev/null
	in_srv nft delete table inet kbench
fi

# --- the gate alone, in-process ---------------------------------------
in_srv "$GRANT" -T bench_grant bench 1000 2>/dev/null >"$TMP/grant.out"
in_srv "$GRANT" -T bench_grant remove >/dev/null 2>&1
# And one `nft add element` through the CLI, what a Start_Command pays.
in_srv nft add table inet clicost
in_srv nft add set inet clicost s '{ type ipv4_addr; flags timeout; }'
t0=$(date +%s%N)
for i in $(seq 20); do in_srv nft add element inet clicost s "{ 198.19.0.$i timeout 60s }"; done
t1=$(date +%s%N)
in_srv nft delete table inet clicost

echo "knock-to-open latency: last knock in -> guarded port's first SYN-ACK out"
echo "(server-side capture timestamps; probe every 50 us; $ROUNDS knocks per daemon; microseconds;"
echo " daemons and prober at $([ "${RT:-0}" = 1 ] && echo "SCHED_FIFO 10 (RT=1)" || echo "normal priority"); $(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg))"
printf '%-8s %7s %7s %7s %9s %9s %9s\n' daemon knocks opened missed median p99 max
for d in sesamed knockd; do
	[ -f "$TMP/$d.lat" ] || continue
	read -r opened med p99 max < <(stats $d)
	printf '%-8s %7d %7d %7d %9s %9s %9s\n' "$d" "$ROUNDS" "$opened" "$(cat "$TMP/$d.misses")" \
		"$med" "$p99" "$max"
done
if [ -f "$TMP/knockd.lat" ] && [ -s "$TMP/sesamed.lat" ]; then
	read -r _ smed sp99 _ < <(stats sesamed)
	read -r _ kmed kp99 _ < <(stats knockd)
	awk -v a="$kmed" -v b="$smed" -v c="$kp99" -v d="$sp99" \
		'BEGIN { if (b > 0 && d > 0) printf "knockd / sesamed: median x%.1f, p99 x%.1f\n", a / b, c / d }'
fi
read -r _ _ _ _ sp99 _ < <(stats sesamed | awk '{ print "x x x x", $3 }')
awk -v p="$sp99" 'BEGIN { printf "goal p99 <= 1000 us: %s\n", (p != "-" && p <= 1000) ? "met" : "NOT met" }'
echo "gate alone (gate_nft_grant in-process, table check included, 1000 grants):"
sed 's/^/  /' "$TMP/grant.out"
echo "one 'nft add element' through the CLI (fork+exec of nft, what a command gate pays): $(( (t1 - t0) / 20000 )) us"
