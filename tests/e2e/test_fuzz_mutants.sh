#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The mutation check: a harness that cannot catch a planted bug is not
# testing that code.  fuzz_spa runs on its seed corpus twice: as built
# (it must pass) and linked with an SPA door whose duplicate-port filter
# is compiled out (SESAME_MUTANT_NO_PORT_DEDUP, see the Makefile), which
# it must catch within 60 s.  Both are built by `make fuzz`.
set -u
cd "$(dirname "$0")/../.."
n=0 bad=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); bad=$((bad + 1)); echo "not ok $n - $*"; }
good=build/fuzz/fuzz_spa mutant=build/fuzz/mutants/fuzz_spa_no_port_dedup
if [ ! -x "$good" ] || [ ! -x "$mutant" ]; then
	echo "1..0 # SKIP fuzz harnesses not built (make fuzz)"
	exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# run NAME BINARY SECONDS: fuzzes a copy of the seed corpus; the exit
# status is libFuzzer's (non-zero: a crash, an abort, a sanitizer report).
run() {
	mkdir -p "$work/$1"
	cp fuzz/corpus/spa/* "$work/$1/"
	"$2" -max_total_time="$3" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$work/$1-" "$work/$1" >"$work/$1.log" 2>&1
}

if run good "$good" 10; then
	ok "fuzz_spa as built: no property broken in 10 s from the seeds" \
		"($(grep -o 'number_of_executed_units: *[0-9]*' "$work/good.log" | grep -o '[0-9]*$') runs)"
else
	not_ok "fuzz_spa as built: broke a property"
	tail -n 30 "$work/good.log" | sed 's/^/# /'
fi
start=$(date +%s)
if run mutant "$mutant" 60; then
	not_ok "fuzz_spa did not catch the SPA door without its duplicate-port filter in 60 s"
else
	secs=$(($(date +%s) - start))
	if ls "$work"/mutant-crash-* >/dev/null 2>&1; then
		ok "fuzz_spa caught the SPA door without its duplicate-port filter in ${secs} s"
	else
		not_ok "the mutant run failed without a finding"
		tail -n 30 "$work/mutant.log" | sed 's/^/# /'
	fi
fi
echo "1..$n"
[ "$bad" -eq 0 ]
