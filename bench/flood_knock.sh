#!/usr/bin/env bash
# bench/flood_knock.sh — issue 8's flood benchmark: a real knock during a
# flood of spoofed first knocks, sesamed against Debian's knockd.
#
# In namespaces (tests/e2e/lib.sh): the server runs the daemon guarding
# 2222/tcp with a 3-step sequence door whose Start_Command adds %IP% to an
# nft set; a flood namespace sends COUNT spoofed first knocks (IPv6, every
# one from a distinct source of 2001:db8:f100::/48) at the highest rate
# build/bench/flood reaches; at 1/4, 1/2 and 3/4 of the way in (as timed
# by a calibration run), the client runs a real knock (`sesame knock`,
# KNOCKER=knock for Debian's) and probes 2222 every 5 ms for 1 s; the port
# is closed again before each knock.  Figures per daemon: how many knocks
# opened, how long after the knock client started, whether that was still
# during the flood, RSS before and after,
# CPU seconds (utime+stime) and CPU per flood packet, first knocks the
# daemon saw (from its own log: sesamed sums them up under a flood).
#
#   bench/flood_knock.sh                 1,000,000 sources, StateLimit 65536
#   BENCH_QUICK=1 bench/flood_knock.sh   100,000 sources
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

flood_conf_sesamed "$TMP/sesamed.conf" "$STATELIMIT"
flood_conf_knockd "$TMP/knockd.conf"

export FLOOD_KNOCKS=${FLOOD_KNOCKS:-3} FLOOD_PROBE_MS=${FLOOD_PROBE_MS:-1000}
declare -A OPENS OPENED MIDN OPEN MID RSS0 RSS1 CPU PPS SEEN ALIVE SENT RX
for kind in sesamed knockd; do
	flood_scenario "$kind" "$TMP/$kind.conf" "$COUNT" || exit 1
	[ "$R_CLOSED_BEFORE" = yes ] || { echo "flood_knock: 2222 open before the knock" >&2; exit 1; }
	OPEN[$kind]=$R_OPEN MID[$kind]=$R_MID OPENS[$kind]=$R_OPENS
	OPENED[$kind]="$R_OPENED/$R_KNOCKS" MIDN[$kind]="$R_OPENED_MID/$R_KNOCKS" RSS0[$kind]=$R_RSS0 RSS1[$kind]=$R_RSS1
	CPU[$kind]=$R_CPU_S PPS[$kind]=$R_PPS SEEN[$kind]=$R_SEEN ALIVE[$kind]=$R_ALIVE
	SENT[$kind]=$R_FLOOD_SENT RX[$kind]=$R_BR0_RX
	if [ "$kind" = sesamed ]; then
		grep -E 'attempt table full|sequence complete|warn|error' "$TMP/sesamed.log" \
			| tail -n 8 | sed 's/^/# sesamed log: /'
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

row() { printf '| %-34s | %-16s | %-16s |\n' "$@"; }
opens() { sed "s/never/never(${FLOOD_PROBE_MS}ms)/g; s/ /, /g" <<<"$1"; }
per_pkt() { awk -v c="$1" -v n="$2" 'BEGIN { if (n > 0) printf "%.2f us", c * 1e6 / n; else print "-" }'; }
growth() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%+d KiB", b - a }'; }
echo
echo "Flood: $COUNT spoofed first knocks (IPv6, distinct sources), StateLimit $STATELIMIT;" \
	"$(nproc) CPUs, kernel $(uname -r), $(date -u +%Y-%m-%dT%H:%MZ)"
row figure sesamed "knockd (Debian)"
row ---------------------------------- ---------------- ----------------
row "flood packets sent" "${SENT[sesamed]}" "${SENT[knockd]}"
row "flood rate (pps, sender)" "${PPS[sesamed]}" "${PPS[knockd]}"
row "real knocks that opened 2222" "${OPENED[sesamed]}" "${OPENED[knockd]}"
row "... and while the flood still ran" "${MIDN[sesamed]}" "${MIDN[knockd]}"
row "knock -> open, each knock (ms)" "$(opens "${OPENS[sesamed]}")" "$(opens "${OPENS[knockd]}")"
row "RSS before -> after (KiB)" "${RSS0[sesamed]} -> ${RSS1[sesamed]}" "${RSS0[knockd]} -> ${RSS1[knockd]}"
row "RSS growth" "$(growth "${RSS0[sesamed]}" "${RSS1[sesamed]}")" "$(growth "${RSS0[knockd]}" "${RSS1[knockd]}")"
row "CPU s (utime+stime)" "${CPU[sesamed]}" "${CPU[knockd]}"
row "CPU per flood packet" "$(per_pkt "${CPU[sesamed]}" "${SENT[sesamed]}")" "$(per_pkt "${CPU[knockd]}" "${SENT[knockd]}")"
row "packets the server's br0 got" "${RX[sesamed]}" "${RX[knockd]}"
row "first knocks seen (own log)" "${SEEN[sesamed]}" "${SEEN[knockd]}"
row "daemon alive after" "${ALIVE[sesamed]}" "${ALIVE[knockd]}"
echo
echo "sesamed's capture holds ${RING:-?} frames for a stalled reader:" \
	"$(awk -v f="${RING:-0}" -v r="${PPS[sesamed]:-0}" 'BEGIN { if (r > 0) printf "%.1f", f * 1000 / r; else print "?" }') ms" \
	"at the flood rate it saw (${PPS[sesamed]} pps)"
