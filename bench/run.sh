#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench/run.sh — `make bench`: sesame side by side with Debian's knockd and
# fwknopd, one table.  BENCH_QUICK=1 is the short run (< 3 min).
#
# Each scenario runs as its own process (`run.sh --scenario NAME RESULTS`)
# with its own namespaces from tests/e2e/lib.sh, bounded by `timeout`; it
# appends "key<TAB>value" lines to RESULTS.  The parent then prints one
# table (a row per figure, a column per system, the sesame/peer ratio) and
# writes it to bench/results/latest.md.  Installs nothing: a missing tool
# is reported with "run make deps".  docs/benchmarks.md explains every
# figure and how it is measured.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
QUICK=${BENCH_QUICK:-0}

ROUNDS=${BENCH_ROUNDS:-$([ "$QUICK" = 1 ] && echo 20 || echo 100)}

# --- scenarios (each in its own process and namespaces) -------------------

# knock -> open: sesamed with the nft gate, sesamed with a command door,
# knockd with the same command; the same client (sesame knock) for all.
scenario_knock() {
	ns_setup
	tcp_service $GUARD
	client_sources
	local knock=("$SESAME" knock "$SRV4" "${KNOCK_PORTS[@]}")
	local filter="tcp dst port ${KNOCK_PORTS[2]}"

	conf_sesamed_gate "$TMP/gate.conf"
	start_sesamed gate "$TMP/gate.conf" || return 1
	lat_rounds gate "$ROUNDS" next_source $GUARD "$filter" -- "${knock[@]}"
	stop_pid "$DPID"
	in_srv nft delete table inet sbench
	lat_put knock.sesame_gate gate

	bk_table
	conf_sesamed_cmd "$TMP/cmd.conf"
	start_sesamed cmd "$TMP/cmd.conf" || return 1
	lat_rounds cmd "$ROUNDS" next_source $GUARD "$filter" -- "${knock[@]}"
	stop_pid "$DPID"
	lat_put knock.sesame_cmd cmd
	in_srv nft flush set inet bk open4

	conf_knockd "$TMP/knockd.conf"
	start_knockd "$TMP/knockd.conf" || return 1
	lat_rounds knockd "$ROUNDS" next_source $GUARD "$filter" -- "${knock[@]}"
	stop_pid "$DPID"
	lat_put knock.knockd knockd
}

# The SPA doors of sesamed (native and fwknop format) and Debian's fwknopd
# with its default config (pcap, iptables backend), all guarding 2222.
FWK_KEY=mVJEAbhGSj8tOMxAjZMD2MpHqh3eHkfimQjkqD85wHY=
FWK_HMAC=6uNp7CFrjEbLpi+aKjtHkoUE0U4Hok9Sck1Y/lxoHJIxzPH5wFPfTiLK6qggdsVD+AZhW7IByFz3IrxKDXI9IQ==
conf_sesamed_spa() {  # FILE FORMAT [REPLAY_CACHE]
	cat >"$1" <<EOF
[options]
	StateDir      = $TMP/state
	ReplayCache   = ${3:-$TMP/replay.$2}
	ControlSocket = $TMP/control
	NftTable      = sbench
[spa]
	SPA_Port     = 62201
	SPA_Format   = $2
	Open         = $GUARD/tcp
	Open_Timeout = 60
EOF
	if [ "$2" = sesame ]; then
		printf '\tSPA_Keys     = %s\n' "$TMP/spa_keys" >>"$1"
	else
		printf '\tFwknop_Key_Base64 = %s\n\tFwknop_HMAC_Key_Base64 = %s\n' \
			"$FWK_KEY" "$FWK_HMAC" >>"$1"
	fi
}

