#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench/flood_knock.sh — the flood benchmark: a real knock during a
# flood of spoofed first knocks, sesamed against Debian's knockd.
#
# In namespaces (tests/e2e/lib.sh): the server runs the daemon guarding
# 2222/tcp with a 3-step sequence door, three times: sesamed with its nft
# gate (Open = 2222/tcp), sesamed with a Start_Command that adds %IP% to
# an nft set, and knockd with the same Start_Command.  A flood namespace
# sends COUNT spoofed first knocks (IPv6, every one from a distinct source
# of 2001:db8:f100::/48) at the highest rate build/bench/flood reaches; at
# 1/4, 1/2 and 3/4 of the way in (as timed by a calibration run), the
# client runs a real knock (`sesame knock`, KNOCKER=knock for Debian's) and
# probes 2222 every 5 ms for 1 s; the port is closed again before each
# knock.  Figures per daemon: how many knocks opened, how long after the
# knock client started, whether that was still during the flood, RSS
# before and after, CPU seconds (utime+stime) and CPU per flood packet,
# packets the server's br0 received, first knocks the daemon saw (from its
# own log: sesamed sums them up under a flood).  Then how many frames
# sesamed's capture holds for a reader that stalls (build/bench/capture_ring).
#
#   bench/flood_knock.sh                 1,000,000 sources, StateLimit 65536
#   BENCH_QUICK=1 bench/flood_knock.sh   100,000 sources
#   FLOOD_RESULTS=FILE                   also writes "COLUMN KEY VALUE" lines
# Needs root; the whole run stays well under 4 minutes.
. "$(dirname "$0")/../tests/e2e/lib.sh"
. "$(dirname "$0")/../tests/e2e/lib_flood.sh"

COUNT=${FLOOD_COUNT:-1000000}
[ "${BENCH_QUICK:-0}" = 1 ] && COUNT=${FLOOD_COUNT:-100000}
STATELIMIT=${FLOOD_STATELIMIT:-65536}

for t in "$FLOOD_TOOL" "$PROBE_TOOL" "$BIN/bench/capture_ring" "$SESAMED" "$SESAME"; do
	[ -x "$t" ] || { echo "flood_knock: $t missing (make all)" >&2; exit 1; }
done
command -v knockd >/dev/null || { echo "flood_knock: knockd missing (make deps)" >&2; exit 1; }

flood_setup
flood_calibrate 200000 || { echo "flood_knock: calibration failed" >&2; exit 1; }
diag "flood tool alone: $FLOOD_CAL_PPS pps"

flood_conf_sesamed "$TMP/sesamed-nft.conf" "$STATELIMIT" nft
flood_conf_sesamed "$TMP/sesamed-cmd.conf" "$STATELIMIT" cmd
flood_conf_knockd "$TMP/knockd.conf"

# Columns: sesamed with its nft gate (Open =), sesamed with the same
# Start_Command as knockd (like for like), knockd.
COLS=(sesamed-nft sesamed-cmd knockd)
export FLOOD_KNOCKS=${FLOOD_KNOCKS:-3} FLOOD_PROBE_MS=${FLOOD_PROBE_MS:-1000}
declare -A OPENS SENTS OPENED MIDN RSS0 RSS1 CPU PPS SEEN ALIVE SENT RX
for col in "${COLS[@]}"; do
	kind=${col%%-*}
	flood_scenario "$kind" "$TMP/$col.conf" "$COUNT" || exit 1
	[ "$R_CLOSED_BEFORE" = yes ] || { echo "flood_knock: 2222 open before the knock" >&2; exit 1; }
	OPENS[$col]=$R_OPENS SENTS[$col]=$R_SENTS
	OPENED[$col]="$R_OPENED/$R_KNOCKS" MIDN[$col]="$R_OPENED_MID/$R_KNOCKS"
	RSS0[$col]=$R_RSS0 RSS1[$col]=$R_RSS1 CPU[$col]=$R_CPU_S PPS[$col]=$R_PPS
	SEEN[$col]=$R_SEEN ALIVE[$col]=$R_ALIVE SENT[$col]=$R_FLOOD_SENT RX[$col]=$R_BR0_RX
	if [ "$kind" = sesamed ]; then
		grep -E 'knock flood|sequence complete|opened|warn|error' "$TMP/sesamed.log" \
			| tail -n 6 | sed "s/^/# $col log: /"
	else
		tail -n 3 "$TMP/knockd.log" | sed 's/^/# knockd log: /'
	fi
done

# The cause figure for lost packets: how many frames sesamed's capture
# holds while its reader stalls (it reads nothing for 1 s during a flood).
in_srv "$BIN/bench/capture_ring" "$SRV_IF" 1000 >"$TMP/ring.out" 2>&1 &
ring_pid=$!
sleep 0.3
flood_send -p 7001 -s 300000 -n 300000 -t 10 "$FLOOD_DST6" >/dev/null
wait "$ring_pid"
RING=$(sed -n 's/.*held \([0-9]*\) frames.*/\1/p' "$TMP/ring.out")

