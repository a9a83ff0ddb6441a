# SPDX-License-Identifier: GPL-2.0-or-later
# tests/e2e/lib_flood.sh — a spoofed first-knock flood against a knock
# daemon (sesamed or Debian's knockd) while a real knocker knocks.  Used by
# tests/e2e/test_flood.sh and bench/flood_knock.sh.  Source after lib.sh.
#
#   flood_setup                 server + client + flood namespaces, the
#                               server's nft table `inet fb` (knock ports
#                               dropped at input; for command gates 2222/tcp
#                               open only to @open4/@open6), a TCP service
#                               on 2222
#   flood_conf_sesamed FILE STATELIMIT [nft|cmd]   the door as sesamed.conf
#   flood_conf_knockd FILE               the same door as knockd.conf
#   flood_calibrate N           sends N flood packets with no daemon running;
#                               sets FLOOD_CAL_PPS
#   flood_scenario KIND CONF COUNT [KNOCK_AT_S]
#       starts KIND (sesamed|knockd) with CONF, floods COUNT spoofed first
#       knocks (IPv6, one per distinct source), has the client knock
#       FLOOD_KNOCKS times (default 1; at KNOCK_AT_S, 2*KNOCK_AT_S, ... or
#       spread over the calibrated flood) and probe 2222 every 5 ms for
#       FLOOD_PROBE_MS (3000) after each, then measures.  FLOOD_RATE=PPS
#       caps the flood's rate.  Sets R_OPEN (first knock: ms or never),
#       R_OPENS (all), R_SENTS (ms each knock client took to send),
#       R_MID (first opened during the flood), R_OPENED, R_OPENED_MID,
#       R_KNOCKS, R_RSS0/R_RSS1 (KiB), R_CPU_S, R_PPS,
#       R_FLOOD_SENT, R_BR0_RX, R_SEEN, R_ALIVE, R_CLOSED_BEFORE.
#
# The door: Sequence 7001,7002,7003 (tcp, syn), Seq_Timeout 5; it opens
# 2222/tcp through sesamed's nft gate, or a start command that adds %IP%
# to the nft set that opens 2222/tcp (knockd, sesamed with cmd).

FLOOD_TOOL=$BIN/bench/flood
PROBE_TOOL=$BIN/bench/knock_probe
FLOOD_DST6=$SRV6
# The real knocker: sesame's own client; KNOCKER="knock" picks Debian's.
KNOCKER=${KNOCKER:-$SESAME knock}

flood_setup() {
	ns_setup
	ns_add_host flood 4
	in_srv nft -f - <<'NFT'
table inet fb {
	set open4 { type ipv4_addr; flags timeout; timeout 60s; }
	set open6 { type ipv6_addr; flags timeout; timeout 60s; }
	chain guard {
	}
	chain input {
		type filter hook input priority 0; policy accept;
		tcp dport { 7001, 7002, 7003 } drop
		jump guard
	}
}
NFT
	tcp_service 2222
	FLOOD_MAC=$(ip -n "$SRV_NS" -br link show br0 | awk '{print $3}')
}

# _flood_guard cmd|nft: who guards 2222.  cmd: our table drops it except
# for @open4/@open6 (what the start commands fill); nft: sesamed's own
# table (Open =) guards it, so ours must not drop it.
_flood_guard() {
	in_srv nft flush chain inet fb guard
	[ "$1" = cmd ] || return 0
	in_srv nft -f - <<'NFT'
add rule inet fb guard tcp dport 2222 ip saddr @open4 accept
add rule inet fb guard tcp dport 2222 ip6 saddr @open6 accept
add rule inet fb guard tcp dport 2222 drop
NFT
}

# flood_conf_sesamed FILE STATELIMIT [nft|cmd]: with nft (the default) the
# door guards 2222 through sesamed's own nft gate (Open = 2222/tcp); with
# cmd, through the same Start_Command as the knockd.conf.
. "$SESAME_ROOT/tests/e2e/lib_benchdoor.sh"
flood_conf_sesamed() {
	local gate=${3:-nft}
	[ "$gate" = nft ] && gate=gate
	benchdoor_conf "$gate" "$1" fb "StateLimit = $2"
}
flood_conf_knockd() { benchdoor_conf knockd "$1" fb; }

# flood_send ARGS... : the flood tool in the flood namespace, towards the
# server's br0, IPv6 spoofed sources from 2001:db8:f100::/48.
flood_send() {
	in_ns "$flood_NS" "$FLOOD_TOOL" -i eth0 -m "$FLOOD_MAC" "$@"
}

