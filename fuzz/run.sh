#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# fuzz/run.sh SECONDS [TARGET...] — runs each libFuzzer harness for SECONDS
# on a copy of its seed corpus; fails on any crash, leak or timeout.
# Prints TAP so tests/run.sh can count it.
set -u
cd "$(dirname "$0")/.."
secs=${1:-60}; shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=($(ls build/fuzz/ | grep '^fuzz_' ))
n=0 bad=0
for t in "${targets[@]}"; do
	n=$((n + 1))
	name=${t#fuzz_}
	work=$(mktemp -d)
	[ -d "fuzz/corpus/$name" ] && cp -r "fuzz/corpus/$name/." "$work/"
	if build/fuzz/"$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="$work/" -print_final_stats=1 "$work" >"$work.log" 2>&1; then
		runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work.log" | grep -o '[0-9]*$')
		cov=$(grep -oE 'cov: [0-9]+' "$work.log" | tail -n 1)
		echo "ok $n - fuzz $name: ${runs:-?} executions, ${cov:-cov: ?}"
	else
		bad=$((bad + 1))
		echo "not ok $n - fuzz $name"
		tail -n 40 "$work.log"
		mkdir -p build/fuzz/artifacts && cp "$work"/crash-* "$work"/leak-* "$work"/timeout-* build/fuzz/artifacts/ 2>/dev/null
	fi
	rm -rf "$work" "$work.log"
done
[ "$bad" -eq 0 ]
