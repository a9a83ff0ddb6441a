#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test_bench_quick.sh — a smoke test of the benchmark pipeline (make bench):
# two of its scenarios with 5 knocks each, the table written to a file of
# this test (never bench/results/latest.md).  It checks that the pipeline
# measures and reports; the figures themselves are for `make bench`.
. "$(dirname "$0")/lib.sh"

out=$TMP/latest.md
committed=$SESAME_ROOT/bench/results/latest.md
before=$(sha256sum "$committed" 2>/dev/null)
BENCH_QUICK=1 BENCH_ROUNDS=5 BENCH_ONLY="knock idle" BENCH_OUT=$out \
	SESAME_BUILD=$SESAME_BUILD "$SESAME_ROOT/bench/run.sh" >"$TMP/bench.out" 2>"$TMP/bench.err"
rc=$?
check "bench/run.sh exits 0" test "$rc" -eq 0
check "the table is written to BENCH_OUT" test -s "$out"
check "it is the same table as printed" cmp -s "$out" "$TMP/bench.out"
check "one header row with the three systems" \
	grep -q '^| figure | sesame | knockd (Debian) | fwknopd (Debian) | sesame/peer |$' "$out"

# cell ROW_PREFIX COLUMN: the COLUMN-th cell (1 = sesame) of the row.
cell() { awk -F' [|] ' -v p="$1" -v c="$2" 'index($0, "| " p) == 1 { v = $(c + 1); sub(/ [|]$/, "", v); print v; exit }' "$out"; }
number() { [[ $1 =~ ^[0-9]+(\.[0-9]+)?$ ]]; }
check "knock -> open median with the gate: a number for sesame" \
	number "$(cell 'knock → open, median (ms), sesame: nft gate' 1)"
check "... and for knockd" number "$(cell 'knock → open, median (ms), sesame: nft gate' 2)"
check "... and a ratio" number "$(cell 'knock → open, median (ms), sesame: nft gate' 4)"
check "knock -> open p99 with a command door: a number for sesame" \
	number "$(cell 'knock → open, p99 (ms), both: command door' 1)"
check "idle RSS measured for all three daemons" \
	bash -c '[ "$(grep "^| idle RSS " "$1" | grep -o "MiB" | wc -l)" -eq 3 ]' _ "$out"
check "every knock opened (no 'lost' in the knock rows)" \
	not grep -q '^| knock .*lost' "$out"
check "scenarios not asked for are left out (SPA rows empty)" \
	grep -q '^| SPA → open, median (ms), sesame native | – |' "$out"
if command -v gnuplot >/dev/null; then
	check "the latency CDF is drawn next to the table" \
		bash -c 'head -c 8 "$1" | od -An -c | grep -q "P   N   G"' _ "$TMP/latency.png"
fi
check "the committed bench/results/latest.md is untouched" \
	test "$(sha256sum "$committed" 2>/dev/null)" = "$before"
# The benchmark's own senders refuse before opening any socket.
ns_setup
for tool in poll_open udp_burst; do
	args=(198.18.0.1 9)
	[ $tool = udp_burst ] && args=(-n 1 -g 8 198.18.0.1 9)
	check "$tool refuses to run in the root namespace" \
		bash -c '"$@" 2>&1 | grep -q "refusing to run"' _ "$BIN/bench/$tool" "${args[@]}"
	args[-2]=192.0.2.1
	check "$tool refuses a destination outside the test ranges" \
		bash -c '"$@" 2>&1 | grep -q "refusing 192.0.2.1"' _ ip netns exec "$CLI_NS" "$BIN/bench/$tool" "${args[@]}"
done
[ "$_TAP_FAILED" -eq 0 ] || sed 's/^/# /' "$TMP/bench.err"
finish