flood_calibrate() {
	local out
	out=$(flood_send -p 7001 -s "$1" -n "$1" -t 30 "$FLOOD_DST6") || return 1
	FLOOD_CAL_PPS=$(sed -n 's/.*: \([0-9]*\) pps.*/\1/p' <<<"$out")
	[ -n "$FLOOD_CAL_PPS" ] && [ "$FLOOD_CAL_PPS" -gt 0 ]
}

now_ns() { date +%s%N; }

# The daemon's pid: `ip netns exec` execs, so the background pid is it.
_flood_daemon_start() {
	local kind=$1 conf=$2
	: >"$TMP/$kind.log"
	if [ "$kind" = sesamed ]; then
		ip netns exec "$SRV_NS" "$SESAMED" -c "$conf" -i "$SRV_IF" -v \
			-p "$TMP/sesamed.pid" >>"$TMP/sesamed.log" 2>&1 &
		R_PID=$!
		disown "$R_PID"
		wait_until 5 grep -q "capturing on" "$TMP/sesamed.log"
	else
		: >"$TMP/knockd.log"
		ip netns exec "$SRV_NS" knockd -c "$conf" -i "$SRV_IF" \
			>"$TMP/knockd.out" 2>&1 &
		R_PID=$!
		disown "$R_PID"
		wait_until 5 grep -q "listening on" "$TMP/knockd.log"
	fi
}

_flood_daemon_stop() {
	kill -TERM "$R_PID" 2>/dev/null
	wait_until 5 not kill -0 "$R_PID" 2>/dev/null || kill -KILL "$R_PID" 2>/dev/null
	in_srv nft flush set inet fb open4
	in_srv nft flush set inet fb open6
	# sesamed's gate fails closed and leaves its table: remove it.
	in_srv nft delete table inet sesame 2>/dev/null
	return 0
}

# Closes 2222 again for the client, whichever gate opened it.
_flood_close() {
	in_srv nft flush set inet fb open4
	in_srv nft flush set inet sesame door_v4 2>/dev/null
	return 0
}

# Packets the daemon handled as first knocks, from its own log.
_flood_seen() {
	local kind=$1
	if [ "$kind" = sesamed ]; then
		awk '/: stage 1$/ {n++}
		     /knock flood:/ { for (i = 1; i <= NF; i++) if ($i == "\"stage") n += $(i-1) }
		     END {print n + 0}' "$TMP/sesamed.log"
	else
		grep -c ': Stage 1$' "$TMP/knockd.log"
	fi
}