# fwknopd_start_bench DIR [EXTRA_CONF_LINE...]: Debian's fwknopd, its
# defaults but for the paths; sets DPID and FWKD_LOG.
fwknopd_start_bench() {
	local dir=$1
	mkdir -p "$dir/run"; chmod 700 "$dir"
	{
		echo "PCAP_INTF $SRV_IF"
		echo "FWKNOP_RUN_DIR $dir/run"
		echo "FWKNOP_PID_FILE $dir/run/fwknopd.pid"
		echo "DIGEST_FILE $dir/run/digest.cache"
		echo "FIREWALL_EXE $(command -v iptables)"
		[ $# -gt 1 ] && printf '%s\n' "${@:2}"
	} >"$dir/fwknopd.conf"
	printf 'SOURCE ANY\nKEY_BASE64 %s\nHMAC_KEY_BASE64 %s\nFW_ACCESS_TIMEOUT 60\n' \
		"$FWK_KEY" "$FWK_HMAC" >"$dir/access.conf"
	chmod 600 "$dir/fwknopd.conf" "$dir/access.conf"
	FWKD_LOG=$dir/fwknopd.log
	ip netns exec "$SRV_NS" "${PRIO[@]}" fwknopd -f -v -i "$SRV_IF" -c "$dir/fwknopd.conf" \
		-a "$dir/access.conf" -p "$dir/run/fwknopd.pid" -d "$dir/run/digest.cache" \
		-r "$dir/run" >"$FWKD_LOG" 2>&1 &
	DPID=$!
	disown "$DPID"
	wait_until 10 grep -q "Starting fwknopd main event loop" "$FWKD_LOG" 2>/dev/null ||
		{ diag "fwknopd did not start: $(tail -n 3 "$FWKD_LOG")"; return 1; }
}

fwknop_client() {
	fwknop --rc-file "$TMP/fwknoprc" --no-save-args -A "tcp/$GUARD" -D "$SRV4" -s \
		--use-hmac --key-base64-rijndael "$FWK_KEY" --key-base64-hmac "$FWK_HMAC" "$@"
}

scenario_spa() {
	ns_setup
	tcp_service $GUARD
	client_sources
	local filter="udp dst port 62201" fmt
	: >"$TMP/fwknoprc"; chmod 600 "$TMP/fwknoprc"
	export -f fwknop_client; export TMP GUARD SRV4 FWK_KEY FWK_HMAC
	HOME=$TMP "$SESAME" keygen --name bench -o "$TMP/client.key" 2>/dev/null |
		grep -v '^$' | head -n 1 >"$TMP/spa_keys"
	chmod 600 "$TMP/spa_keys"
	# sesame_shm: native again, the replay cache on tmpfs (/dev/shm): the
	# same work but for the cache's writes to a disk.  In a directory of
	# its own: sesamed refuses a cache in one that others may write to.
	local shm=
	for fmt in sesame fwknop sesame_shm; do
		if [ $fmt = sesame_shm ]; then
			[ -d /dev/shm ] && tmp_dir_in /dev/shm shm || continue
			conf_sesamed_spa "$TMP/spa_$fmt.conf" sesame "$shm/replay"
		else
			conf_sesamed_spa "$TMP/spa_$fmt.conf" "$fmt"
		fi
		if ! in_srv "$SESAMED" -t -c "$TMP/spa_$fmt.conf" >"$TMP/spa_$fmt.check" 2>&1; then
			diag "sesamed refuses the $fmt SPA door: $(head -n 1 "$TMP/spa_$fmt.check")"
			put "spa.sesame_$fmt.na" "config refused"
			continue
		fi
		start_sesamed "spa_$fmt" "$TMP/spa_$fmt.conf" ||
			{ put "spa.sesame_$fmt.na" "did not start"; continue; }
		if [ "$fmt" != fwknop ]; then
			lat_rounds "spa_$fmt" "$ROUNDS" next_source_spa $GUARD "$filter" -- \
				"$SESAME" spa "$SRV4" --key "$TMP/client.key" --open "tcp/$GUARD"
		else
			lat_rounds "spa_$fmt" "$ROUNDS" next_source_spa $GUARD "$filter" -- \
				bash -c fwknop_client
		fi
		stop_pid "$DPID"
		in_srv nft delete table inet sbench 2>/dev/null
		if [ ! -s "$TMP/spa_$fmt.lat" ]; then
			diag "sesamed ($fmt SPA door) opened nothing: $(grep -v -E 'capturing on|gate:' \
				"$TMP/spa_$fmt.log" | tail -n 2 | tr '\n' ' ')"
			put "spa.sesame_$fmt.na" "opened nothing"
			continue
		fi
		lat_put "spa.sesame_$fmt" "spa_$fmt"
	done
	# fwknopd, Debian defaults (pcap, PCAP_LOOP_SLEEP 100 ms), iptables.
	firewall_iptables <<IPT
*filter
:INPUT ACCEPT [0:0]
-A INPUT -p tcp --dport $GUARD -j DROP
-A INPUT -p udp --dport 62201 -j DROP
COMMIT
IPT
	fwknopd_start_bench "$TMP/fwknopd" || return 1
	lat_rounds fwknopd "$ROUNDS" next_source $GUARD "$filter" -- bash -c fwknop_client
	stop_pid "$DPID"
	lat_put spa.fwknopd fwknopd
}

# Background rate: noise (random spoofed sources, ports, TCP/UDP: bench/
# flood -N) from a third host at rising rates; at each level K real knocks
# (sesame knock, each from a new address) must open 2222 within 1 s.  The
# rate is what the server's br0 received (its rx_packets counter) over the
# level, not what the sender claims.  The highest level with every knock
# opened is the figure; levels stop at the first with a knock lost.
# BG_SENDERS flood processes share the rate, each pinned to its own core
# (taskset) when there are that many: one sender alone stops near the
# rate one core can write.
BG_SENDERS=${BENCH_BG_SENDERS:-2}
bg_level() {  # RATE SECS K -> prints "rx_pps opened"
	local rate=$1 secs=$2 k=$3 rx0 rx1 t0 t1 fpids=() opened=0 j pin
	rx0=$(in_srv cat /sys/class/net/$SRV_IF/statistics/rx_packets)
	t0=$(date +%s%N)
	: >"$TMP/flood.out"
	for ((j = 0; j < BG_SENDERS; j++)); do
		pin=()
		[ "$(nproc)" -ge "$BG_SENDERS" ] && [ "$BG_SENDERS" -gt 1 ] && pin=(taskset -c "$j")
		ip netns exec "$flood_NS" "${pin[@]}" "$BIN/bench/flood" -i eth0 -m "$SRV_MAC" -N \
			-n 20000000 -t "$secs" -r $((rate / BG_SENDERS)) "$SRV4" >>"$TMP/flood.out" 2>&1 &
		fpids+=($!)
	done
	sleep 0.3
	for ((j = 0; j < k; j++)); do
		next_source $((BG_SRC++))
		in_cli "$POLL_OPEN" -i 500 -t 1000 "$SRV4" $GUARD -- \
			"$SESAME" knock "$SRV4" "${KNOCK_PORTS[@]}" >>"$TMP/bg.polls" 2>&1 && opened=$((opened + 1))
	done
	wait "${fpids[@]}"
	t1=$(date +%s%N)
	rx1=$(in_srv cat /sys/class/net/$SRV_IF/statistics/rx_packets)
	echo "$(( (rx1 - rx0) * 1000000000 / (t1 - t0) )) $opened"
}

scenario_background() {
	local secs k levels kind rate rx opened best best_rx
	secs=$([ "$QUICK" = 1 ] && echo 2 || echo 4)
	k=$([ "$QUICK" = 1 ] && echo 3 || echo 6)
	levels=$([ "$QUICK" = 1 ] && echo "100000 0" || echo "50000 100000 200000 400000 800000 0")
	ns_setup
	ns_add_host flood 4
	tcp_service $GUARD
	client_sources
	SRV_MAC=$(ip -n "$SRV_NS" -br link show "$SRV_IF" | awk '{print $3}')
	BG_SRC=0
	for kind in sesame knockd; do
		if [ $kind = sesame ]; then
			conf_sesamed_gate "$TMP/gate.conf"
			start_sesamed gate "$TMP/gate.conf" || return 1
		else
			in_srv nft delete table inet sbench 2>/dev/null
			bk_table
			# The same firewall shape as sesamed's gate, whose
			# `ct state` rule turns conntrack on: every spoofed
			# packet then costs the receive path (run in the
			# sender's context here) a conntrack entry.  Without
			# it, the knockd run would be measured on a cheaper
			# kernel path.  BENCH_BG_CT=0 leaves it out.
			[ "${BENCH_BG_CT:-1}" = 1 ] &&
				in_srv nft insert rule inet bk input ct state established,related accept
			conf_knockd "$TMP/knockd.conf"
			start_knockd "$TMP/knockd.conf" || return 1
		fi
		best=none best_rx=0
		for rate in $levels; do
			read -r rx opened < <(bg_level "$rate" "$secs" "$k")
			diag "background $kind: offered $([ "$rate" = 0 ] && echo max || echo "$rate") pps," \
				"br0 received $rx pps, $opened/$k knocks opened;" \
				"$(sed -n 's/^flood: //p' "$TMP/flood.out" | tr '\n' ' ')"
			[ "$opened" = "$k" ] || break
			[ "$rx" -gt "$best_rx" ] && best_rx=$rx best=$rate
		done
		put bg.senders "$BG_SENDERS"
		put bg.ct "${BENCH_BG_CT:-1}"
		put "bg.$kind.pps" "$best_rx"
		put "bg.$kind.lost_at" "$([ "$opened" = "$k" ] && echo none || echo "$rx")"
		put "bg.$kind.cpu_s" "$(awk -v t="$(cpu_ticks "$DPID")" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", t / hz }')"
		kill -0 "$DPID" 2>/dev/null || diag "$kind died"
		stop_pid "$DPID"
	done
}

