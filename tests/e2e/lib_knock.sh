# SPDX-License-Identifier: GPL-2.0-or-later
# tests/e2e/lib_knock.sh — helpers of the knock tests, sourced after lib.sh.
#
# kcap_start/kcap_stop replace lib.sh's capture_start/capture_stop, whose
# `in_srv tcpdump ... &` makes $! a bash subshell: in a non-interactive
# shell that background subshell ignores SIGINT, so capture_stop waits
# forever.  Here $! is tcpdump itself (ip netns exec execs it), and
# SIGTERM makes it flush and exit.  --immediate-mode: without it, packets
# wait in the kernel ring until a block times out (up to 1 s) and a stop
# soon after the last packet loses them, so a "no packet" check could
# pass for the wrong reason.  capture_count from lib.sh reads the
# same $TMP/NAME.pcap files.

# kcap_start NAME FILTER... : tcpdump on the server's $SRV_IF into $TMP/NAME.pcap.
kcap_start() {
	local name=$1; shift
	: >"$TMP/$name.tcpdump.log"
	ip netns exec "$SRV_NS" tcpdump -i "$SRV_IF" --immediate-mode -U -n -w "$TMP/$name.pcap" "$@" \
		>"$TMP/$name.tcpdump.log" 2>&1 &
	printf -v "_KCAP_$name" '%s' "$!"
	wait_until 5 grep -q "listening on" "$TMP/$name.tcpdump.log"
}

# kcap_stop NAME : stops the capture and waits until the file is complete.
kcap_stop() {
	local pid; eval "pid=\${_KCAP_$1:-}"
	[ -n "$pid" ] || return 1
	sleep 0.2
	kill -TERM "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

# kcap_show NAME [FILTER] : the capture as text, for the test log.
kcap_show() {
	local name=$1; shift
	tcpdump -n -r "$TMP/$name.pcap" "$@" 2>/dev/null | sed 's/^/#   /'
}

# ms_now : milliseconds since the epoch.
ms_now() { echo $(( $(date +%s%N) / 1000000 )); }
