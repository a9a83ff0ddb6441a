#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench/spread.sh TABLE.md... — several runs of `make bench` (the tables
# bench/run.sh writes, BENCH_OUT) folded into one: each cell that starts
# with a number becomes "median (min–max)" over the runs, with the number
# of runs that had it when not all did.  Other cells come from the first
# run.  Rows and columns are matched by position and the row's label.
set -u
[ $# -ge 1 ] || { echo "usage: bench/spread.sh TABLE.md..." >&2; exit 2; }
echo "$# runs: $*" | sed "s|$PWD/||g"
echo
awk -v runs=$# '
function trim(x) { gsub(/^ +| +$/, "", x); return x }
function num(x) { if (match(x, /^[≥+ ]*[0-9]+(\.[0-9]+)?/)) { x = substr(x, RSTART, RLENGTH); gsub(/[≥+ ]/, "", x); return x } return "" }
function sortn(a, n,   i, j, t) { for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j > 0 && a[j] + 0 > t + 0; j--) a[j + 1] = a[j]; a[j + 1] = t } }
/^\| / && !/^\|---/ {
	nf = split($0, c, "|")
	label = trim(c[2])
	if (!(label in seen)) { seen[label] = 1; order[++nrows] = label; ncols[label] = nf - 2 }
	for (i = 3; i < nf; i++) {
		v = trim(c[i])
		if (!((label, i) in first)) first[label, i] = v
		n = num(v)
		if (n != "") { k = ++cnt[label, i]; val[label, i, k] = n }
	}
}
END {
	for (r = 1; r <= nrows; r++) {
		label = order[r]; line = "| " label
		for (i = 3; i <= ncols[label] + 1; i++) {
			k = cnt[label, i] + 0
			if (r == 1 || k == 0) { line = line " | " first[label, i]; continue }
			delete a
			for (j = 1; j <= k; j++) a[j] = val[label, i, j]
			sortn(a, k)
			m = (k % 2) ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
			cell = (k == 1) ? a[1] : sprintf("%s (%s–%s)", m, a[1], a[k])
			if (k < runs) cell = cell sprintf(" [%d of %d runs]", k, runs)
			line = line " | " cell
		}
		print line " |"
		if (r == 1) { s = "|"; for (i = 0; i < ncols[label]; i++) s = s "---|"; print s }
	}
}' "$@"