# Spoofed first-knock flood: bench/flood_knock.sh (the flood helper's
# benchmark, its own namespaces), its table read back into results.
scenario_flood() {
	if [ ! -x "$ROOT/bench/flood_knock.sh" ]; then
		put flood.na "bench/flood_knock.sh missing"; return 0
	fi
	"$ROOT/bench/flood_knock.sh" >"$TMP/flood.out" 2>&1
	local rc=$?
	grep '^#' "$TMP/flood.out" | grep -v 'log:' | sed 's/^# /# flood: /'
	[ $rc = 0 ] || { diag "flood_knock.sh exit $rc: $(tail -n 2 "$TMP/flood.out")"; return 1; }
	# cell LABEL HEADER: the cell of row LABEL under the column whose
	# header starts with HEADER.
	cell() {
		awk -F'|' -v l="$1" -v h="$2" '
			function trim(x) { gsub(/^ +| +$/, "", x); return x }
			trim($2) == "figure" { for (i = 3; i < NF; i++) if (index(trim($i), h) == 1 && !col) col = i; next }
			col && trim($2) == l { print trim($col); exit }' "$TMP/flood.out"
	}
	put flood.count "$(sed -n 's/^Flood: \([0-9]*\) spoofed.*/\1/p' "$TMP/flood.out")"
	local c kind
	# The nft gate's column when there is one, else sesamed's only one.
	local sh="sesamed (nft gate)"
	grep -q "| $sh" "$TMP/flood.out" || sh=sesamed
	for c in "$sh" "knockd"; do
		kind=$([ "$c" = knockd ] && echo knockd || echo sesame)
		put "flood.$kind.opened" "$(cell "real knocks that opened 2222" "$c")"
		put "flood.$kind.during" "$(cell "... and while the flood still ran" "$c")"
		put "flood.$kind.opens" "$(cell "knock -> open, each knock (ms)" "$c")"
		put "flood.$kind.rss_growth" "$(cell "RSS growth" "$c" | sed 's/ KiB$//')"
		put "flood.$kind.cpu_s" "$(cell "CPU s (utime+stime)" "$c")"
		put "flood.$kind.cpu_pkt" "$(cell "CPU per flood packet" "$c")"
		put "flood.$kind.pps" "$(cell "flood rate (pps, sender)" "$c")"
	done
}

