#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A sanitizer report fails the fuzz run.  A toy harness with a planted
# signed overflow, built with the fuzz build's own flags (`make
# fuzz-flags`), must abort on its first input and make fuzz/run.sh report
# "not ok"; the same toy built without -fno-sanitize-recover (UBSan only
# prints, the process exits 0) must still fail fuzz/run.sh, which scans
# the output; a clean toy passes.  No network, no namespace.
# Standalone TAP (not lib.sh: its sanitizer log_path would swallow the
# reports this test looks for, and its scan would count them as failures).
set -u
cd "$(dirname "$0")/../.."
unset ASAN_OPTIONS UBSAN_OPTIONS
TMP=$(mktemp -d /tmp/sesame-fuzzsan.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
n=0 failed=0
check() {
	local desc=$1; shift
	n=$((n + 1))
	if "$@"; then echo "ok $n - $desc"; else failed=$((failed + 1)); echo "not ok $n - $desc"; fi
}

flags=$(make -s --no-print-directory fuzz-flags)
cat >"$TMP/ub.c" <<'C'
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	volatile int x = INT_MAX;
	if (size > 0)
		x += data[0] | 1;       /* signed overflow: undefined */
	return 0;
}
C
cat >"$TMP/clean.c" <<'C'
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	volatile unsigned x = 0;
	for (size_t i = 0; i < size; i++)
		x += data[i];
	return 0;
}
C
check "the fuzz flags make UBSan fatal" grep -q -- '-fno-sanitize-recover=all' <<<"$flags"
check "toy with a planted overflow builds with the fuzz flags" \
	$flags -o "$TMP/fuzz_toy_ub" "$TMP/ub.c"
# The recovering build the fuzz rules used to make.
check "same toy builds without -fno-sanitize-recover" \
	${flags/-fno-sanitize-recover=all/} -o "$TMP/fuzz_toy_recover" "$TMP/ub.c"
check "clean toy builds" $flags -o "$TMP/fuzz_toy_clean" "$TMP/clean.c"

printf 'A' >"$TMP/input"
"$TMP/fuzz_toy_ub" "$TMP/input" >"$TMP/ub.log" 2>&1
rc=$?
check "the planted overflow aborts the harness (exit $rc)" test "$rc" -ne 0
check "and is reported as a runtime error" grep -q 'runtime error:' "$TMP/ub.log"
"$TMP/fuzz_toy_recover" "$TMP/input" >"$TMP/recover.log" 2>&1
rc=$?
check "without the flag the report only prints (exit $rc)" \
	eval 'test "$rc" -eq 0 && grep -q "runtime error:" "$TMP/recover.log"'

fuzz/run.sh 2 "$TMP/fuzz_toy_ub" >"$TMP/run_ub.log" 2>&1
rc=$?
check "fuzz/run.sh fails on the fatal report (exit $rc)" \
	eval 'test "$rc" -ne 0 && grep -q "^not ok 1 - fuzz toy_ub" "$TMP/run_ub.log"'
fuzz/run.sh 2 "$TMP/fuzz_toy_recover" >"$TMP/run_recover.log" 2>&1
rc=$?
check "fuzz/run.sh fails on a report that did not stop the run (exit $rc)" \
	eval 'test "$rc" -ne 0 && grep -q "^not ok 1 - fuzz toy_recover.*sanitizer report" "$TMP/run_recover.log"'
fuzz/run.sh 2 "$TMP/fuzz_toy_clean" >"$TMP/run_clean.log" 2>&1
rc=$?
check "fuzz/run.sh passes a clean harness (exit $rc)" \
	eval 'test "$rc" -eq 0 && grep -q "^ok 1 - fuzz toy_clean" "$TMP/run_clean.log"'
grep -m 3 -E 'not ok|runtime error' "$TMP/run_recover.log" | sed 's/^/# /'
echo "1..$n"
[ "$failed" -eq 0 ]
