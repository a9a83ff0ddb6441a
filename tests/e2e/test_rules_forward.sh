#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `sesame rules --format nft` with Forward doors, on a router with an inner
# host and no daemon: a DNAT'd port (the config's Forward = yes) and a
# routed IPv6 destination (--forward-to on a knockd.conf door) open for
# the knocker only and close again; iptables output refuses such doors.
. "$(dirname "$0")/lib.sh"
D=$SESAME_ROOT/tests/rules
ns_setup
ns_add_host third 3
ns_add_inner inner
ns_route_inner "$CLI_NS"
ns_route_inner "$third_NS"
tcp_service 22 "$inner_NS"
in_srv nft -f - <<EOF
table ip lab_nat {
	chain pre {
		type nat hook prerouting priority dstnat; policy accept;
		iifname "br0" tcp dport 2222 dnat to $INNER4:22
	}
}
EOF
knock() { in_ns "${NS:-$CLI_NS}" "$SESAME" knock "$@" >/dev/null; }

check "setup: the port forward works without rules" reach "$SRV4" 2222
"$SESAME" rules -c "$D/forward.conf" router >"$TMP/fwd.nft"
check "the ruleset with a forward chain loads" firewall_nft "$TMP/fwd.nft"
check "no knock: the forwarded port is closed" not reach "$SRV4" 2222
knock "$SRV4" 7000 8000 9000
check "knock: open for the knocker" reach "$SRV4" 2222
check "... not for another client" not reach "$SRV4" 2222 1 "$third_NS"
sleep 4.5
check "the grant expires after Open_Timeout" not reach "$SRV4" 2222
check "routed traffic to the inner host's 22 is untouched (no DNAT)" reach "$INNER6" 22

# A knockd.conf door with --forward-to: the routed IPv6 inner host.
"$SESAME" rules -c "$D/knockd.conf" --open 22/tcp --timeout 4 \
	--forward-to "[$INNER6]:22" >"$TMP/k.nft"
check "--forward-to: the ruleset loads" firewall_nft "$TMP/k.nft"
check "--forward-to: closed without a knock" not reach "$INNER6" 22
check "--forward-to: the v4 route to the same host is untouched" reach "$INNER4" 22
knock "$SRV6" 7000 8000 9000
check "--forward-to: knock opens the inner host" reach "$INNER6" 22
check "--forward-to: ... for the knocker only" not reach "$INNER6" 22 1 "$third_NS"
sleep 4.5
check "--forward-to: the grant expires" not reach "$INNER6" 22

out=$("$SESAME" rules --format iptables -c "$D/forward.conf" router 2>&1)
check "iptables output refuses a Forward door" test $? -ne 0 -a -n "$(grep 'nft ruleset only' <<<"$out")"
out=$("$SESAME" rules -c "$D/knockd.conf" --open 22/tcp --forward-to 198.19.1.2:x 2>&1)
check "a bad --forward-to is refused" test $? -ne 0 -a -n "$(grep -- '--forward-to: bad value' <<<"$out")"
finish
