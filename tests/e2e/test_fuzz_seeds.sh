#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Every seed reaches the mode its name says.  A harness with modes picks
# one from the first input byte; a seed whose byte selects another mode
# is a dead seed (it fuzzes the wrong parser, and the mode it was written
# for starts from nothing).  Seeds are named after their mode (the part
# before the first '_' or '-'); the table below is each harness's own
# mapping from the first byte to its mode.  Every mode needs a seed too.
# Reads files only.
set -u
cd "$(dirname "$0")/../.."
n=0 failed=0
ok()     { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }

# mode_of HARNESS BYTE: the mode name the harness picks for that byte.
mode_of() {
	local b=$2
	case $1 in
	door)   # fuzz_door: bit 0 = StateLimit 16 (evicting), else 256
		if (( b & 1 )); then echo limit16; else echo limit256; fi ;;
	packet) # fuzz_packet: linktypes[b % 9]
		local lt=(null eth raw raw loop sll ipv4 ipv6 sll2)
		echo "${lt[b % 9]}" ;;
	spa)    # fuzz_spa: b & 3 (3: the structured mode)
		local m=(codec keys door struct); echo "${m[b & 3]}" ;;
	fwknop) # fuzz_fwknop: b % 4 (3: fields with their inner digest)
		local m=(wire plain enc fields); echo "${m[b % 4]}" ;;
	esac
}
# The modes of each harness (for "every mode has a seed").
declare -A modes=(
	[door]="limit256 limit16"
	[packet]="null eth raw loop sll ipv4 ipv6 sll2"
	[spa]="codec keys door struct"
	[fwknop]="wire plain enc fields"
)
# fuzz_door's seeds written before it had modes are StateLimit 256 seeds.
name_mode() {
	local h=$1 f=$2 m=${2%%[_-]*}
	if [ "$h" = door ] && [ "$m" != limit16 ]; then m=limit256; fi
	echo "$m"
}

for h in door packet spa fwknop; do
	dir=fuzz/corpus/$h
	if [ ! -d "$dir" ]; then
		not_ok "fuzz/corpus/$h exists"
		continue
	fi
	bad=() seen=" "
	count=0
	for s in "$dir"/*; do
		count=$((count + 1))
		f=$(basename "$s")
		b=$(od -An -tu1 -N1 "$s" | tr -d ' ')
		if [ -z "$b" ]; then
			bad+=("$f (empty)")
			continue
		fi
		want=$(name_mode "$h" "$f")
		got=$(mode_of "$h" "$b")
		seen+="$got "
		case " ${modes[$h]} " in
		*" $want "*) ;;
		*) bad+=("$f (name names no mode of fuzz_$h)"); continue ;;
		esac
		[ "$want" = "$got" ] || bad+=("$f (byte $b selects $got, name says $want)")
	done
	if [ ${#bad[@]} -eq 0 ]; then
		ok "fuzz_$h: each of $count seeds reaches the mode its name says"
	else
		not_ok "fuzz_$h: dead seeds: ${bad[*]}"
	fi
	missing=()
	for m in ${modes[$h]}; do
		case $seen in *" $m "*) ;; *) missing+=("$m") ;; esac
	done
	if [ ${#missing[@]} -eq 0 ]; then
		ok "fuzz_$h: every mode has a seed (${modes[$h]})"
	else
		not_ok "fuzz_$h: modes without a seed: ${missing[*]}"
	fi
done
echo "1..$n"
[ "$failed" -eq 0 ]