flood_scenario() {
	local kind=$1 conf=$2 count=$3 at=${4:-}
	R_OPEN=never R_SENT_MS= R_MID=no R_RSS0=0 R_RSS1=0 R_CPU_S=0 R_PPS=0 R_SEEN=0 R_ALIVE=no
	R_CLOSED_BEFORE=no
	if [ "$kind" = sesamed ] && grep -q '^[[:space:]]*Open[[:space:]]*=' "$conf"; then
		_flood_guard nft
	else
		_flood_guard cmd
	fi
	if ! _flood_daemon_start "$kind" "$conf"; then
		diag "$kind did not start"; sed 's/^/# /' "$TMP/$kind.log" "$TMP/knockd.out" 2>/dev/null | tail -20
		return 1
	fi
	# Closed before: a probe alone does not open it.
	in_cli "$PROBE_TOOL" -t 300 "$SRV4" 2222 >/dev/null || R_CLOSED_BEFORE=yes
	sleep 0.5
	R_RSS0=$(rss_kb "$R_PID")
	local cpu0; cpu0=$(cpu_ticks "$R_PID")
	# Knock k of K goes k/(K+1) of the way into the flood at the
	# calibrated rate (at least 50 ms in), or at AT seconds (first) and
	# then every AT seconds.
	local nk=${FLOOD_KNOCKS:-1} ptmo=${FLOOD_PROBE_MS:-3000} k
	local -a ats=()
	for ((k = 1; k <= nk; k++)); do
		if [ -n "$at" ]; then
			ats+=("$(awk -v a="$at" -v k="$k" 'BEGIN { printf "%.3f", a * k }')")
		else
			ats+=("$(awk -v n="$count" -v r="${FLOOD_CAL_PPS:-300000}" -v k="$k" -v K="$nk" \
				'BEGIN { t = k / (K + 1) * n / r; if (t < 0.05) t = 0.05; printf "%.3f", t }')")
		fi
	done
	local t_start t_end t_knock
	local -a knock_ns=() opens=() sents=()
	t_start=$(now_ns)
	local rx0; rx0=$(in_srv cat /sys/class/net/br0/statistics/rx_packets)
	( flood_send -p 7001 -s "$count" -n "$count" -r "${FLOOD_RATE:-0}" -t 100 "$FLOOD_DST6" \
		>"$TMP/flood.out" 2>&1
	  now_ns >"$TMP/flood.end" ) &
	local fpid=$!
	: >"$TMP/probe.out"
	for ((k = 0; k < nk; k++)); do
		# Close the port again (the previous knock opened it).
		_flood_close
		local wait_s
		wait_s=$(awk -v s="$t_start" -v n="$(now_ns)" -v a="${ats[k]}" \
			'BEGIN { w = a - (n - s) / 1e9; printf "%.3f", (w > 0 ? w : 0) }')
		sleep "$wait_s"
		t_knock=$(now_ns)
		knock_ns+=("$t_knock")
		# shellcheck disable=SC2086
		in_cli "$PROBE_TOOL" -t "$ptmo" -i 5 "$SRV4" 2222 -- $KNOCKER "$SRV4" 7001 7002 7003 \
			>"$TMP/probe1.out" 2>&1
		cat "$TMP/probe1.out" >>"$TMP/probe.out"
		opens+=("$(sed -n 's/.*open_ms=\([^ ]*\).*/\1/p' "$TMP/probe1.out")")
		[ -n "${opens[k]}" ] || opens[k]=never
		sents+=("$(sed -n 's/.*sent_ms=\([^ ]*\).*/\1/p' "$TMP/probe1.out")")
	done
	wait "$fpid"
	t_end=$(cat "$TMP/flood.end")
	R_OPEN=${opens[0]}
	R_OPENS="${opens[*]}" R_SENTS="${sents[*]}"
	R_SENT_MS=$(sed -n '1s/.*sent_ms=\([^ ]*\).*/\1/p' "$TMP/probe.out")
	R_PPS=$(sed -n 's/.*: \([0-9]*\) pps.*/\1/p' "$TMP/flood.out")
	R_FLOOD_SENT=$(sed -n 's/^flood: sent \([0-9]*\) .*/\1/p' "$TMP/flood.out")
	# Mid-flood: the knock started after the flood did and the port
	# opened before the flood ended.
	R_KNOCKS=$nk R_OPENED=0 R_OPENED_MID=0
	for ((k = 0; k < nk; k++)); do
		[ "${opens[k]}" = never ] && continue
		R_OPENED=$((R_OPENED + 1))
		if awk -v t="${knock_ns[k]}" -v o="${opens[k]}" -v e="$t_end" \
			'BEGIN { exit !(t + o * 1e6 < e) }'; then
			R_OPENED_MID=$((R_OPENED_MID + 1))
			[ "$k" = 0 ] && R_MID=yes
		fi
	done
	t_knock=${knock_ns[0]}
	R_KNOCK_AT_MS=$(( (t_knock - t_start) / 1000000 ))
	R_FLOOD_MS=$(( (t_end - t_start) / 1000000 ))
	# Let the daemon finish what its capture holds and log it: sesamed
	# sums a flood up once a second, knockd logs every first knock.
	# Settled when the count of first knocks seen stops moving (<= 8 s).
	# sesamed's first summary comes with its expiry timer, Seq_Timeout
	# (5 s) after the flood's first packet, even for a shorter flood.
	if [ "$kind" = sesamed ]; then
		sleep "$(awk -v s="$t_start" -v n="$(now_ns)" \
			'BEGIN { w = 6.2 - (n - s) / 1e9; printf "%.3f", (w > 0 ? w : 0) }')"
	fi
	local seen=-1 i
	for i in 1 2 3 4 5 6; do
		sleep 1.3
		R_SEEN=$(_flood_seen "$kind")
		[ "$R_SEEN" = "$seen" ] && break
		seen=$R_SEEN
	done
	R_RSS1=$(rss_kb "$R_PID")
	R_BR0_RX=$(( $(in_srv cat /sys/class/net/br0/statistics/rx_packets) - rx0 ))
	local cpu1; cpu1=$(cpu_ticks "$R_PID")
	local hz; hz=$(getconf CLK_TCK)
	R_CPU_S=$(awk -v a="$cpu0" -v b="$cpu1" -v hz="$hz" 'BEGIN { printf "%.2f", (b - a) / hz }')
	kill -0 "$R_PID" 2>/dev/null && R_ALIVE=yes
	_flood_daemon_stop
	diag "$kind: $(cat "$TMP/flood.out"); first knock at ${R_KNOCK_AT_MS} ms of ${R_FLOOD_MS} ms;" \
		"opened ${R_OPENED}/${R_KNOCKS} (${R_OPENED_MID} during the flood): $(tr '\n' ' ' <"$TMP/probe.out")"
	diag "$kind: RSS ${R_RSS0} -> ${R_RSS1} KiB, CPU ${R_CPU_S} s, br0 received ${R_BR0_RX}, first knocks seen ${R_SEEN}"
	return 0
}
