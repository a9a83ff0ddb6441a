#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench/stages.sh [ROUNDS] — where knock-to-open time goes, stage by stage.
#
# sesamed runs with SESAME_GRANT_TIMING=1: after every grant the parent
# logs, for that grant, the worker's share (kernel capture timestamp of
# the last knock to the moment the worker sent the grant), the hand-over
# to the parent, and the gate (table check plus the netlink batch).
# tcpdump in the server namespace gives the two ends seen from outside:
# the last knock coming in and the guarded port's first SYN-ACK going out.
# All of them are CLOCK_REALTIME microseconds of one kernel, so the stages
# add up.  Each round knocks from its own client address (198.18.8.0/22,
# static neighbour entries: no ARP in the path) with bench/gate_probe,
# which then sends a SYN to the guarded port every 50 us until one is
# answered.  ROUNDS (default 1000, at most 1000).  RT=1 runs sesamed and
# the prober under SCHED_FIFO (chrt -f 10).  Prints a Markdown table.
#
# STAGES=spa or STAGES=fwknop times SPA → open instead: an SPA door on UDP
# 62201 (native, a key from `sesame keygen`; or SPA_Format = fwknop, with
# Debian's fwknop client, Rijndael + HMAC-SHA256) with its replay cache on
# disk, and per round the client started by bench/poll_open, which
# connects to the guarded port every 50 us.  The start is the SPA
# datagram coming in; the worker's stage then holds the whole verification
# (HMAC, decryption, fields, replay cache).  The rounds keep to the door's
# rate limit (5 grants a second).
set -u
ROUNDS=${1:-1000}
[ "$ROUNDS" -ge 1 ] && [ "$ROUNDS" -le 1000 ] || { echo "ROUNDS must be 1..1000"; exit 1; }
. "$(dirname "$0")/../tests/e2e/lib.sh"
PROBE=$BIN/bench/gate_probe
POLL_OPEN=$BIN/bench/poll_open
MODE=${STAGES:-knock}
case $MODE in knock | spa | fwknop) ;; *) echo "STAGES must be knock, spa or fwknop"; exit 1 ;; esac
[ "$MODE" = fwknop ] && ! command -v fwknop >/dev/null && { echo "run 'make deps' first (fwknop)"; exit 1; }
PRIO=()
[ "${RT:-0}" = 1 ] && PRIO=(chrt -f 10)
[ -x "$SESAMED" ] && [ -x "$PROBE" ] && [ -x "$POLL_OPEN" ] || { echo "build first (make)"; exit 1; }
ns_setup
tcp_service 2222
climac=$(ip -n "$CLI_NS" -br link show eth0 | awk '{print $3}')
addr_of() { echo "198.18.$((8 + $1 / 250)).$((1 + $1 % 250))"; }
{
	for ((i = 0; i < ROUNDS; i++)); do echo "addr add $(addr_of "$i")/32 dev eth0"; done
} | ip -n "$CLI_NS" -batch -
{
	for ((i = 0; i < ROUNDS; i++)); do echo "neigh replace $(addr_of "$i") lladdr $climac dev br0"; done
} | ip -n "$SRV_NS" -batch -
ip -n "$SRV_NS" route add 198.18.8.0/22 dev br0

# SPA doors keep their replay cache on disk, as in bench/run.sh.
replay_cache=
[ "$MODE" != knock ] && replay_cache="ReplayCache   = $TMP/state/replay"
cat >"$TMP/sesamed.conf" <<EOF
[options]
	NftTable      = bench_stages
	ControlSocket = $TMP/control
	StateDir      = $TMP/state
	LogFile       = $TMP/sesamed.log
	$replay_cache
[bench]
	Open          = 2222/tcp
	Open_Timeout  = 120
EOF
# The same keys as bench/run.sh's fwknop door.
FWK_KEY=mVJEAbhGSj8tOMxAjZMD2MpHqh3eHkfimQjkqD85wHY=
FWK_HMAC=6uNp7CFrjEbLpi+aKjtHkoUE0U4Hok9Sck1Y/lxoHJIxzPH5wFPfTiLK6qggdsVD+AZhW7IByFz3IrxKDXI9IQ==
case $MODE in
knock)
	printf '\tSequence = 7000,8000,9000\n\tSeq_Timeout = 5\n\tTCPFlags = syn\n' >>"$TMP/sesamed.conf"
	start_filter='tcp dst port 9000 and tcp[tcpflags] & tcp-syn != 0'
	start_port=9000 ;;
spa)
	HOME=$TMP "$SESAME" keygen --name bench -o "$TMP/client.key" 2>/dev/null |
		grep -v '^$' | head -n 1 >"$TMP/spa_keys"
	chmod 600 "$TMP/spa_keys"
	printf '\tSPA_Port = 62201\n\tSPA_Keys = %s\n' "$TMP/spa_keys" >>"$TMP/sesamed.conf" ;;
fwknop)
	printf '\tSPA_Port = 62201\n\tSPA_Format = fwknop\n\tFwknop_Key_Base64 = %s\n\tFwknop_HMAC_Key_Base64 = %s\n' \
		"$FWK_KEY" "$FWK_HMAC" >>"$TMP/sesamed.conf"
	: >"$TMP/fwknoprc"; chmod 600 "$TMP/fwknoprc" ;;
esac
[ "$MODE" != knock ] && start_filter='udp dst port 62201' start_port=62201
mkdir -p "$TMP/state"
bg "$SRV_NS" env SESAME_GRANT_TIMING=1 "${PRIO[@]}" "$SESAMED" -c "$TMP/sesamed.conf" -i br0 \
	-p "$TMP/sesamed.pid" >/dev/null 2>&1
