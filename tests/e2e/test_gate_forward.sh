#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Forward doors: the server is a router with two links, an inner host
# behind it, and sesamed guards forwarded connections.  Covers: an nft
# DNAT of the router's 2222 to the inner host's 22, then the same with
# iptables-nft rules shaped like Docker's (DNAT in nat DOCKER, FORWARD
# accepting the published port and then everything) whose accept rules
# never see a dropped packet; closed without a knock, open for the
# knocker only, the grant expiring in the kernel, an established
# connection outliving it with the client's real address at the inner
# host; the inner host's own connections to the same port number and
# unguarded ports untouched; Forward_To behind a DNAT (only the named
# original port); an IPv6 DNAT; IPv6 routed (no NAT) with Forward_To, which
# leaves the router's own port alone; status;
# a flushed forward chain restored by the next grant; a reload without
# Forward doors removing the forward chain.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_daemon.sh"
. "$(dirname "$0")/lib_nft.sh"
ns_setup
ns_add_host third 3
ns_add_inner inner
ns_route_inner "$CLI_NS"
ns_route_inner "$third_NS"
tcp_service 22 "$inner_NS"
tcp_service 2400 "$inner_NS"
tcp_service 2222 "$CLI_NS"         # a service out there that inner hosts use
tcp_service 22                     # the router's own sshd
SOCK=$TMP/control
T=sesame_f
write_conf() {  # $1: the Forward lines of door fwd (empty: none)
	cat >"$TMP/sesamed.conf" <<EOF
[options]
	NftTable      = $T
	ControlSocket = $SOCK
[fwd]
	Sequence      = 7000,8000,9000
	Seq_Timeout   = 3
	Open          = 2222/tcp,2300/tcp
	Open_Timeout  = 4
$1
[fwdto]
	Sequence      = 7200,8200,9200
	Seq_Timeout   = 3
	Open          = 2401/tcp
	Open_Timeout  = 4
	Forward       = yes
	Forward_To    = $INNER4:2400
[fwd6]
	Sequence      = 7100,8100,9100
	Seq_Timeout   = 3
	Open          = 22/tcp
	Open_Timeout  = 4
	Forward       = yes
	Forward_To    = [$INNER6]:22
EOF
}
write_conf "	Forward       = yes"
knock() { in_ns "${NS:-$CLI_NS}" "$SESAME" knock "$@" >/dev/null; }
status() { in_srv "$SESAME" status --socket "$SOCK" "$@"; }
empty() { [ -z "$(set_elems "$T" "$1")" ]; }

# --- an nft port forward -------------------------------------------------
in_srv nft -f - <<EOF
table ip lab_nat {
	chain pre {
		type nat hook prerouting priority dstnat; policy accept;
		iifname "br0" tcp dport 2222 dnat to $INNER4:22
		iifname "br0" tcp dport 2300 dnat to $INNER4:2300
		iifname "br0" tcp dport 2401 dnat to $INNER4:2400
		iifname "br0" tcp dport 2402 dnat to $INNER4:2400
	}
}
EOF
check "setup: the router forwards 2222 to the inner host without a gate" reach "$SRV4" 2222
daemon_start d "$TMP/sesamed.conf" || { daemon_show d; finish; }
has_forward() { in_srv nft list chain inet "$T" forward >/dev/null 2>&1; }
check "the gate has a forward chain" has_forward
in_srv nft list table inet "$T" >"$TMP/listed.nft"
check "the table as nft lists it reads back (nft -c)" in_srv nft -c -f "$TMP/listed.nft"
check "no knock: the forwarded port is silently closed" silent_connect "$CLI_NS" "$SRV4" 2222
check "the inner host's own connection to port 2222 out there passes (no DNAT)" \
	reach "$CLI4" 2222 1 "$inner_NS"
check "an inner port nobody guards is still routed" reach "$INNER4" 2400
check "the router's own port 22 is not the Forward_To door's business" reach "$SRV4" 22

knock "$SRV4" 7000 8000 9000
check "knock: the forwarded port opens for the knocker" wait_until 2 reach "$SRV4" 2222
check "... and stays closed for another client" not reach "$SRV4" 2222 1 "$third_NS"
check "the grant is the port the client sent to" \
	[ "$(set_elems "$T" fwd_v4 | grep -c "^$CLI4 . tcp . 2222 ")" -eq 1 ]
st=$(status)
grep '^door' <<<"$st" | while read -r l; do diag "$l"; done
check "status shows the forward door" \
	grep -qE "^door fwd: .*opens 2222/tcp,2300/tcp for 4 s; forwarded to any DNAT destination" <<<"$st"
check "status shows Forward_To" grep -qE "^door fwd6: .*forwarded to \[$INNER6\]:22" <<<"$st"
check "status --json has the inner destination" \
	grep -qF "\"forward\":{\"to\":\"$INNER6\",\"port\":22}" <<<"$(status --json)"

# Forward_To with a DNAT: the original port and the inner destination.
check "Forward_To: the DNAT'd 2401 is closed without a knock" not reach "$SRV4" 2401
check "Forward_To: 2402 to the same inner port is not the door's (not in Open)" reach "$SRV4" 2402
knock "$SRV4" 7200 8200 9200
check "Forward_To: knock opens 2401 to the inner host" wait_until 2 reach "$SRV4" 2401
check "Forward_To: ... for the knocker only" not reach "$SRV4" 2401 1 "$third_NS"

