# SPDX-License-Identifier: GPL-2.0-or-later
# tests/e2e/lib_nft.sh — shell helpers of the gate tests (test_gate_*.sh).
# Source after lib.sh.

GRANT=$BIN/bench/nft_grant

# now_ms: monotonic-enough wall clock in milliseconds.
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# silent_connect NS HOST PORT: true when a TCP connect from NS gets no
# answer at all: it fails, and only after the 2 s timeout (a refused
# connect, i.e. an RST, fails at once).
silent_connect() {
	local t0 t1
	t0=$(now_ms)
	ip netns exec "$1" nc -z -w 2 "$2" "$3" >/dev/null 2>&1 && return 1
	t1=$(now_ms)
	[ $((t1 - t0)) -ge 1500 ]
}

# set_elems TABLE SET: the element lines of a set, one per line
# ("ADDR . tcp . PORT timeout Ts expires Es").
set_elems() {
	in_srv nft list set inet "$1" "$2" | tr -d '\n\t' | sed -n 's/.*elements = { \(.*\) }.*/\1/p' | sed 's/, /\n/g'
}

# chat_server PORT: a one-connection TCP server in the server namespace
# that logs what it receives to $TMP/chat_out and sends what the test
# writes to fd 7 (a fifo held open, so the server never sees EOF).
chat_server() {
	mkfifo "$TMP/chat_in"
	ip netns exec "$SRV_NS" bash -c "exec nc -4 -l $1 <$TMP/chat_in >$TMP/chat_out" >/dev/null 2>&1 &
	disown
	exec 7<>"$TMP/chat_in"
	wait_until 5 listening "$SRV_NS" "$1"
}