# SPA packets processed per second.  fwknopd: one valid packet (it opens),
# then that same packet replayed from the client for SPA_RATE_S seconds at
# the highest rate udp_burst reaches; processed = fwknopd's own "Replay
# detected" log lines, over the time from the first replay sent to the
# last line logged.  Debian's defaults, then "tuned" (PCAP_LOOP_SLEEP 1 ms).
# sesame: bench/spa_rate, the verification pipeline in process (sesamed
# itself when it dispatches SPA doors: see docs/benchmarks.md).
count_lines() { grep -c "$2" "$1" 2>/dev/null || true; }

# sesamed end to end, when it has SPA doors: its own counters, logged at
# exit ("spa counters: N seen, .. replayed, .. rejected; capture: F
# frames, D kernel drops").  A valid packet, then the same one replayed
# for SECS seconds; then SECS seconds of 128 random bytes.  Processed/s =
# seen over the sending time; kernel drops say whether it kept up (0: the
# sender, not sesamed, was the limit); per CPU-second = seen / its CPU time.
sparate_sesamed() {
	local secs=$1 kind pay cpu0 cpu1 t0 t1 seen drops hz
	hz=$(getconf CLK_TCK)
	HOME=$TMP "$SESAME" keygen --name bench -o "$TMP/client.key" 2>/dev/null |
		grep -v '^$' | head -n 1 >"$TMP/spa_keys"
	chmod 600 "$TMP/spa_keys"
	for kind in replayed garbage; do
		conf_sesamed_spa "$TMP/rate.conf" sesame "$TMP/replay.rate.$kind"
		start_sesamed "rate_$kind" "$TMP/rate.conf" || return 0
		if [ $kind = replayed ]; then
			# The datagram is binary: taken from a capture, as hex.
			ip netns exec "$SRV_NS" tcpdump -i "$SRV_IF" -U -n -c 1 -w "$TMP/one.pcap" \
				'udp dst port 62201' >"$TMP/one.log" 2>&1 &
			local tpid=$!
			wait_until 5 grep -q "listening on" "$TMP/one.log"
			in_cli "$SESAME" spa "$SRV4" --key "$TMP/client.key" --open "tcp/$GUARD" >/dev/null 2>&1
			wait_until 3 not kill -0 "$tpid" 2>/dev/null; kill "$tpid" 2>/dev/null
			# IPv4 (20 bytes, no options) and UDP (8) headers: 56 hex digits.
			tcpdump -r "$TMP/one.pcap" -x -n 2>/dev/null |
				awk '/^[[:space:]]*0x/ { for (i = 2; i <= NF; i++) h = h $i } END { print substr(h, 57) }' \
				>"$TMP/pkt_sesame"
			if [ ! -s "$TMP/pkt_sesame" ]; then
				put sparate.sesame.na "no packet to replay"; stop_pid "$DPID"; return 0
			fi
			pay=(-x "$(cat "$TMP/pkt_sesame")")
		else
			pay=(-g 128)
		fi
		sleep 0.2
		cpu0=$(cpu_ticks "$DPID") t0=$(date +%s%N)
		in_cli "$BIN/bench/udp_burst" -n 5000000 -t "$secs" "${pay[@]}" "$SRV4" 62201 \
			>"$TMP/burst_s_$kind.out" 2>&1
		t1=$(date +%s%N)
		sleep 0.5
		cpu1=$(cpu_ticks "$DPID")
		stop_pid "$DPID"
		read -r seen drops < <(sed -n 's/.*spa counters: \([0-9]*\) seen.* \([0-9]*\) kernel drops.*/\1 \2/p' \
			"$TMP/rate_$kind.log" | tail -n 1)
		if [ -z "$seen" ]; then
			put "sparate.sesame.na" "no counters in sesamed's log"; return 0
		fi
		put "sparate.sesame.$kind" "$(( seen * 1000000000 / (t1 - t0) ))"
		put "sparate.sesame.$kind.drops" "$drops"
		put "sparate.sesame.$kind.per_cpu" \
			"$(awk -v n="$seen" -v c="$((cpu1 - cpu0))" -v hz="$hz" 'BEGIN { if (c > 0) printf "%.0f", n * hz / c; else print "-" }')"
		diag "sesamed $kind: $seen seen, $drops kernel drops, CPU $((cpu1 - cpu0)) ticks;" \
			"$(cat "$TMP/burst_s_$kind.out")"
	done
}
scenario_sparate() {
	local secs variant n0 n t0 tl last i
	secs=$([ "$QUICK" = 1 ] && echo 1 || echo 3)
	"$BIN/bench/spa_rate" 1 >"$TMP/spa_rate.out" 2>&1 ||
		diag "spa_rate failed: $(tail -n 2 "$TMP/spa_rate.out")"
	put sparate.sesame_inproc.replayed "$(awk '$1 == "replayed" {print $2}' "$TMP/spa_rate.out")"
	put sparate.sesame_inproc.garbage "$(awk '$1 == "garbage-128" {print $2}' "$TMP/spa_rate.out")"
	put sparate.sesame_inproc.forged "$(awk '$1 == "forged-keyid" {print $2}' "$TMP/spa_rate.out")"
	ns_setup
	firewall_iptables <<IPT
*filter
:INPUT ACCEPT [0:0]
-A INPUT -p tcp --dport $GUARD -j DROP
-A INPUT -p udp --dport 62201 -j DROP
COMMIT
IPT
	: >"$TMP/fwknoprc"; chmod 600 "$TMP/fwknoprc"
	export -f fwknop_client; export TMP GUARD SRV4 FWK_KEY FWK_HMAC
	sparate_sesamed "$secs"
	# The gate's table stays when sesamed stops (it fails closed): take it
	# away, so that fwknopd's host has no conntrack rule sesamed's had not.
	in_srv nft delete table inet sbench 2>/dev/null
	for variant in default tuned; do
		if [ $variant = default ]; then
			fwknopd_start_bench "$TMP/fwk_$variant" || return 1
		else
			fwknopd_start_bench "$TMP/fwk_$variant" "PCAP_LOOP_SLEEP 1000" || return 1
		fi
		in_cli bash -c 'fwknop_client "$@"' _ -B "$TMP/pkt_$variant" >/dev/null 2>&1
		wait_until 5 grep -q "Added access rule" "$FWKD_LOG" ||
			diag "fwknopd ($variant) did not accept the first packet: $(tail -n 2 "$FWKD_LOG" | tr '\n' ' ')"
		n0=$(count_lines "$FWKD_LOG" "Replay detected")
		t0=$(date +%s%N)
		in_cli "$BIN/bench/udp_burst" -n 5000000 -t "$secs" -f "$TMP/pkt_$variant" \
			"$SRV4" 62201 >"$TMP/burst_$variant.out" 2>&1
		# Until its log stops growing for 1.5 s (at most 20 s).
		last=-1 tl=$t0
		for ((i = 0; i < 100; i++)); do
			n=$(count_lines "$FWKD_LOG" "Replay detected")
			if [ "$n" != "$last" ]; then last=$n tl=$(date +%s%N) i=0
			elif [ $(( $(date +%s%N) - tl )) -gt 1500000000 ]; then break; fi
			sleep 0.2
		done
		n=$((last - n0))
		put "sparate.fwknopd_$variant.replayed" \
			"$(awk -v n="$n" -v t="$((tl - t0))" 'BEGIN { printf "%.0f", n / (t / 1e9) }')"
		diag "fwknopd ($variant): $n replays logged in $(( (tl - t0) / 1000000 )) ms;" \
			"$(cat "$TMP/burst_$variant.out")"
		stop_pid "$DPID"
	done
}

