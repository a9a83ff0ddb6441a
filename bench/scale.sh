#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench/scale.sh — how the cost grows with the work: more doors, more
# attempts in progress, more authorised SPA keys, more live grants.
#
# In process, one core, nothing on the network:
#   doors     build/bench/door_feed -d N -w knock|noise: ns of CPU per
#             knock packet and per packet to no door's port, N doors;
#             build/bench/filter_size N: BPF instructions of their filter
#   attempts  build/bench/door_feed -a N -w knock|flood: the same with N
#             attempts held in progress (StateLimit N + 1024)
#   keys      build/bench/spa_rate 1 N: SPA packets verified per second
#             (replayed: AEAD + replay lookup; forged: a known key id
#             with a bad tag) with N authorised keys
#   grants    build/bench/nft_grant -P N bench: one more grant (netlink
#             batch until the kernel answers) into a set already holding
#             N live elements, in a namespace of its own
# End to end, sesamed in the e2e harness's namespaces, knock -> open as
# the client sees it (bench/gate_probe: the last knock sent to the first
# SYN-ACK of the guarded port, a SYN every 50 us), SCALE_ROUNDS rounds
# (default 200) from as many client addresses:
#   with 1, 100 and 256 knock doors in the config (256: a config's most)
#   with 0 (StateLimit alone), 1,000 and 1,000,000 attempts in progress (spoofed first knocks
#   from bench/flood, Seq_Timeout 300 s, StateLimit 1,100,000; the
#   server does not track them in conntrack, see below)
#
# Prints one Markdown table; SCALE_OUT=FILE (default
# bench/results/scale.md) gets it too, and the curves are drawn into
# scale.png next to it.  BENCH_QUICK=1: fewer packets and rounds.
# SCALE_E2E_DOORS / SCALE_E2E_ATTEMPTS replace the end-to-end points
# (lists of numbers; empty: none).
# RT=1 runs sesamed and the prober under SCHED_FIFO 10.  Needs root.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/tests/e2e/lib.sh"
QUICK=${BENCH_QUICK:-0}
ROUNDS=${SCALE_ROUNDS:-$([ "$QUICK" = 1 ] && echo 50 || echo 200)}
MPKT=$([ "$QUICK" = 1 ] && echo 1 || echo 4)
OUT=${SCALE_OUT:-$ROOT/bench/results/scale.md}
PRIO=()
[ "${RT:-0}" = 1 ] && PRIO=(chrt -f 10)
for t in door_feed filter_size spa_rate nft_grant gate_probe flood; do
	[ -x "$BIN/bench/$t" ] || { echo "scale: $BIN/bench/$t missing (make all)" >&2; exit 1; }
done
DATA=$TMP/scale.tsv     # PANEL N VALUE UNIT, for the plot
ROWS=$TMP/rows.md
: >"$DATA"; : >"$ROWS"
say() { echo "scale: $*" >&2; }
row() { printf '| %s | %s | %s | %s |\n' "$@" >>"$ROWS"; }
datum() { printf '%s\t%s\t%s\t%s\n' "$@" >>"$DATA"; }

# --- in process -------------------------------------------------------------
# SCALE_ONLY=e2e or SCALE_ONLY=inproc runs only that half.
if [ "${SCALE_ONLY:-inproc}" = inproc ]; then
feed() {  # ARGS...: door_feed's "ns/packet" of the one workload asked for
	"$BIN/bench/door_feed" -n "$MPKT" "$@" | awk '$3 == "ns/packet" { print $2 }'
}
for n in 1 100 1000; do
	k=$(feed -d "$n" -w knock) z=$(feed -d "$n" -w noise)
	say "doors $n: knock $k ns, noise $z ns"
	row "doors in the config" "$n" "$k ns per knock packet; $z ns per other packet" "door_feed -d $n"
	datum doors "$n" "$k" "ns per knock packet"
done
# The capture filter of N doors (bench/scale.sh's end-to-end config:
# adjacent ports, TCPFlags=syn), compiled as the capture does on Ethernet.
for n in 1 100 256 1000; do
	read -r _ _ bytes insns ms < <("$BIN/bench/filter_size" "$n")
	say "filter $n doors: $bytes bytes, $insns BPF instructions, compiled in $ms ms"
	row "doors in the config: capture filter" "$n" "$insns BPF instructions ($bytes bytes of text)" "filter_size $n"
done
for n in 0 1000 1000000; do
	k=$(feed -a "$n" -w knock) f=$(feed -a "$n" -w flood)
	say "attempts $n: knock $k ns, flood $f ns"
	row "attempts in progress" "$n" "$k ns per knock packet; $f ns per spoofed first knock" "door_feed -a $n"
	datum attempts "$n" "$k" "ns per knock packet"
