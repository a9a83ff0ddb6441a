#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench/spa_rate.sh — SPA packets per second through sesamed itself
# (libpcap capture, decoding, spa_doors_check), read from sesamed's own
# counters (logged at exit), and the latency of a valid SPA sent during a
# garbage flood.  Runs in the e2e harness's namespaces; every flood is
# bounded (bench/spa_flood: at most 10 s, refuses to run outside them).
#
#   bench/spa_rate.sh [SECONDS]      (default 3 per class)
#
# Classes: garbage (random 128-byte packets, unknown key ids); replayed (a
# captured valid packet sent again and again from one source: past the
# burst, the per-source rate limiter refuses them before the AEAD).  The
# in-process bench (build/bench/spa_rate) measures the full replay path
# with many sources.
set -u
SECS=${1:-3}
. "$(dirname "$0")/../tests/e2e/lib.sh"
. "$(dirname "$0")/../tests/e2e/lib_daemon.sh"
. "$(dirname "$0")/../tests/e2e/lib_spa.sh"
FLOOD=$BIN/bench/spa_flood
[ -x "$FLOOD" ] || { echo "build $FLOOD first (make all)"; exit 1; }
ns_setup
firewall_nft - <<'NFT'
table inet fw {
	set allowed4 { type ipv4_addr; flags timeout; }
	chain input {
		type filter hook input priority 0; policy accept;
		udp dport 62201 drop
	}
}
NFT
export HOME=$TMP/home
"$SESAME" keygen --name bench >"$TMP/keys" 2>/dev/null
chmod 600 "$TMP/keys"
cat >"$TMP/sesamed.conf" <<EOC
[options]
	ReplayCache = $TMP/replay
[spa]
	SPA_Port      = 62201
	SPA_Keys      = $TMP/keys
	Open          = 22/tcp
	Start_Command = nft add element inet fw allowed4 { %IP% timeout 30s }
EOC

counters() {  # name -> "seen granted replayed rejected frames drops"
	sed -nE 's/.*spa counters: ([0-9]+) seen, ([0-9]+) granted, ([0-9]+) replayed, ([0-9]+) rejected; capture: ([0-9]+) frames, ([0-9]+) kernel drops.*/\1 \2 \3 \4 \5 \6/p' "$TMP/$1.log" | tail -n 1
}
run_class() {  # name payload
	daemon_start "$1" "$TMP/sesamed.conf" || { daemon_show "$1"; return 1; }
	local out; out=$(in_cli "$FLOOD" "$SRV4" 62201 "$SECS" "$2")
	sleep 0.5
	daemon_stop "$1"
	local c; c=$(counters "$1")
	set -- "$1" $out $c
	# name sent secs seen granted replayed rejected frames drops
	awk -v n="$1" -v sent="$2" -v s="$3" -v seen="$4" -v rep="$6" -v rej="$7" -v drops="$9" 'BEGIN {
		printf "%-22s sent %9d (%8.0f/s)  sesamed: seen %9d = %8.0f/s, rejected %9d, replayed %d, kernel drops %d\n",
			n, sent, sent / s, seen, seen / s, rej, rep, drops }'
}

echo "# sesamed SPA rate, $SECS s per class, $(nproc) CPUs (flood and daemon share them)"
run_class garbage garbage

# A valid packet, captured on the wire, granted once, then replayed.
daemon_start cap "$TMP/sesamed.conf" >/dev/null
capture_start one "udp port 62201"
in_cli "$SESAME" spa "$SRV4" --key "$HOME/.config/sesame/bench.key"
wait_until 2 log_has cap "SPA accepted"
capture_stop one
daemon_stop cap
spa_payloads "$TMP/one.pcap" "$TMP/one" >/dev/null
run_class replayed_1src "$TMP/one/0.bin"

# Latency: a valid SPA one second into a garbage flood.
daemon_start lat "$TMP/sesamed.conf" || exit 1
in_srv nft flush set inet fw allowed4
bg "$CLI_NS" bash -c "'$FLOOD' $SRV4 62201 3 garbage >'$TMP/latflood.out'"
sleep 1
t0=$(date +%s.%N)
in_cli "$SESAME" spa "$SRV4" --key "$HOME/.config/sesame/bench.key"
wait_until 3 log_has lat "SPA accepted"
sleep 2.5
daemon_stop lat
acc=$(grep -m1 "SPA accepted" "$TMP/lat.log" | sed -E 's/^\[([^]]+)\].*/\1/')
if [ -n "$acc" ]; then
	t1=$(date -d "$acc" +%s.%N)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "valid SPA during a garbage flood: granted %.1f ms after sending\n", (b - a) * 1000 }'
else
	echo "valid SPA during a garbage flood: NOT granted"
fi
read -r fsent fsecs <"$TMP/latflood.out"
set -- $(counters lat)
echo "# during that flood: $fsent garbage packets sent in $fsecs s; sesamed saw $1, granted $2, kernel drops $6"