# Idle: every daemon with its benchmark config, started, settled 2 s, then
# RSS (VmRSS) and CPU (utime+stime) over IDLE_S seconds with no traffic.
scenario_idle() {
	local idle
	idle=$([ "$QUICK" = 1 ] && echo 3 || echo 10)
	ns_setup
	bk_table
	conf_sesamed_gate "$TMP/gate.conf"
	# Idle with both kinds of door: the knock door and an SPA door.
	HOME=$TMP "$SESAME" keygen --name idle -o "$TMP/idle.key" >"$TMP/idle.keys" 2>/dev/null
	chmod 600 "$TMP/idle.keys"
	printf '[spa]\n\tSPA_Port = 62201\n\tSPA_Keys = %s\n\tOpen = %s/tcp\n' \
		"$TMP/idle.keys" "$GUARD" >>"$TMP/gate.conf"
	printf '[options]\n\tReplayCache = %s\n' "$TMP/idle.replay" | cat - "$TMP/gate.conf" >"$TMP/gate2.conf"
	conf_knockd "$TMP/knockd.conf"
	start_sesamed gate "$TMP/gate2.conf" || return 1
	local p_s=$DPID
	start_knockd "$TMP/knockd.conf" || return 1
	local p_k=$DPID
	fwknopd_start_bench "$TMP/fwknopd" || return 1
	local p_f=$DPID
	sleep 2
	local hz k name p c0 w0
	hz=$(getconf CLK_TCK)
	declare -A C0 W0
	for p in $p_s $p_k $p_f; do
		C0[$p]=$(cpu_ticks "$p")
		W0[$p]=$(awk '/^voluntary_ctxt_switches/ {print $2}' "/proc/$p/status")
	done
	sleep "$idle"
	put idle.seconds "$idle"
	for k in sesame:$p_s knockd:$p_k fwknopd:$p_f; do
		IFS=: read -r name p <<<"$k"
		c0=${C0[$p]} w0=${W0[$p]}
		put "idle.$name.rss_kb" "$(rss_kb "$p")"
		put "idle.$name.pss_kb" "$(pss_kb "$p")"
		# PSS moves with whatever else maps the same libraries; this
		# does not (bench/own_kb.c).
		put "idle.$name.own_kb" "$("$BIN/bench/own_kb" $(_daemon_pids "$p") 2>/dev/null || echo -)"
		put "idle.$name.cpu_ms" "$(( ($(cpu_ticks "$p") - c0) * 1000 / hz ))"
		# Wakeups over the window tell a sleeping daemon from a polling one.
		put "idle.$name.wakeups" "$(( $(awk '/^voluntary_ctxt_switches/ {print $2}' "/proc/$p/status") - w0 ))"
	done
	# sesamed is two processes: each one's share as well.
	local w; w=$(pgrep -P "$p_s" -x sesamed | head -n 1)
	put idle.sesame.parent "$(rss1 "$p_s") $(pss1 "$p_s")"
	put idle.sesame.worker "$(rss1 "$w") $(pss1 "$w")"
	diag "idle ${idle}s: $(grep '^idle' "$BENCH_RESULTS" | tr '\t\n' '= ')"
}

