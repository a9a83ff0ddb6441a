#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The rotating sequences' two implementations agree: the Python one
# (tests/vectors/rotseq/rotseq.py, written from docs/rotating.md) still
# prints the committed test vectors that tests/unit/test_rotseq.c checks
# the C code against, and `sesame knock --secret-file` sends, for fresh
# random secrets and settings, the very sequence rotseq.py derives.
. "$(dirname "$0")/lib.sh"
ns_setup
PY=$SESAME_ROOT/tests/vectors/rotseq/rotseq.py

check "rotseq.py prints the committed vectors" \
	cmp -s <("$PY") "$SESAME_ROOT/tests/vectors/rotseq/vectors.txt"

# A day-long period keeps both sides in one time step.
agree() {  # ARGS for both (as --name=value)...
	local sec out want
	"$SESAME" keygen --sequence c -o "$TMP/c.seq" >/dev/null 2>&1
	sec=$(awk '{print $2}' "$TMP/c.seq")
	want=$("$PY" --secret "$sec" --door "$DOOR" --period 86400 "$@")
	out=$(in_cli "$SESAME" knock -v --secret-file "$TMP/c.seq" --door "$DOOR" --period 86400 \
		--services none "$@" "$SRV4" | sed -nE 's/^hitting (tcp|udp) [0-9.]+:([0-9]+)$/\2:\1/p' |
		tr '\n' ' ' | sed 's/ $//')
	rm -f "$TMP/c.seq"
	[ -n "$out" ] && [ "$out" = "$want" ] || { diag "client: $out"; diag "python: $want"; return 1; }
}
DOOR=ssh
check "default settings" agree
DOOR=web-1
check "mixed protocols, 8 knocks" agree --protocols mixed --length 8
DOOR=x_2
check "a narrow range with exclusions" agree --ports 3000-3099 --exclude 3001,3010,3050 --length 12
DOOR=ssh
check "udp, bound to an IPv6 address" agree --protocols udp --bind 2001:db8::2
finish
