#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench/filter_noise.sh — what frames to no door's port cost the worker,
# with NDOORS doors (default 256, bench/scale.sh's config: adjacent ports,
# TCPFlags=syn).  sesamed captures on the e2e harness's br0; bench/flood
# sends COUNT (default 400,000) spoofed SYNs to port 5000, which no door
# uses, at most RATE pps (default 100,000) for at most 20 s.  Prints the
# packets sent, the worker's and the parent's CPU ticks (1/100 s) over the
# flood, and whether libpcap warned that the kernel refused the filter
# (then every frame reaches the worker).  With the filter in the kernel
# the worker should spend nothing.  Needs root; bounded in count and time.
#   [NDOORS=N] [COUNT=N] [RATE=PPS] bench/filter_noise.sh
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/tests/e2e/lib.sh"
ns_setup
ns_add_host flood 4
SRV_MAC=$(ip -n "$SRV_NS" -br link show br0 | awk '{print $3}')
{
cat <<EOC
[options]
	NftTable      = noise
	ControlSocket = $TMP/control
	StateDir      = $TMP/state
	LogFile       = $TMP/sesamed.log
[knocked]
	Sequence      = 7000,8000,9000
	TCPFlags      = syn
	Open          = 2222/tcp
EOC
for ((i = 1; i < ${NDOORS:-256}; i++)); do
	printf '[d%d]\n\tSequence = %d,%d,%d\n\tTCPFlags = syn\n\tOpen = 2223/tcp\n' \
		"$i" $((10000 + 3 * i)) $((10001 + 3 * i)) $((10002 + 3 * i))
done
} >"$TMP/s.conf"
mkdir -p "$TMP/state"
bg "$SRV_NS" "$SESAMED" -c "$TMP/s.conf" -i br0 -p "$TMP/s.pid" >"$TMP/s.err" 2>&1
wait_until 30 grep -qs "capturing on" "$TMP/sesamed.log" || { echo "filter_noise: sesamed did not start" >&2; exit 1; }
sleep 0.5
mpid=$(cat "$TMP/s.pid")
# the worker: the daemon's child
wpid=$(cat /proc/"$mpid"/task/*/children | tr ' ' '\n' | grep . | head -1)
cpu() { awk '{ print $14 + $15 }' /proc/"$1"/stat; }  # utime + stime
w0=$(cpu "$wpid"); p0=$(cpu "$mpid")
in_ns "$flood_NS" "$BIN/bench/flood" -i eth0 -m "$SRV_MAC" -p 5000 -s 1000 -n "${COUNT:-400000}" -r "${RATE:-100000}" \
	-S 198.19.128.0/17 -t 20 "$SRV4" >"$TMP/flood.out" 2>&1
sleep 0.5
w1=$(cpu "$wpid"); p1=$(cpu "$mpid")
echo "filter_noise: ${NDOORS:-256} doors: worker ticks $((w1 - w0)) parent ticks $((p1 - p0)); $(tail -1 "$TMP/flood.out"); kernel refused the filter: $(grep -q 'Kernel filter failed' "$TMP/s.err" && echo yes || echo no)"
kill -TERM "$mpid"; sleep 1
in_srv "$SESAMED" -c "$TMP/s.conf" --remove-gate >/dev/null 2>&1
