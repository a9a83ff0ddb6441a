#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# sesamed opens a door for every usual knock client, over IPv4 and IPv6:
# Debian's knock (TCP and UDP), sesame knock, nmap (one SYN probe per
# port) and nc -z.  The knock ports are dropped by the server's firewall,
# as in real use: libpcap sees the packets before netfilter drops them.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_daemon.sh"
ns_setup

firewall_nft - <<'NFT'
table inet knockports {
	chain input {
		type filter hook input priority 0;
		tcp dport { 7000, 8000, 9000 } drop
		udp dport { 7100, 7200, 7300 } drop
	}
}
NFT

cat >"$TMP/sesamed.conf" <<EOF
[options]
	LogFile = $TMP/sesamed-file.log
[tcpdoor]
	Sequence    = 7000,8000,9000
	Seq_Timeout = 10
	TCPFlags    = syn
	Command     = echo %IP% >> $TMP/opened-tcp
[udpdoor]
	Sequence    = 7100:udp,7200:udp,7300:udp
	Seq_Timeout = 10
	Command     = echo %IP% >> $TMP/opened-udp
EOF
check "sesamed starts in the server namespace" daemon_start d "$TMP/sesamed.conf"

T=$TMP/opened-tcp U=$TMP/opened-udp
opened_by() {  # file, expected line count, expected address
	has_lines "$1" "$2" && [ "$(tail -n1 "$1")" = "$3" ]
}

n=0
for host in "$SRV4" "$SRV6"; do
	case $host in *:*) fam=-6 me=$CLI6 v=v6 ;; *) fam=-4 me=$CLI4 v=v4 ;; esac

	in_cli knock $fam "$host" 7000 8000 9000
	n=$((n + 1)); check "Debian knock opens the TCP door ($v)" opened_by "$T" $n "$me"

	if "$SESAME" knock -h >/dev/null 2>&1; then
		in_cli "$SESAME" knock $fam "$host" 7000 8000 9000
		n=$((n + 1)); check "sesame knock opens the TCP door ($v)" opened_by "$T" $n "$me"
	else
		diag "sesame knock not built in this tree; its check is left out"
	fi

	knock_nmap "$host" 7000 8000 9000
	n=$((n + 1)); check "nmap -p PORT (one run per port) opens the TCP door ($v)" opened_by "$T" $n "$me"

	for p in 7000 8000 9000; do in_cli nc $fam -z -w1 "$host" $p; done
	n=$((n + 1)); check "nc -z -w1 opens the TCP door ($v)" opened_by "$T" $n "$me"
done

in_cli knock -u -4 "$SRV4" 7100 7200 7300
check "Debian knock -u opens the UDP door (v4)" opened_by "$U" 1 "$CLI4"
in_cli knock -u -6 "$SRV6" 7100 7200 7300
check "Debian knock -u opens the UDP door (v6)" opened_by "$U" 2 "$CLI6"

check "the log file names door, source and decision" \
	grep -q "door tcpdoor: $CLI4: stage 2" "$TMP/sesamed-file.log"
check "sesamed stops on SIGTERM" daemon_stop d
check "exit line logged" log_has d "stopped"

# -4 (knockd's --only-ip-v4): IPv6 knocks are ignored.  -l is accepted.
check "sesamed -4 -l starts" daemon_start d4 "$TMP/sesamed.conf" -4 -l
check "-l says names are not looked up" log_has d4 "DNS names are not looked up"
n=$(lines "$T")
in_cli knock -6 "$SRV6" 7000 8000 9000
sleep 0.5
check "-4: an IPv6 knock opens nothing" test "$(lines "$T")" -eq "$n"
in_cli knock -4 "$SRV4" 7000 8000 9000
check "-4: an IPv4 knock still opens" opened_by "$T" $((n + 1)) "$CLI4"
daemon_stop d4

# -i any: libpcap's cooked headers; a bridged packet is seen on the port
# and on the bridge, and the copy is ignored as a repeat.
check "sesamed -i any starts" daemon_start dany "$TMP/sesamed.conf" -i any
n=$(lines "$T")
in_cli knock -4 "$SRV4" 7000 8000 9000
check "-i any: an IPv4 knock opens" opened_by "$T" $((n + 1)) "$CLI4"
in_cli knock -6 "$SRV6" 7000 8000 9000
check "-i any: an IPv6 knock opens" opened_by "$T" $((n + 2)) "$CLI6"
sleep 0.3
check "-i any: once each, not once per copy" test "$(lines "$T")" -eq $((n + 2))
daemon_stop dany
daemon_show d
daemon_show d4 20
finish