# row FIGURE FUNCTION: one line, FUNCTION COL printing each cell.
row() {
	local fig=$1 fn=$2 col
	printf '| %-34s |' "$fig"
	for col in "${COLS[@]}"; do printf ' %-22s |' "$("$fn" "$col")"; done
	echo
}
opens() { sed "s/never/never(${FLOOD_PROBE_MS}ms)/g; s/ /, /g" <<<"${OPENS[$1]}"; }
# open_ms - sent_ms per knock: roughly the daemon's and the firewall's share.
after_sent() {
	paste -d' ' <(tr ' ' '\n' <<<"${OPENS[$1]}") <(tr ' ' '\n' <<<"${SENTS[$1]}") |
		awk '{ printf "%s%s", (NR > 1 ? ", " : ""), ($1 == "never" ? "never" : sprintf("%.1f", $1 - $2)) } END { print "" }'
}
per_pkt() { awk -v c="${CPU[$1]}" -v n="${SENT[$1]}" 'BEGIN { if (n > 0) printf "%.2f us", c * 1e6 / n; else print "-" }'; }
growth() { awk -v a="${RSS0[$1]}" -v b="${RSS1[$1]}" 'BEGIN { printf "%+d KiB", b - a }'; }
rss() { echo "${RSS0[$1]} -> ${RSS1[$1]}"; }
seen() { awk -v s="${SEEN[$1]}" -v r="${RX[$1]}" 'BEGIN { printf "%d (%.1f%%)", s, (r > 0 ? 100 * s / r : 0) }'; }
head_() { case $1 in sesamed-nft) echo "sesamed (nft gate)" ;; sesamed-cmd) echo "sesamed (command)" ;; *) echo "knockd (Debian)" ;; esac; }
dash() { echo "----------------------"; }
v() { local -n a=$V; echo "${a[$1]}"; }
cell() { V=$1 v "$2"; }
sent() { cell SENT "$1"; }
pps() { cell PPS "$1"; }
opened() { cell OPENED "$1"; }
midn() { cell MIDN "$1"; }
cpu() { cell CPU "$1"; }
rx() { cell RX "$1"; }
alive() { cell ALIVE "$1"; }

echo
echo "Flood: $COUNT spoofed first knocks (IPv6, distinct sources), StateLimit $STATELIMIT;" \
	"$(nproc) CPUs, kernel $(uname -r), $(date -u +%Y-%m-%dT%H:%MZ)"
row figure head_
row "----------------------------------" dash
row "flood packets sent" sent
row "flood rate (pps, sender)" pps
row "real knocks that opened 2222" opened
row "... and while the flood still ran" midn
row "knock -> open, each knock (ms)" opens
row "... after the knock client exited" after_sent
row "RSS before -> after (KiB)" rss
row "RSS growth" growth
row "CPU s (utime+stime)" cpu
row "CPU per flood packet" per_pkt
row "packets the server's br0 got" rx
row "first knocks seen (own log)" seen
row "daemon alive after" alive
echo
echo "sesamed's capture holds ${RING:-?} frames for a stalled reader:" \
	"$(awk -v f="${RING:-0}" -v r="${PPS[sesamed-nft]:-0}" 'BEGIN { if (r > 0) printf "%.1f", f * 1000 / r; else print "?" }') ms" \
	"at the flood rate it saw (${PPS[sesamed-nft]} pps)"

# FLOOD_RESULTS=FILE: the same figures as "COLUMN KEY VALUE" lines, for a
# caller that builds its own table (make bench).
if [ -n "${FLOOD_RESULTS:-}" ]; then
	for col in "${COLS[@]}"; do
		echo "$col sent ${SENT[$col]}"
		echo "$col pps ${PPS[$col]}"
		echo "$col opened ${OPENED[$col]}"
		echo "$col opened_during_flood ${MIDN[$col]}"
		echo "$col open_ms $(tr ' ' ',' <<<"${OPENS[$col]}")"
		echo "$col client_ms $(tr ' ' ',' <<<"${SENTS[$col]}")"
		echo "$col rss_kib_before ${RSS0[$col]}"
		echo "$col rss_kib_after ${RSS1[$col]}"
		echo "$col cpu_s ${CPU[$col]}"
		echo "$col br0_rx ${RX[$col]}"
		echo "$col first_knocks_seen ${SEEN[$col]}"
		echo "$col alive ${ALIVE[$col]}"
	done >"$FLOOD_RESULTS"
	echo "capture ring_frames ${RING:-}" >>"$FLOOD_RESULTS"
fi