# An IPv6 port forward (NAT66) on the same door.
in_srv nft -f - <<EOF
table ip6 lab_nat6 {
	chain pre {
		type nat hook prerouting priority dstnat; policy accept;
		iifname "br0" tcp dport 2222 dnat to [$INNER6]:22
	}
}
EOF
check "v6 DNAT: closed without a knock" not reach "$SRV6" 2222
knock "$SRV6" 7000 8000 9000
check "v6 DNAT: knock opens" wait_until 2 reach "$SRV6" 2222
check "v6 DNAT: ... for the knocker only" not reach "$SRV6" 2222 1 "$third_NS"
in_srv nft delete table ip6 lab_nat6

# A connection opened during a (fresh) grant, kept across its end.
mkfifo "$TMP/fin"
ip netns exec "$inner_NS" bash -c "exec nc -4 -l 2300 >$TMP/fchat_out" >/dev/null 2>&1 &
disown
wait_until 5 listening "$inner_NS" 2300
knock "$SRV4" 7000 8000 9000
wait_until 2 reach "$SRV4" 2222
ip netns exec "$CLI_NS" bash -c "exec nc $SRV4 2300 <$TMP/fin" >/dev/null 2>&1 &
disown
exec 8>"$TMP/fin"
echo one >&8
check "a connection through the forward during the grant" wait_until 3 grep -q one "$TMP/fchat_out"
peer() { in_ns "$inner_NS" ss -Htn state established "( sport = :2300 )" | grep -q " $CLI4:"; }
check "the inner host sees the client's real address" peer
check "the grant expires in the kernel" wait_until 8 empty fwd_v4
check "after the grant: closed again" not reach "$SRV4" 2222
echo two >&8
check "the established connection outlives the grant" wait_until 3 grep -q two "$TMP/fchat_out"
exec 8>&-

# --- Docker's shape: iptables-nft DNAT and FORWARD accepts ----------------
in_srv nft delete table ip lab_nat
ipt() { in_srv iptables-nft "$@"; }
ipt -t nat -N DOCKER
ipt -t nat -A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER
ipt -t nat -A DOCKER ! -i inner0 -p tcp --dport 2222 -j DNAT --to-destination "$INNER4:22"
ipt -N DOCKER-USER
ipt -A DOCKER-USER -j RETURN
ipt -P FORWARD DROP
ipt -A FORWARD -j DOCKER-USER
ipt -A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
ipt -A FORWARD -d "$INNER4/32" ! -i inner0 -o inner0 -p tcp --dport 22 -j ACCEPT
ipt -A FORWARD -j ACCEPT
# Packets each FORWARD rule accepted (the published port's rule: dpt:22).
fwd_pkts() { ipt -L FORWARD -nvx | awk -v m="${1:-.}" 'NR > 2 && $0 ~ m { s += $1 } END { print s + 0 }'; }
ipt -Z FORWARD
check "docker-like: no knock, closed" silent_connect "$CLI_NS" "$SRV4" 2222
check "docker-like: closed for another client" silent_connect "$third_NS" "$SRV4" 2222
check "docker-like: Docker's FORWARD rules never saw the dropped packets ($(fwd_pkts) accepted)" \
	[ "$(fwd_pkts)" -eq 0 ]
knock "$SRV4" 7000 8000 9000
check "docker-like: knock opens the published port" wait_until 2 reach "$SRV4" 2222
check "docker-like: ... through Docker's accept rule" [ "$(fwd_pkts 'dpt:22')" -ge 1 ]
check "docker-like: still closed for another client" not reach "$SRV4" 2222 1 "$third_NS"
check "docker-like: the grant expires in the kernel" wait_until 8 empty fwd_v4
check "docker-like: closed again" not reach "$SRV4" 2222

# --- IPv6, routed, Forward_To ----------------------------------------------
check "v6 routed: the inner port 22 is closed without a knock" silent_connect "$CLI_NS" "$INNER6" 22
check "v6 routed: another inner port is untouched" reach "$INNER6" 2400
check "v4 routed to the same inner port is untouched (Forward_To is v6)" reach "$INNER4" 22
knock "$SRV6" 7100 8100 9100
check "v6 routed: knock opens the inner port" wait_until 2 reach "$INNER6" 22
check "v6 routed: ... for the knocker only" not reach "$INNER6" 22 1 "$third_NS"
check "v6 routed: the grant expires in the kernel" wait_until 8 empty fwd6_v6
check "v6 routed: closed again" not reach "$INNER6" 22

# --- someone flushes the forward chain ------------------------------------
in_srv nft flush chain inet "$T" forward
fwd_drop() { in_srv nft list chain inet "$T" forward | grep -q "ct original proto-dst 2222 drop"; }
check "setup: the forward chain was flushed" not fwd_drop
knock "$SRV4" 7000 8000 9000
check "the next grant restores the forward chain" wait_until 2 fwd_drop
check "... and says so in the log" log_has d "was deleted or changed by someone else"
check "... and the knocker gets in" wait_until 2 reach "$SRV4" 2222
check "... and nobody else" not reach "$SRV4" 2222 1 "$third_NS"

# --- a reload without Forward doors ---------------------------------------
write_conf ""
sed -i '/^\[fwdto\]/,$d' "$TMP/sesamed.conf"
conf_isolate "$TMP/sesamed.conf" d
daemon_hup d
check "SIGHUP without Forward doors: the forward chain is gone" wait_until 3 not has_forward
check "... and the published port is Docker's business again" wait_until 2 reach "$SRV4" 2222 1 "$third_NS"
check "sesamed still runs" daemon_alive d
check "no sanitizer or error lines in the log" not log_has d "ERROR|runtime error|gate: cannot"
finish
