#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# fuzz_door catches a planted bug in the door logic.  The mutant
# (door.c built with -DSESAME_MUTANT_SEQ_TIMEOUT: a step that arrives
# after Seq_Timeout counts as long as the timer has not fired) must make
# fuzz_door report a disagreement with its model within 60 s from the
# seed corpus, and within 30 s from the seeds that do not expose it on
# their own (so the fuzzer finds it by mutating, not only by replaying a
# seed); the normal build runs clean on the same seeds.  Built by `make
# fuzz`.  No network, no namespace.
set -u
cd "$(dirname "$0")/../.."
unset ASAN_OPTIONS UBSAN_OPTIONS
TMP=$(mktemp -d /tmp/sesame-mutant.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
n=0 failed=0
check() {
	local desc=$1; shift
	n=$((n + 1))
	if "$@"; then echo "ok $n - $desc"; else failed=$((failed + 1)); echo "not ok $n - $desc"; fi
}
normal=build/fuzz/fuzz_door
mutant=build/fuzz/mutants/fuzz_door_seq_timeout

# fuzz BINARY SECONDS CORPUS LOG: exit status of a bounded libFuzzer run.
fuzz() {
	local dir=$TMP/work.$RANDOM
	mkdir -p "$dir" && cp -r "$3/." "$dir/"
	"$1" -max_total_time="$2" -timeout=10 -artifact_prefix="$dir/" "$dir" >"$4" 2>&1
}
caught() {  # LOG: the model disagreed (not some other crash)
	grep -q '^fuzz_door: operation [0-9]*: ' "$1"
}

check "harness and mutant are built (make fuzz)" test -x "$normal" -a -x "$mutant"

start=$SECONDS
fuzz "$mutant" 60 fuzz/corpus/door "$TMP/all.log"
check "mutant caught from the seed corpus in $((SECONDS - start)) s" caught "$TMP/all.log"
grep -m 2 '^fuzz_door:' "$TMP/all.log" | sed 's/^/# /'

# The seeds that do not expose the mutant when merely replayed.
mkdir "$TMP/quiet"
for s in fuzz/corpus/door/*; do
	"$mutant" "$s" >"$TMP/one.log" 2>&1 || continue
	cp "$s" "$TMP/quiet/"
done
diag_n=$(ls "$TMP/quiet" | wc -l)
echo "# $diag_n of $(ls fuzz/corpus/door | wc -l) seeds pass the mutant as they are"
start=$SECONDS
fuzz "$mutant" 30 "$TMP/quiet" "$TMP/quiet.log"
check "mutant found by mutating those seeds in $((SECONDS - start)) s" caught "$TMP/quiet.log"
grep -m 2 '^fuzz_door:' "$TMP/quiet.log" | sed 's/^/# /'

fuzz "$normal" 10 fuzz/corpus/door "$TMP/normal.log"
rc=$?
check "the normal build runs 10 s clean on the same seeds (exit $rc)" \
	eval 'test "$rc" -eq 0 && ! grep -qE "^fuzz_door:|runtime error:|ERROR: " "$TMP/normal.log"'
echo "1..$n"
[ "$failed" -eq 0 ]