# Scale curves: bench/scale.sh (its own namespaces), its table and
# scale.png next to this table; a few of its figures come back as rows.
scenario_scale() {
	SCALE_OUT=$BENCH_SCALE_OUT "$ROOT/bench/scale.sh" >"$TMP/scale.out" 2>&1
	local rc=$?
	grep '^scale: ' "$TMP/scale.out" | sed 's/^/# /'
	[ $rc = 0 ] || { diag "scale.sh exit $rc: $(tail -n 2 "$TMP/scale.out")"; return 1; }
	local tsv=${BENCH_SCALE_OUT%.md}.tsv
	pick() { awk -F'\t' -v p="$1" -v n="$2" '$1 == p && $2 == n { print $3 }' "$tsv"; }
	put scale.doors "$(pick doors 1) / $(pick doors 100) / $(pick doors 1000)"
	put scale.attempts "$(pick attempts 0) / $(pick attempts 1000) / $(pick attempts 1000000)"
	put scale.keys "$(pick keys 1) / $(pick keys 10000)"
	put scale.grants "$(pick grants 10) / $(pick grants 100000)"
}

if [ "${1:-}" = --scenario ]; then
	BENCH_SCENARIO=$2 BENCH_RESULTS=$3
	. "$ROOT/tests/e2e/lib.sh"
	. "$ROOT/bench/lib_bench.sh"
	"scenario_$BENCH_SCENARIO"
	exit $?
fi