done
for n in 1 10000; do
	"$BIN/bench/spa_rate" 1 "$n" >"$TMP/spa_$n.out" 2>&1 || say "spa_rate $n keys: exit $?"
	r=$(awk '$1 == "replayed" { print $2 }' "$TMP/spa_$n.out")
	f=$(awk '$1 == "forged-keyid" { print $2 }' "$TMP/spa_$n.out")
	g=$(awk '$1 == "garbage-128" { print $2 }' "$TMP/spa_$n.out")
	say "keys $n: replayed $r/s, forged $f/s, garbage $g/s"
	row "authorised SPA keys" "$n" "replayed $r/s; forged tag $f/s; unknown key id $g/s" "spa_rate 1 $n"
	datum keys "$n" "$r" "replayed packets verified per second"
done
gns=sesame-scale-$RUN
ip netns add "$gns" && ip -n "$gns" link set lo up
for n in 10 100000; do
	ip netns exec "$gns" "$BIN/bench/nft_grant" -T scale -t 3600 -P "$n" bench 1000 \
		>"$TMP/grant_$n.out" 2>&1 || say "nft_grant -P $n: exit $?"
	ip netns exec "$gns" "$BIN/bench/nft_grant" -T scale remove >/dev/null 2>&1
	read -r med p99 < <(awk '/^grant \(new address\)/ { print $6, $9 }' "$TMP/grant_$n.out")
	say "grants $n: median $med us, p99 $p99 us"
	row "live grants in the set" "$n" "one more grant: median $med µs, p99 $p99 µs" "nft_grant -P $n bench 1000"
	datum grants "$n" "$med" "µs per grant (median)"
done
ip netns del "$gns"
fi

# --- end to end ---------------------------------------------------------------
if [ "${SCALE_ONLY:-e2e}" = e2e ]; then
ns_setup
ns_add_host flood 4
tcp_service 2222
climac=$(ip -n "$CLI_NS" -br link show eth0 | awk '{print $3}')
addr_of() { echo "198.18.$((8 + $1 / 250)).$((1 + $1 % 250))"; }
for ((i = 0; i < ROUNDS; i++)); do echo "addr add $(addr_of "$i")/32 dev eth0"; done |
	ip -n "$CLI_NS" -batch -
for ((i = 0; i < ROUNDS; i++)); do echo "neigh replace $(addr_of "$i") lladdr $climac dev br0"; done |
	ip -n "$SRV_NS" -batch -
ip -n "$SRV_NS" route add 198.18.8.0/22 dev br0
SRV_MAC=$(ip -n "$SRV_NS" -br link show br0 | awk '{print $3}')
# The spoofed first knocks would fill the server's conntrack table (the
# gate's `ct state` rule turns it on) and then the probes' SYNs would be
# dropped by the kernel, which is not what this measures: untracked.
in_srv nft -f - <<'NFT'
table inet scale_raw {
	chain pre {
		type filter hook prerouting priority raw; policy accept;
		ip6 saddr 2001:db8:f100::/48 notrack
	}
}
NFT

# conf NDOORS STATELIMIT: door 0 is the one knocked (7000,8000,9000 ->
# 2222/tcp); the others have their own ports and open 2223/tcp.
conf() {
	local i
	cat <<EOF
[options]
	NftTable      = scale
	ControlSocket = $TMP/control
	StateDir      = $TMP/state
	LogFile       = $TMP/sesamed.log
	StateLimit    = $2
[knocked]
	Sequence      = 7000,8000,9000
	Seq_Timeout   = 300
	TCPFlags      = syn
	Open          = 2222/tcp
	Open_Timeout  = 600
EOF
	for ((i = 1; i < $1; i++)); do
		printf '[d%d]\n\tSequence = %d,%d,%d\n\tTCPFlags = syn\n\tOpen = 2223/tcp\n' \
			"$i" $((10000 + 3 * i)) $((10001 + 3 * i)) $((10002 + 3 * i))
	done
}

