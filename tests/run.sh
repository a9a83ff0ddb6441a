#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs every test of `make check` and ends with one line "N passed, N failed".
#
# Each test program speaks TAP: lines "ok N - ..." and "not ok N - ...".
# cmocka unit binaries do with CMOCKA_MESSAGE_OUTPUT=TAP; e2e scripts use
# tests/e2e/lib.sh.  A program that exits non-zero without reporting a
# failure counts as one failure, so a crash can never look like a pass.
#
#   tests/run.sh                 everything
#   tests/run.sh unit|e2e|fuzz   some kinds (several may be given)
#   tests/run.sh tests/e2e/test_knock.sh ...   given programs
set -u
cd "$(dirname "$0")/.."
BUILD=${SESAME_BUILD:-build}
export SESAME_BUILD=$BUILD SESAME_ROOT=$PWD
LOGDIR=$BUILD/test-logs
mkdir -p "$LOGDIR"
passed=0 failed=0
failed_names=()

run_one() {  # name, command...
	local name=$1; shift
	local log="$LOGDIR/$(basename "$name").log"
	local start=$SECONDS
	"$@" >"$log" 2>&1 </dev/null
	local rc=$?
	local ok nok
	ok=$(grep -cE '^ok [0-9]+' "$log")
	nok=$(grep -cE '^not ok [0-9]+' "$log")
	if [ "$rc" -ne 0 ] && [ "$nok" -eq 0 ]; then
		echo "not ok - $name exited with status $rc" >>"$log"
		nok=1
	fi
	if [ "$ok" -eq 0 ] && [ "$nok" -eq 0 ]; then
		echo "not ok - $name reported no test" >>"$log"
		nok=1
	fi
	passed=$((passed + ok)); failed=$((failed + nok))
	printf '%-40s %3d passed, %d failed  (%ds)\n' "$(basename "$name")" "$ok" "$nok" $((SECONDS - start))
	if [ "$nok" -gt 0 ]; then
		failed_names+=("$name")
		grep -E '^not ok' "$log" | sed 's/^/    /'
		echo "    --- last lines of $log:"
		tail -n 25 "$log" | sed 's/^/    | /'
	fi
}

units=() e2es=() fuzzes=()
[ $# -gt 0 ] || set -- all
for want in "$@"; do
	case $want in
	all|unit)  units+=("$BUILD"/tests/test_*) ;;&
	all|e2e)   e2es+=(tests/e2e/test_*.sh) ;;&
	all|fuzz)  fuzzes+=(build/fuzz/fuzz_*) ;;&
	all|unit|e2e|fuzz) ;;
	*.sh)      e2es+=("$want") ;;
	*)         units+=("$want") ;;
	esac
done

for t in "${units[@]}"; do
	[ -x "$t" ] || continue
	run_one "$t" env CMOCKA_MESSAGE_OUTPUT=TAP "$t"
done
for t in "${e2es[@]}"; do
	[ -f "$t" ] || continue
	run_one "$t" bash "$t"
done
for t in "${fuzzes[@]}"; do
	[ -x "$t" ] || continue
	run_one "$t" fuzz/run.sh "${FUZZ_CHECK_SECONDS:-10}" "$(basename "$t")"
done

if [ "${#failed_names[@]}" -gt 0 ]; then
	echo "failed: ${failed_names[*]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