# --- the parent ----------------------------------------------------------
SESAME_BUILD=${SESAME_BUILD:-build}
case $SESAME_BUILD in /*) BIN=$SESAME_BUILD ;; *) BIN=$ROOT/$SESAME_BUILD ;; esac
export SESAME_BUILD

[ "$(id -u)" = 0 ] || { echo "bench: needs root (network namespaces); try sudo make bench" >&2; exit 1; }
missing=
for t in knockd fwknopd fwknop tcpdump nft iptables; do
	command -v "$t" >/dev/null || missing="$missing $t"
done
if [ -n "$missing" ]; then
	echo "bench: missing:$missing — run 'make deps' first (make bench installs nothing)" >&2
	exit 1
fi
for b in sesamed sesame bench/poll_open bench/udp_burst bench/flood bench/spa_rate bench/own_kb; do
	[ -x "$BIN/$b" ] || { echo "bench: $BIN/$b missing (make all)" >&2; exit 1; }
done

OUT=${BENCH_OUT:-$ROOT/bench/results/latest.md}
# bench/scale.sh writes its table and scale.png next to ours.
export BENCH_SCALE_OUT=$(dirname "$OUT")/scale.md
RES=$(mktemp /tmp/sesame-bench.XXXXXX)
trap 'rm -rf "$RES" "$RES".*' EXIT
# Every latency sample is kept for the plot (in BENCH_KEEP when given).
export BENCH_KEEP=${BENCH_KEEP:-$RES.keep}
mkdir -p "$BENCH_KEEP"
T0=$(date +%s)

# run NAME LIMIT_S: one scenario, bounded; its comment lines go to stderr.
# BENCH_ONLY="knock idle" runs only those.
run() {
	local name=$1 limit=$2 t rc
	t=$(date +%s)
	case " ${BENCH_ONLY:-$name} " in *" $name "*) ;; *) return 0 ;; esac
	printf 'bench: %-10s ' "$name" >&2
	timeout --kill-after=10 "$limit" "$0" --scenario "$name" "$RES" >"$RES.$name.log" 2>&1
	rc=$?
	printf '%3ds%s\n' $(( $(date +%s) - t )) \
		"$([ $rc = 0 ] || echo " (exit $rc$([ $rc = 124 ] && echo ": timed out after ${limit}s"))")" >&2
	grep '^#' "$RES.$name.log" | sed "s/^# /    /" >&2
	[ $rc = 0 ] || tail -n 5 "$RES.$name.log" | grep -v '^#' | sed 's/^/    | /' >&2
	rm -f "$RES.$name.log"
}

if [ "$QUICK" = 1 ]; then
	run knock 45
	run spa 45
	run background 30
	run flood 60
	run sparate 25
	run idle 20
	run scale 180
else
	run knock 180
	run spa 240
	run background 150
	run flood 300
	run sparate 60
	run idle 40
	run scale 420
fi

# --- the table -------------------------------------------------------------
declare -A V
while IFS=$'\t' read -r k v; do V[$k]=$v; done <"$RES"
g() { local v=${V[$1]:-}; [ -n "$v" ] && [ "$v" != - ] && echo "$v" || echo "–"; }
# ratio A B: A/B to 3 significant digits, – when either is missing or B is 0.
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		if (a !~ /^[0-9.]+$/ || b !~ /^[0-9.]+$/ || b + 0 == 0) { print "–"; exit }
		r = a / b; printf (r >= 100 ? "%.0f" : r >= 10 ? "%.1f" : r >= 1 ? "%.2f" : "%.3f"), r }'
}
na() {  # KEY_PREFIX: the value of KEY, or "n/a (reason)"
	local r=${V[$1.na]:-}
	[ -n "$r" ] && echo "n/a ($r)" || g "$2"
}
lat() {  # KEY STAT: value with the misses when any
	local v; v=$(na "$1" "$1.$2")
	local m=${V[$1.miss]:-0}
	[ "$m" != 0 ] && [ -n "${V[$1.n]:-}" ] && v="$v ($m of $(( ${V[$1.n]} + m )) lost)"
	echo "$v"
}
kib() { [ "$1" = – ] && echo – || awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }
kib2() { [ "$1" = – ] && echo – || awk -v r="${1% *}" -v p="${1#* }" 'BEGIN { printf "%.1f / %.1f MiB", r / 1024, p / 1024 }'; }
row() { printf '| %s | %s | %s | %s | %s |\n' "$@"; }

table() {
	local fk=${V[sparate.fwknopd_default.replayed]:-} ft=${V[sparate.fwknopd_tuned.replayed]:-}
	echo "| figure | sesame | knockd (Debian) | fwknopd (Debian) | sesame/peer |"
	echo "|---|---|---|---|---|"
	local s k f
	for st in median p99; do
		s=$(lat knock.sesame_gate $st) k=$(lat knock.knockd $st)
		row "knock → open, $st (ms), sesame: nft gate" "$s" "$k" – "$(ratio "$s" "$k")"
	done
	for st in median p99; do
		s=$(lat knock.sesame_cmd $st) k=$(lat knock.knockd $st)
		row "knock → open, $st (ms), both: command door (nft add element)" "$s" "$k" – "$(ratio "$s" "$k")"
	done
	for st in median p99; do
		s=$(lat spa.sesame_sesame $st) f=$(lat spa.fwknopd $st)
		row "SPA → open, $st (ms), sesame native" "$s" – "$f" "$(ratio "$s" "$f")"
	done
	for st in median p99; do
		s=$(lat spa.sesame_sesame_shm $st) f=$(lat spa.fwknopd $st)
		row "SPA → open, $st (ms), sesame native, ReplayCache on tmpfs" "$s" – "$f" "$(ratio "$s" "$f")"
	done
	for st in median p99; do
		s=$(lat spa.sesame_fwknop $st) f=$(lat spa.fwknopd $st)
		row "SPA → open, $st (ms), fwknop format (Debian fwknop client)" "$s" – "$f" "$(ratio "$s" "$f")"
	done
	# A daemon that lost no knock even at the sender's top rate has a
	# limit above it: "≥", and no ratio between two lower bounds.
	s=$(g bg.sesame.pps) k=$(g bg.knockd.pps)
	local sl kl r
	sl=$(g bg.sesame.lost_at) kl=$(g bg.knockd.lost_at)
	r=$(ratio "$s" "$k")
	[ "$sl" = none ] && [ "$kl" = none ] && r="– (both ≥)"
	row "background noise (pps at br0, $(g bg.senders) senders$([ "$(g bg.ct)" = 0 ] && echo ", knockd without conntrack")) with 100% of knocks opened" \
		"$([ "$sl" = none ] && echo "≥ $s (none lost)" || echo "$s (lost at $sl)")" \
		"$([ "$kl" = none ] && echo "≥ $k (none lost)" || echo "$k (lost at $kl)")" – "$r"
	fl() {  # KIND: "opened/knocks (during the flood): each knock's ms"
		[ "$(g "flood.$1.opened")" = – ] && { echo –; return; }
		echo "$(g "flood.$1.opened") ($(g "flood.$1.during") during the flood): $(g "flood.$1.opens") ms"
	}
	row "spoofed first-knock flood, $(g flood.count) sources (~$(g flood.sesame.pps) / $(g flood.knockd.pps) pps; sesame: nft gate): real knocks opened, knock → open" \
		"$(fl sesame)" "$(fl knockd)" – –
	row "... RSS growth during the flood (KiB)" "$(g flood.sesame.rss_growth)" "$(g flood.knockd.rss_growth)" – –
	s=$(g flood.sesame.cpu_s) k=$(g flood.knockd.cpu_s)
	row "... daemon CPU (s; per flood packet)" "$s; $(g flood.sesame.cpu_pkt)" "$k; $(g flood.knockd.cpu_pkt)" – "$(ratio "$s" "$k")"
	spr() {  # KIND: sesamed's own counters, or why not
		local r=${V[sparate.sesame.na]:-}
		[ -n "$r" ] && { echo "n/a ($r)"; return; }
		[ "$(g "sparate.sesame.$1")" = – ] && { echo –; return; }
		local d; d=$(g "sparate.sesame.$1.drops")
		echo "$(g "sparate.sesame.$1") ($([ "$d" = 0 ] && echo "0 kernel drops: the sender's limit" ||
			echo "$d kernel drops")); $(g "sparate.sesame.$1.per_cpu") per CPU-second"
	}
	s=$(g sparate.sesame.replayed)
	local ge=""
	[ "$(g sparate.sesame.replayed.drops)" = 0 ] && ge="≥ "
	row "replayed SPA packets processed per second (daemons' own counters)" "$(spr replayed)" – \
		"${fk:-–} (default), ${ft:-–} (PCAP_LOOP_SLEEP 1 ms)" \
		"$ge$(ratio "$s" "$fk") / $ge$(ratio "$s" "$ft")"
	row "garbage SPA packets (128 random bytes) processed per second" "$(spr garbage)" – – –
	row "... verification alone, in process (bench/spa_rate, one core): replayed; garbage" \
		"$(g sparate.sesame_inproc.replayed); $(g sparate.sesame_inproc.garbage)" – – –
	s=$(g idle.sesame.rss_kb) k=$(g idle.knockd.rss_kb) f=$(g idle.fwknopd.rss_kb)
	row "idle RSS (sesamed: parent + worker)" "$(kib "$s")" "$(kib "$k")" "$(kib "$f")" "$(ratio "$s" "$k") / $(ratio "$s" "$f")"
	s=$(g idle.sesame.pss_kb) k=$(g idle.knockd.pss_kb) f=$(g idle.fwknopd.pss_kb)
	row "idle PSS (shared pages divided among their users)" "$(kib "$s")" "$(kib "$k")" "$(kib "$f")" "$(ratio "$s" "$k") / $(ratio "$s" "$f")"
	s=$(g idle.sesame.own_kb) k=$(g idle.knockd.own_kb) f=$(g idle.fwknopd.own_kb)
	row "idle memory no other process maps (what exiting frees)" "$(kib "$s")" "$(kib "$k")" "$(kib "$f")" "$(ratio "$s" "$k") / $(ratio "$s" "$f")"
	row "... sesamed's parent; worker (RSS / PSS)" \
		"$(kib2 "$(g idle.sesame.parent)"); $(kib2 "$(g idle.sesame.worker)")" – – –
	s=$(g idle.sesame.cpu_ms) k=$(g idle.knockd.cpu_ms) f=$(g idle.fwknopd.cpu_ms)
	row "scale, in process: CPU per knock packet with 1 / 100 / 1,000 doors (ns)" "$(g scale.doors)" – – –
	row "... with 0 / 1,000 / 1,000,000 attempts in progress (ns)" "$(g scale.attempts)" – – –
	row "... replayed SPA packets verified per second with 1 / 10,000 keys" "$(g scale.keys)" – – –
	row "... one more grant with 10 / 100,000 live grants (µs, median)" "$(g scale.grants)" – – –
	row "idle CPU over $(g idle.seconds) s (ms; wakeups)" "$s; $(g idle.sesame.wakeups)" \
		"$k; $(g idle.knockd.wakeups)" "$f; $(g idle.fwknopd.wakeups)" –
}

load=$(cut -d' ' -f1-3 /proc/loadavg)
{
	echo "## sesame vs knockd vs fwknopd — $([ "$QUICK" = 1 ] && echo "quick run" || echo "full run")"
	echo
	echo "- date: $(date -u +%Y-%m-%dT%H:%MZ); run time $(( $(date +%s) - T0 )) s"
	echo "- machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)," \
		"$(awk '/^MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo) RAM; load average at the end $load"
	echo "- kernel: $(uname -sr); $("$BIN/sesame" -V 2>/dev/null | head -n 1 || echo sesame ?)" \
		"(bench scripts at $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo ?)); knockd $(dpkg-query -W -f '${Version}' knockd 2>/dev/null);" \
		"fwknopd $(dpkg-query -W -f '${Version}' fwknop-server 2>/dev/null)"
	echo "- binaries: ${SESAME_BUILD}${BENCH_NOTE:+ ($BENCH_NOTE)}"
	echo "- latency rounds: $ROUNDS per system, a new client address each round; poll interval ${BENCH_POLL_US:-200} µs;" \
		"$([ "${BENCH_RT:-0}" = 1 ] && echo "daemons and poller under SCHED_FIFO 10 (BENCH_RT=1)" || echo "normal priority")"
	echo
	table
	echo
	echo "sesame/peer: below 1 is better for times, memory and CPU; above 1 is better for rates."
} >"$RES.md"
cat "$RES.md"
mkdir -p "$(dirname "$OUT")"
cp "$RES.md" "$OUT"
rm -f "$RES.md"
echo "bench: written to $OUT" >&2
# The CDF of every latency sample, next to the table.
PNG=$(dirname "$OUT")/latency.png
if "$ROOT/bench/plot.sh" latency "$BENCH_KEEP" "$PNG"; then
	[ -s "$PNG" ] && echo "bench: plot written to $PNG" >&2
else
	echo "bench: no plot (gnuplot: run 'make deps')" >&2
fi
