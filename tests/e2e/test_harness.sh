#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The harness itself: namespaces, addresses, the service, a firewall, and
# that a DROP really makes the service unreachable (else every "closed"
# check elsewhere could pass for the wrong reason).
. "$(dirname "$0")/lib.sh"
ns_setup
check "client pings the server over the link (v4 TCP service)" tcp_service 2222
check "service reachable over IPv4" reach "$SRV4" 2222
check "service reachable over IPv6" reach "$SRV6" 2222
firewall_nft - <<NFT
table inet harness {
	chain input {
		type filter hook input priority 0;
		tcp dport 2222 drop
	}
}
NFT
check "a dropped port is not reachable over IPv4" not reach "$SRV4" 2222
check "a dropped port is not reachable over IPv6" not reach "$SRV6" 2222
in_srv nft delete table inet harness
check "reachable again without the rule" reach "$SRV4" 2222
check "the server namespace is not the root one" \
	not test "$(stat -L -c %i /proc/self/ns/net)" = "$(in_srv stat -L -c %i /proc/self/ns/net)"
finish
