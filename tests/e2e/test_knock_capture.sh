#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Must show 3: a capture in the server shows exactly one packet per hit,
# TCP and UDP, IPv4 and IPv6, and nothing more from the client (no SYN
# retransmission, no RST, no FIN) within 2 s, when the knock ports are
# dropped (the usual setup) and when the server answers with RST / ICMP
# port unreachable (no firewall).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_knock.sh"
ns_setup

# Permanent neighbour entries both ways: no ARP/ND exchange can add
# packets from the client's addresses to the count.
srv_mac=$(ip -n "$SRV_NS" -br link show br0 | awk '{print $3}')
cli_mac=$(ip -n "$CLI_NS" -br link show eth0 | awk '{print $3}')
in_cli ip neigh replace "$SRV4" lladdr "$srv_mac" dev eth0 nud permanent
in_cli ip neigh replace "$SRV6" lladdr "$srv_mac" dev eth0 nud permanent
in_srv ip neigh replace "$CLI4" lladdr "$cli_mac" dev br0 nud permanent
in_srv ip neigh replace "$CLI6" lladdr "$cli_mac" dev br0 nud permanent

FROM_CLI="(ip src $CLI4 or ip6 src $CLI6)"
TCP_PORTS=(7001 7002 7003) UDP_PORTS=(7101 7102)

# knock_all NAME: the five ports over IPv4, then over IPv6, captured;
# waits 2 s after the last hit (a lost SYN is retransmitted after 1 s).
knock_all() {
	local name=$1 t0 args=()
	for p in "${TCP_PORTS[@]}"; do args+=("$p"); done
	for p in "${UDP_PORTS[@]}"; do args+=("$p:udp"); done
	kcap_start "$name"
	t0=$(ms_now)
	in_cli "$SESAME" knock "$SRV4" "${args[@]}" || return 1
	diag "$name: 5 hits over IPv4 took $(( $(ms_now) - t0 )) ms including ip netns exec"
	in_cli "$SESAME" knock -6 "$SRV6" "${args[@]}" || return 1
	sleep 2
	kcap_stop "$name"
}

# count_is NAME FILTER N
count_is() {
	local n; n=$(capture_count "$1" "$2")
	[ "$n" = "$3" ] || { diag "$1: '$2': $n packets, want $3"; kcap_show "$1"; return 1; }
}

per_hit_checks() {
	local name=$1 p
	for p in "${TCP_PORTS[@]}"; do
		check "$name: one IPv4 SYN to $p" count_is "$name" \
			"ip src $CLI4 and tcp dst port $p and tcp[tcpflags] == tcp-syn" 1
		check "$name: one IPv6 SYN to $p" count_is "$name" \
			"ip6 src $CLI6 and tcp dst port $p and ip6[53] == 2" 1
	done
	for p in "${UDP_PORTS[@]}"; do
		check "$name: one IPv4 datagram to $p" count_is "$name" "ip src $CLI4 and udp dst port $p" 1
		check "$name: one IPv6 datagram to $p" count_is "$name" "ip6 src $CLI6 and udp dst port $p" 1
	done
	check "$name: nothing else from the client: 10 packets in all after 2 s" \
		count_is "$name" "$FROM_CLI" 10
}

# 1. Knock ports dropped: the server never answers.
firewall_nft - <<'NFT'
table inet drop_knocks {
	chain input {
		type filter hook input priority 0
		tcp dport 7001-7003 drop
		udp dport 7101-7102 drop
	}
}
NFT
check "dropped: knocks sent" knock_all dropped
per_hit_checks dropped

# 2. No firewall: RST for TCP, ICMP port unreachable for UDP come back.
in_srv nft delete table inet drop_knocks
check "answered: knocks sent" knock_all answered
per_hit_checks answered
check "answered: the server did answer (RSTs seen)" \
	count_is answered "ip dst $CLI4 and tcp[tcpflags] & tcp-rst != 0" 3
finish
