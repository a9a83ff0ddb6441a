#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench/plot.sh — the benchmark's pictures, drawn with gnuplot.
#
#   bench/plot.sh latency DIR OUT.png
#       CDF of knock → open and SPA → open (one curve per system) from the
#       per-round samples bench/run.sh keeps (DIR/KEY.lat, ms, one a line).
#   bench/plot.sh scale FILE OUT.png
#       the scale curves of bench/scale.sh: FILE has lines
#       "PANEL<TAB>N<TAB>VALUE<TAB>UNIT[<TAB>SERIES]" (PANEL: doors,
#       attempts, keys, grants); one panel per PANEL, log-scale N, and one
#       curve per SERIES in a panel (with a key when there are several,
#       e.g. the same figure before and after a change).
# PLOT_NOTE=TEXT adds TEXT to the title (e.g. how the runs were made).
# Exit 0 with nothing drawn (and a note on stderr) when there is no data.
set -u
command -v gnuplot >/dev/null || { echo "plot: gnuplot missing (make deps)" >&2; exit 1; }
what=${1:-} src=${2:-} out=${3:-}
[ -n "$what" ] && [ -n "$src" ] && [ -n "$out" ] || { echo "usage: plot.sh latency DIR OUT.png | scale FILE OUT.png" >&2; exit 2; }
work=$(mktemp -d /tmp/sesame-plot.XXXXXX)
trap 'rm -rf "$work"' EXIT

# cdf IN OUT: "value fraction" lines, sorted.
cdf() { sort -g "$1" | awk '{ v[NR] = $1 } END { for (i = 1; i <= NR; i++) printf "%s %.5f\n", v[i], i / NR }' >"$2"; }

plot_latency() {
	local key title plots=() n
	# KEY|title|line style: sesame solid, peers dashed.
	local series=(
		"knock.sesame_gate|knock: sesame, nft gate|lc rgb '#1f77b4' lw 2"
		"knock.sesame_cmd|knock: sesame, command door|lc rgb '#1f77b4' lw 2 dt 3"
		"knock.knockd|knock: knockd|lc rgb '#d62728' lw 2 dt 2"
		"spa.sesame_sesame|SPA: sesame native, durable replay|lc rgb '#2ca02c' lw 2"
		"spa.sesame_fwknop|SPA: sesame, fwknop format|lc rgb '#2ca02c' lw 2 dt 3"
		"spa.fwknopd|SPA: fwknopd|lc rgb '#ff7f0e' lw 2 dt 2"
	)
	local s style
	for s in "${series[@]}"; do
		IFS='|' read -r key title style <<<"$s"
		[ -s "$src/$key.lat" ] || continue
		cdf "$src/$key.lat" "$work/$key.cdf"
		n=$(wc -l <"$work/$key.cdf")
		plots+=("'$work/$key.cdf' using 1:2 with steps $style title '$title (n=$n)'")
	done
	[ ${#plots[@]} -gt 0 ] || { echo "plot: no latency samples in $src" >&2; return 0; }
	local joined; joined=$(IFS=,; echo "${plots[*]}")
	gnuplot <<EOF
set terminal pngcairo size 1000,650 font "sans,11" noenhanced
set output '$out'
set title "Packet to open port: knock → open and SPA → open (CDF, $(date -u +%Y-%m-%d)${PLOT_NOTE:+; $PLOT_NOTE})"
set xlabel "ms from the last knock / the SPA packet (kernel capture) to the first successful connect"
set ylabel "fraction of rounds"
set logscale x 10
set xrange [0.05:1000]
set yrange [0:1]
set grid xtics mxtics ytics
set key below maxrows 3
set arrow from 1, graph 0 to 1, graph 1 nohead lc rgb '#888888' dt 4
set label "1 ms" at 1.05, graph 0.95 tc rgb '#888888'
plot $joined
EOF
}

plot_scale() {
	[ -s "$src" ] || { echo "plot: no scale data in $src" >&2; return 0; }
	local p panels=() ylabel
	for p in doors attempts keys grants; do
		awk -F'\t' -v p="$p" '$1 == p { print $2, $3 }' "$src" >"$work/$p.dat"
		[ -s "$work/$p.dat" ] && panels+=("$p")
	done
	# curves PANEL: the plot command for its series, one file each.
	curves() {
		local s i=0 cmd=""
		while IFS= read -r s; do
			i=$((i + 1))
			awk -F'\t' -v p="$1" -v s="$s" '$1 == p && $5 == s { print $2, $3 }' "$src" \
				>"$work/$1.$i.dat"
			cmd="$cmd${cmd:+, }'$work/$1.$i.dat' using 1:2 with linespoints lw 2 pt 7 title '${s//\'/}'"
		done < <(awk -F'\t' -v p="$1" '$1 == p && !seen[$5]++ { print $5 }' "$src")
		[ "$i" -gt 1 ] && echo "set key top left" || echo "set key off"
		echo "plot $cmd"
	}
	[ ${#panels[@]} -gt 0 ] || return 0
	{
		echo "set terminal pngcairo size 1100,800 font 'sans,10' noenhanced"
		echo "set output '$out'"
		echo "set multiplot layout 2,2 title 'How the cost grows with the work (bench/scale.sh, $(date -u +%Y-%m-%d)${PLOT_NOTE:+; $PLOT_NOTE})'"
		echo "set logscale x 10; set grid; set key off"
		for p in "${panels[@]}"; do
			ylabel=$(awk -F'\t' -v p="$p" '$1 == p { print $4; exit }' "$src")
			case $p in
				doors) echo "set title 'knock doors in the config: CPU per knock packet'; set xlabel 'doors'" ;;
				attempts) echo "set title 'attempts in progress: CPU per knock packet'; set xlabel 'attempts'" ;;
				keys) echo "set title 'authorised SPA keys: verifications per second'; set xlabel 'keys'" ;;
				grants) echo "set title 'live grants in the set: one more grant'; set xlabel 'elements already in the set'" ;;
			esac
			# Doors: log-log, where a slope of one is linear growth.
			if [ "$p" = doors ]; then echo "set logscale y 10; set yrange [*:*]"
			else echo "unset logscale y; set yrange [0:*]"; fi
			echo "set ylabel '$ylabel'"
			curves "$p"
		done
		echo "unset multiplot"
	} | gnuplot
}

case $what in
	latency) plot_latency ;;
	scale) plot_scale ;;
	*) echo "plot: unknown figure '$what'" >&2; exit 2 ;;
esac
