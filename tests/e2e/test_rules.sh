#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `sesame rules`: the generated rulesets load as they are and knock like
# the daemon, on the real kernel, for nft and iptables, IPv4 and IPv6.
. "$(dirname "$0")/lib.sh"
CONF=$SESAME_ROOT/tests/rules/mixed.conf
ns_setup
ns_add_host third 3
tcp_service 2222

# knock FAMILY PORTS...: sesame knock from the client to the server.
knock() {
	local fam=$1; shift
	local host=$SRV4; [ "$fam" = 6 ] && host=$SRV6
	in_cli "$SESAME" knock "-$fam" "$host" "$@"
}
srv() { [ "$1" = 6 ] && echo "$SRV6" || echo "$SRV4"; }

suite() {  # FORMAT FAMILY
	local fmt=$1 fam=$2 tag="$1 v$2" h
	h=$(srv "$fam")
	if [ "$fmt" = nft ]; then
		"$SESAME" rules --format nft -c "$CONF" >"$TMP/r.nft" &&
		check "$tag: ruleset loads with nft -f" firewall_nft "$TMP/r.nft"
	else
		"$SESAME" rules --format iptables --family "$fam" -c "$CONF" >"$TMP/r.ipt" &&
		check "$tag: ruleset loads with ip${fam/4/}tables-restore" firewall_iptables "$TMP/r.ipt" "$fam"
	fi
	check "$tag: guarded port closed before knocking" not reach "$h" 2222
	knock "$fam" 7000 7002 7001:udp
	check "$tag: wrong order stays closed" not reach "$h" 2222
	knock "$fam" 7000; sleep 1.6; knock "$fam" 7001:udp; sleep 1.6; knock "$fam" 7002
	check "$tag: quick steps but 3.2 s in all (Seq_Timeout 3) stay closed" not reach "$h" 2222
	knock "$fam" 7000; sleep 0.8; knock "$fam" 7001:udp; sleep 0.8; knock "$fam" 7002
	check "$tag: right order within Seq_Timeout opens" reach "$h" 2222
	check "$tag: ... for the knocker only, not a third host" not reach "$h" 2222 1 "$third_NS"
	sleep 4
	check "$tag: the grant expires after Open_Timeout" not reach "$h" 2222
}

suite nft 4
suite nft 6
in_srv nft delete table inet sesame_rules
suite iptables 4
suite iptables 6
in_srv iptables -F; in_srv ip6tables -F

# Debian's knock client against the nft ruleset.
"$SESAME" rules -c "$CONF" | firewall_nft -
in_cli knock "$SRV4" 7000 7001:udp 7002 >/dev/null
check "Debian knock opens the nft ruleset" reach "$SRV4" 2222

# Doors a firewall cannot express are refused with the reason.
out=$("$SESAME" rules -c "$SESAME_ROOT/tests/rules/refused.conf" repeat 2>&1)
check "a port used twice is refused" test $? -ne 0 -a -n "$(grep 'used twice' <<<"$out")"
out=$("$SESAME" rules -c "$SESAME_ROOT/tests/rules/refused.conf" guarded 2>&1)
check "a knock port that is guarded is refused" test $? -ne 0 -a -n "$(grep 'also a guarded port' <<<"$out")"
out=$("$SESAME" rules -c "$SESAME_ROOT/tests/rules/refused.conf" commands 2>&1)
check "a command door without --open is refused" test $? -ne 0 -a -n "$(grep -- '--open' <<<"$out")"
"$SESAME" rules -c "$SESAME_ROOT/tests/rules/refused.conf" --open 22/tcp commands >/dev/null
check "... and compiles with --open" test $? -eq 0
finish
