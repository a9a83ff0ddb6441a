#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# fuzz/run.sh SECONDS [TARGET...] — runs each libFuzzer harness for SECONDS
# on a copy of its seed corpus (with fuzz/NAME.dict when there is one);
# fails on any crash, leak, timeout or sanitizer report.  TARGET is a
# harness name under build/fuzz/ or a path to a harness binary.
# Prints TAP so tests/run.sh can count it.
set -u
cd "$(dirname "$0")/.."
secs=${1:-60}; shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=($(ls build/fuzz/ | grep '^fuzz_' ))
# The harnesses abort on any sanitizer report (-fno-sanitize-recover=all);
# the output is scanned as well, so a report that did not stop the run (a
# target built without that flag, a report from a forked child) still fails.
report='runtime error:|ERROR: (AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|libFuzzer)|^SUMMARY: [A-Za-z]*Sanitizer'
n=0 bad=0
for t in "${targets[@]}"; do
	n=$((n + 1))
	case $t in */*) bin=$t ;; *) bin=build/fuzz/$t ;; esac
	name=$(basename "$t"); name=${name#fuzz_}
	work=$(mktemp -d)
	[ -d "fuzz/corpus/$name" ] && cp -r "fuzz/corpus/$name/." "$work/"
	dict=()
	[ -f "fuzz/$name.dict" ] && dict=(-dict="fuzz/$name.dict")
	"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 "${dict[@]}" \
		-artifact_prefix="$work/" -print_final_stats=1 "$work" >"$work.log" 2>&1
	rc=$?
	if [ "$rc" -eq 0 ] && ! grep -qE "$report" "$work.log"; then
		runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work.log" | grep -o '[0-9]*$')
		cov=$(grep -oE 'cov: [0-9]+' "$work.log" | tail -n 1)
		echo "ok $n - fuzz $name: ${runs:-?} executions, ${cov:-cov: ?}"
	else
		bad=$((bad + 1))
		echo "not ok $n - fuzz $name (exit $rc$(grep -qE "$report" "$work.log" && echo ', sanitizer report'))"
		grep -m 5 -E "$report" "$work.log" | sed 's/^/# /'
		tail -n 40 "$work.log" | sed 's/^/# /'
		mkdir -p build/fuzz/artifacts && cp "$work"/crash-* "$work"/leak-* "$work"/timeout-* build/fuzz/artifacts/ 2>/dev/null
	fi
	rm -rf "$work" "$work.log"
done
[ "$bad" -eq 0 ]
