#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A bounded flood of spoofed first knocks (200,000 IPv6 sources at up to
# 50,000 pps, 4 s) against sesamed with StateLimit 1024: the table is full
# and evicting all along, yet a real `sesame knock` sent mid-flood opens
# the guarded port, and sesamed's RSS does not grow by 1 MiB.  The flood
# tool's safety catches: it refuses to run in the root namespace (before
# it opens any socket) and refuses destinations and spoofed sources outside
# the benchmark ranges.  The full-rate, million-source comparison with
# knockd is bench/flood_knock.sh.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_flood.sh"

# --- safety catches (these run before any namespace exists) -------------
# The root namespace: refused, and no socket was ever opened.
syscalls() { grep -cE '^[0-9]+ +(socket|sendmmsg|sendmsg|sendto)\(' "$1"; }
if command -v strace >/dev/null; then
	strace -f -qq -e trace=socket,sendmmsg,sendmsg,sendto -o "$TMP/root.strace" \
		"$FLOOD_TOOL" -i lo -m 00:00:00:00:00:00 -n 10 -t 1 198.18.0.1 \
		>"$TMP/root.out" 2>&1
	rc=$?
	check "flood refuses the root namespace (exit $rc)" test "$rc" -ne 0
	check "... saying why" grep -q "refusing to run" "$TMP/root.out"
	check "... before opening any socket" test "$(syscalls "$TMP/root.strace")" -eq 0
else
	"$FLOOD_TOOL" -i lo -m 00:00:00:00:00:00 -n 10 -t 1 198.18.0.1 >"$TMP/root.out" 2>&1
	rc=$?
	check "flood refuses the root namespace (exit $rc)" test "$rc" -ne 0
	check "... saying why" grep -q "refusing to run" "$TMP/root.out"
	ok "# SKIP no strace: cannot show that no socket was opened"
fi

flood_setup
# refused MESSAGE ARGS...: the flood tool, run in the flood namespace with
# ARGS, exits non-zero saying MESSAGE, and (with strace) opened no packet
# socket and sent nothing.
refused() {
	local want=$1; shift
	local -a tracer=()
	command -v strace >/dev/null &&
		tracer=(strace -f -qq -e trace=socket,sendmmsg,sendmsg,sendto -o "$TMP/r.strace")
	: >"$TMP/r.strace"
	"${tracer[@]}" ip netns exec "$flood_NS" "$FLOOD_TOOL" -i eth0 -m "$FLOOD_MAC" \
		-n 10 -t 1 "$@" >"$TMP/r.out" 2>&1 && return 1
	grep -q "$want" "$TMP/r.out" || return 1
	# `ip` itself opens netlink sockets; the flood tool opens none.
	! grep -E 'socket\(AF_PACKET|sendmmsg\(' "$TMP/r.strace" >/dev/null
}
check "refuses a destination outside the ranges (192.0.2.1)" \
	refused "refusing destination" 192.0.2.1
check "refuses a v6 destination outside 2001:db8::/32" \
	refused "refusing destination" 2001:db9::1
check "refuses spoofed sources outside the ranges" \
	refused "source network outside" -S 10.0.0.0/8 198.18.0.1
check "refuses a count over the hard cap" refused "bad value for -n" -n 20000001 198.18.0.1
check "refuses more seconds than the hard cap" refused "bad value for -t" -t 121 198.18.0.1

# --- what the tool sends -------------------------------------------------
# Two steps (tcp, udp) from three sources, over v4 and v6: 12 well-formed
# packets, source k sending step k div 3.
capture_start frames 'dst port 7001 or dst port 7002'
flood_send -p 7001,7002:udp -s 3 -n 6 -t 5 "$SRV6" >/dev/null
flood_send -p 7001,7002:udp -s 3 -n 6 -t 5 -S 198.18.128.0/17 "$SRV4" >/dev/null
capture_stop frames
tcpdump -n -vv -r "$TMP/frames.pcap" 2>/dev/null | tr -s ' \n' ' ' |
	sed 's/ \([0-9][0-9]:[0-9][0-9]:\)/\n\1/g' >"$TMP/frames.txt"
check "12 frames arrive" test "$(grep -c . "$TMP/frames.txt")" -eq 12
check "... every TCP and UDP checksum is correct" \
	test "$(grep -cE 'cksum 0x[0-9a-f]+ \(correct\)|udp sum ok' "$TMP/frames.txt")" -eq 12
check "... SYNs to 7001 and datagrams to 7002, 6 each" \
	test "$(grep -c 'Flags \[S\]' "$TMP/frames.txt")" -eq 6 -a \
	     "$(grep -c '\.7002: ' "$TMP/frames.txt")" -eq 6
check "... from 3 spoofed sources per family" test "$(grep -oE '(198\.18\.128\.[0-9]+|2001:db8:f100::[0-9a-f]*)\.[0-9]+ >' \
	"$TMP/frames.txt" | sed 's/\.[0-9]* >//' | sort -u | grep -c .)" -eq 6

# --- the flood ------------------------------------------------------------
flood_conf_sesamed "$TMP/sesamed.conf" 1024
FLOOD_RATE=50000 flood_scenario sesamed "$TMP/sesamed.conf" 200000 1 || { finish; }
check "2222 is closed before the knock" test "$R_CLOSED_BEFORE" = yes
check "the flood ran: 200000 packets sent" test "${R_FLOOD_SENT:-0}" -eq 200000
check "the table was full and evicting" grep -q "knock flood: [0-9]* attempts evicted (StateLimit 1024)" "$TMP/sesamed.log"
check "a real knock mid-flood opens 2222 (after ${R_OPEN} ms)" test "$R_OPEN" != never
check "... while the flood still ran" test "$R_MID" = yes
if grep -qa __asan_init "$SESAMED"; then
	# ASan's allocator keeps freed memory in quarantine: RSS says nothing.
	diag "sanitized build: RSS $R_RSS0 -> $R_RSS1 KiB, not checked"
else
	check "RSS grows by less than 1 MiB ($R_RSS0 -> $R_RSS1 KiB)" test $((R_RSS1 - R_RSS0)) -lt 1024
fi
check "sesamed survived" test "$R_ALIVE" = yes
finish
