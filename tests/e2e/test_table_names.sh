#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# One rule for nftables table names (docs/config.md, "Table names"):
# NftTable in the config (sesamed -t, and so the daemon) and
# `sesame rules --table` accept and refuse the same names.
. "$(dirname "$0")/lib.sh"
printf '[ssh]\n\tSequence = 7000,8000,9000\n\tOpen = 22/tcp\n' >"$TMP/door.conf"
a63=$(printf 'a%.0s' {1..63})
a64=${a63}a

# NAME|VERDICT (ok or refused)
TABLE=(
	"sesame|ok" "knock_gate2|ok" "_x|ok" "A|ok" "$a63|ok"
	"my-table|refused" "9t|refused" "t.x|refused" "a/b|refused" "$a64|refused"
	"caf\xc3\xa9|refused"
)
verdict() {  # CMD...: ok or refused
	if "$@" >/dev/null 2>&1; then echo ok; else echo refused; fi
}
for row in "${TABLE[@]}"; do
	IFS='|' read -r name want <<<"$row"
	name=$(printf '%b' "$name")
	{ printf '[options]\n\tNftTable = %s\n' "$name"; cat "$TMP/door.conf"; } >"$TMP/t.conf"
	d=$(verdict "$SESAMED" -t -c "$TMP/t.conf")
	r=$(verdict "$SESAME" rules -c "$TMP/door.conf" --table "$name")
	check "table name '${name:0:20}': sesamed -t $d, sesame rules --table $r (want $want)" \
		test "$d" = "$want" -a "$r" = "$want"
done
check "the refusal says the rule" bash -c "'$SESAME' rules -c '$TMP/door.conf' --table my-table 2>&1 |
	grep -qF \"sesame rules: --table: bad table name 'my-table' (letters, digits and '_', starting with a letter or '_', at most 63)\""
finish