spid=$BG_PID
wait_until 5 grep -qs "capturing on" "$TMP/sesamed.log" ||
	{ echo "sesamed did not start:"; cat "$TMP/sesamed.log"; exit 1; }

bg "$SRV_NS" tcpdump -i br0 --immediate-mode -U -n -w "$TMP/s.pcap" \
	"($start_filter) or (tcp src port 2222 and tcp[tcpflags] & tcp-syn != 0)" \
	>/dev/null 2>&1
tcpd=$BG_PID
sleep 1
misses=0
spa_round() {  # ADDR: the SPA client from ADDR, polled by poll_open
	ip -n "$CLI_NS" route replace "$SRV4/32" dev eth0 src "$1"
	if [ "$MODE" = spa ]; then
		in_cli "${PRIO[@]}" "$POLL_OPEN" -i 50 -t 2000 "$SRV4" 2222 -- \
			"$SESAME" spa "$SRV4" --key "$TMP/client.key" --open tcp/2222
	else
		in_cli "${PRIO[@]}" "$POLL_OPEN" -i 50 -t 2000 "$SRV4" 2222 -- \
			fwknop --rc-file "$TMP/fwknoprc" --no-save-args -A tcp/2222 -D "$SRV4" -s \
			--use-hmac --key-base64-rijndael "$FWK_KEY" --key-base64-hmac "$FWK_HMAC"
	fi
}
for ((i = 0; i < ROUNDS; i++)); do
	if [ "$MODE" = knock ]; then
		in_cli "${PRIO[@]}" "$PROBE" -s "$(addr_of "$i")" -d "$SRV4" -k 7000,8000,9000 -p 2222 \
			-i 50 -t 2000 >/dev/null 2>&1 || misses=$((misses + 1))
		sleep 0.01
	else
		spa_round "$(addr_of "$i")" >/dev/null 2>&1 || misses=$((misses + 1))
		sleep 0.2       # the door's rate limit: 5 grants a second
	fi
done
sleep 0.3
kill -TERM "$tcpd" 2>/dev/null
wait_until 5 not kill -0 "$tcpd" 2>/dev/null
kill -TERM "$spid"; wait_until 7 not kill -0 "$spid" 2>/dev/null
in_srv "$SESAMED" -c "$TMP/sesamed.conf" --remove-gate >/dev/null 2>&1

# Per address: last knock in and first SYN-ACK out (tcpdump), and the
# daemon's timing line.
tcpdump -tt -n -r "$TMP/s.pcap" 2>/dev/null | awk -v sp="$start_port" '
	function us(t,   p) { split(t, p, "."); return p[1] * 1000000 + p[2] }
	$5 ~ ("\\." sp ":$") { a = $3; sub(/\.[0-9]+$/, "", a); if (!(a in knock)) knock[a] = us($1); next }
	$3 ~ /\.2222$/ { a = $5; sub(/\.[0-9]+:$/, "", a)
		if (a in knock && !(a in out)) { out[a] = us($1); printf "%s %.0f %.0f\n", a, knock[a], out[a] } }' \
	>"$TMP/wire"
sed -n 's/.*grant timing: door [^:]*: \([^:]*\): capture to sent \([0-9-]*\) us, to parent \([0-9-]*\) us, gate \([0-9-]*\) us, done at \([0-9]*\).*/\1 \2 \3 \4 \5/p' \
	"$TMP/sesamed.log" >"$TMP/daemon"
awk 'NR == FNR { k[$1] = $2; o[$1] = $3; next }
	($1 in k) {
		print "worker", $2; print "ipc", $3; print "gate", $4
		printf "answer %.0f\ntotal %.0f\n", o[$1] - $5, o[$1] - k[$1]
	}' "$TMP/wire" "$TMP/daemon" >"$TMP/stages"

row() {  # LABEL KEY
	awk -v key="$2" '$1 == key { print $2 }' "$TMP/stages" | sort -n | awk -v label="$1" '
		{ v[NR] = $1 }
		END {
			if (NR == 0) { printf "| %s | – | – | – | 0 |\n", label; exit }
			m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			i = int(NR * 0.99 + 0.999999); if (i > NR) i = NR
			printf "| %s | %d | %d | %d | %d |\n", label, m, v[i], v[NR], NR }'
}
prio=$([ "${RT:-0}" = 1 ] && echo "SCHED_FIFO" || echo "normal priority")
if [ "$MODE" = knock ]; then
	echo "knock → open by stage, $ROUNDS knocks ($misses never opened), $prio, µs"
	first="last knock captured → worker sends the grant (decode, door)"
	last="total: last knock in → SYN-ACK out"
	probe="probe SYN every 50 µs"
else
	echo "SPA → open by stage ($([ "$MODE" = spa ] && echo native || echo "fwknop format")), $ROUNDS packets ($misses never opened), $prio, µs"
	first="SPA packet captured → worker sends the grant (verify, decrypt, replay cache)"
	last="total: SPA packet in → SYN-ACK out"
	probe="a connect every 50 µs"
fi
echo
echo "| stage | median | p99 | max | n |"
echo "|---|---|---|---|---|"
row "$first" worker
row "worker → parent (socketpair, wake-up)" ipc
row "parent: table check + netlink batch, until the kernel answers" gate
row "gate done → first SYN-ACK out ($probe)" answer
row "$last" total
# The first grant after the start pays for whatever the daemon set up
# lazily; in a run of 100 rounds it is the p99 by itself.
awk 'NR == 1 { printf "\nfirst grant after the start: worker %d µs, hand-over %d µs, gate %d µs\n", $2, $3, $4 }' \
	"$TMP/daemon"
