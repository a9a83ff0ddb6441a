#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Must show 2: interop with Debian's knockd.  knockd listens on the
# server's br0; its Start_Command (Start_Command_6 for IPv6, knockd 0.8's
# IPv6 support) adds %IP% to an nft set that accepts port 22, which is
# otherwise dropped, as are the knock ports.  `sesame knock` opens it over
# IPv4, over IPv6 (-6 and the v6 literal), and with a mixed :udp/:tcp
# sequence; a wrong sequence leaves it closed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_knock.sh"
ns_setup

firewall_nft - <<'NFT'
table inet knock {
	set allow4 { type ipv4_addr; }
	set allow6 { type ipv6_addr; }
	chain input {
		type filter hook input priority 0; policy accept;
		ct state established,related accept
		tcp dport 22 ip saddr @allow4 accept
		tcp dport 22 ip6 saddr @allow6 accept
		tcp dport 22 drop
		tcp dport { 7000, 8000, 9000 } drop
		udp dport { 7000, 8000, 9000 } drop
	}
}
NFT

cat >"$TMP/knockd.conf" <<CONF
[options]
	LogFile = $TMP/knockd.log
	PidFile = $TMP/knockd.pid
	Interface = $SRV_IF
[tcpdoor]
	Sequence        = 7000,8000,9000
	Seq_Timeout     = 3
	TCPFlags        = syn
	Start_Command   = nft add element inet knock allow4 { %IP% }
	Start_Command_6 = nft add element inet knock allow6 { %IP% }
[mixed]
	Sequence        = 9000:udp,7000:tcp,8000:udp
	Seq_Timeout     = 3
	Start_Command   = nft add element inet knock allow4 { %IP% }
	Start_Command_6 = nft add element inet knock allow6 { %IP% }
CONF

in_set()   { in_srv nft list set inet knock "allow$1" | grep -qwF "$2"; }
log_has()  { grep -qF "$1" "$TMP/knockd.log"; }
opened()   { grep -cF "$1: OPEN SESAME" "$TMP/knockd.log"; }
reset_sets() { in_srv nft flush set inet knock allow4 && in_srv nft flush set inet knock allow6; }

check "a real TCP service listens on port 22" tcp_service 22
bg "$SRV_NS" knockd -i "$SRV_IF" -c "$TMP/knockd.conf" -D >"$TMP/knockd.out" 2>&1
check "knockd starts on $SRV_IF in the server" wait_until 5 log_has "listening on $SRV_IF"
check "port 22 is closed over IPv4 before knocking" not reach "$SRV4" 22
check "port 22 is closed over IPv6 before knocking" not reach "$SRV6" 22

# Wrong order: knockd sees the first knock, then resets the attempt.
check "wrong order 7000 9000 8000 is sent" in_cli "$SESAME" knock "$SRV4" 7000 9000 8000
check "knockd saw the wrong sequence start (stage 1)" wait_until 3 log_has "$CLI4: tcpdoor: Stage 1"
sleep 0.5
check "wrong order: knockd does not open" test "$(opened "$CLI4: tcpdoor")" = 0
check "wrong order: the nft set stays empty" not in_set 4 "$CLI4"
check "wrong order: port 22 stays closed" not reach "$SRV4" 22

check "sesame knock over IPv4 is sent" in_cli "$SESAME" knock "$SRV4" 7000 8000 9000
check "knockd opens tcpdoor for the client over IPv4" wait_until 3 in_set 4 "$CLI4"
check "IPv4: port 22 is open" reach "$SRV4" 22
check "IPv4 knock did not open IPv6" not reach "$SRV6" 22

check "sesame knock -6 to the IPv6 literal is sent" in_cli "$SESAME" knock -6 "$SRV6" 7000 8000 9000
check "knockd runs Start_Command_6 with the client's IPv6 address" wait_until 3 in_set 6 "$CLI6"
check "IPv6: port 22 is open" reach "$SRV6" 22

reset_sets
check "closed again once the sets are flushed" not reach "$SRV4" 22
check "mixed 9000:udp 7000:tcp 8000:udp is sent" in_cli "$SESAME" knock "$SRV4" 9000:udp 7000:tcp 8000:udp
check "knockd opens the mixed door" wait_until 3 in_set 4 "$CLI4"
check "knockd logged the mixed door opening" log_has "$CLI4: mixed: OPEN SESAME"
check "mixed: port 22 is open" reach "$SRV4" 22

reset_sets
check "-u with a :tcp override (-u 9000 7000:tcp 8000) over IPv6 is sent" \
	in_cli "$SESAME" knock -u -6 "$SRV6" 9000 7000:tcp 8000
check "knockd opens the mixed door over IPv6" wait_until 3 in_set 6 "$CLI6"
check "mixed over IPv6: port 22 is open" reach "$SRV6" 22
finish