# e2e LABEL NDOORS STATELIMIT HELD: prints "median p99 misses" (us).
e2e() {
	local label=$1 nd=$2 limit=$3 held=$4 i misses=0 spid
	mkdir -p "$TMP/state"; : >"$TMP/sesamed.log"
	echo "stages: none" >"$TMP/e2e.stages"
	conf "$nd" "$limit" >"$TMP/sesamed.conf"
	bg "$SRV_NS" env SESAME_GRANT_TIMING=1 "${PRIO[@]}" "$SESAMED" -c "$TMP/sesamed.conf" \
		-i br0 -p "$TMP/sesamed.pid" >"$TMP/sesamed.err" 2>&1
	spid=$BG_PID
	# A config of many doors loads a large table: give it time on a
	# busy machine.
	wait_until 30 grep -qs "capturing on" "$TMP/sesamed.log" ||
		{ say "sesamed did not start: $(tail -n 2 "$TMP/sesamed.log" "$TMP/sesamed.err")"
		  kill -KILL "$spid" 2>/dev/null; echo "- - $ROUNDS"; return; }
	if [ "$held" -gt 0 ]; then
		in_ns "$flood_NS" "$BIN/bench/flood" -i eth0 -m "$SRV_MAC" -p 7000 -s "$held" \
			-n "$held" -S 2001:db8:f100::/48 -t 60 "$SRV6" >"$TMP/flood.out" 2>&1
		sleep 1
		say "$label: $(cat "$TMP/flood.out"); sesamed holds" \
			"$(in_srv "$SESAME" status -s "$TMP/control" --json 2>/dev/null |
				grep -o '"attempts":[0-9]*' | awk -F: '{ n += $2 } END { print n + 0 }') attempts"
	fi
	: >"$TMP/e2e.lat"
	for ((i = 0; i < ROUNDS; i++)); do
		in_cli "${PRIO[@]}" "$BIN/bench/gate_probe" -s "$(addr_of "$i")" -d "$SRV4" \
			-k 7000,8000,9000 -p 2222 -i 50 -t 2000 >>"$TMP/e2e.lat" 2>/dev/null ||
			misses=$((misses + 1))
		sleep 0.01
	done
	kill -TERM "$spid"
	wait_until 10 not kill -0 "$spid" 2>/dev/null || kill -KILL "$spid" 2>/dev/null
	in_srv "$SESAMED" -c "$TMP/sesamed.conf" --remove-gate >/dev/null 2>&1
	rm -rf "$TMP/state"
	# Where the time went, from the daemon's own timing lines (medians).
	sed -n 's/.*grant timing: .*capture to sent \([0-9-]*\) us, to parent \([0-9-]*\) us, gate \([0-9-]*\) us.*/\1 \2 \3/p' \
		"$TMP/sesamed.log" | awk '{ w[NR] = $1; p[NR] = $2; g[NR] = $3 }
		function med(a, n,   i, j, t) { for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
			return n ? a[int((n + 1) / 2)] : "-" }
		END { printf "stages (median us): worker %s, to parent %s, gate %s\n", med(w, NR), med(p, NR), med(g, NR) }' \
		>"$TMP/e2e.stages"
	say "$label: $(cat "$TMP/e2e.stages")"
	sort -n "$TMP/e2e.lat" | awk -v m="$misses" '{ v[NR] = $1 }
		END { if (!NR) { print "- -", m; exit }
		      i = int(NR * 0.99 + 0.999999); if (i > NR) i = NR
		      med = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		      print med, v[i], m }'
}
for n in ${SCALE_E2E_DOORS-1 100 256}; do
	read -r med p99 miss < <(e2e "doors $n" "$n" 65536 0)
	say "e2e doors $n: median $med us, p99 $p99 us, $miss missed"
	row "doors in the config, sesamed end to end" "$n" \
		"knock → open median $med µs, p99 $p99 µs ($miss of $ROUNDS missed); $(cat "$TMP/e2e.stages")" \
		"sesamed, gate_probe"
done
for n in ${SCALE_E2E_ATTEMPTS-0 1000 1000000}; do
	read -r med p99 miss < <(e2e "attempts $n" 1 1100000 "$n")
	say "e2e attempts $n: median $med us, p99 $p99 us, $miss missed"
	row "attempts in progress, sesamed end to end" "$n" \
		"knock → open median $med µs, p99 $p99 µs ($miss of $ROUNDS missed); $(cat "$TMP/e2e.stages")" \
		"sesamed, gate_probe"
done
fi

{
	echo "## sesame scale curves — $(date -u +%Y-%m-%dT%H:%MZ)"
	echo
	echo "- machine: $(nproc) CPUs, load average at the end $(cut -d' ' -f1-3 /proc/loadavg);" \
		"$([ "${RT:-0}" = 1 ] && echo "sesamed and prober under SCHED_FIFO 10" || echo "normal priority");" \
		"$MPKT M packets per door_feed point, $ROUNDS knocks per sesamed point"
	echo "- sesame at $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo ?)"
	echo
	echo "| work | n | cost | measured with |"
	echo "|---|---|---|---|"
	cat "$ROWS"
} >"$TMP/scale.md"
cat "$TMP/scale.md"
mkdir -p "$(dirname "$OUT")"
cp "$TMP/scale.md" "$OUT"
cp "$DATA" "${OUT%.md}.tsv"
"$ROOT/bench/plot.sh" scale "$DATA" "$(dirname "$OUT")/scale.png" ||
	say "no plot (gnuplot: run 'make deps')"
say "written to $OUT"
