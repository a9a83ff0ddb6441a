#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# sesamed's sequence rules, end to end with real packets: wrong order,
# interleaved knockers, Seq_Timeout measured from the first knock and
# enforced by a timer, TCPFlags (failing packets ignored; without TCPFlags
# they count), syn,ack needing both flags.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_daemon.sh"
. "$(dirname "$0")/lib_knock.sh"        # kcap_start/kcap_stop
ns_setup
ns_add_host third 3

cat >"$TMP/sesamed.conf" <<EOF
[seq]
	Sequence    = 7000,8000,9000
	Seq_Timeout = 3
	TCPFlags    = syn
	Command     = echo %IP% >> $TMP/opened-seq
[noflags]
	Sequence    = 7601,7602,7603
	Seq_Timeout = 3
	Command     = echo %IP% >> $TMP/opened-noflags
[synack]
	Sequence    = 7501,7502,7503
	Seq_Timeout = 5
	TCPFlags    = syn,ack
	Command     = echo %IP% >> $TMP/opened-synack
EOF
daemon_start d "$TMP/sesamed.conf" || { daemon_show d; finish; }

S=$TMP/opened-seq
k() { in_ns "$1" knock -4 "$SRV4" "${@:2}"; }       # ns, ports: plain SYNs
# Nothing was written to FILE within 0.5 s beyond N lines.
stays() { sleep 0.5; [ "$(lines "$1")" -eq "$2" ]; }

k "$CLI_NS" 8000 7000 9000
check "wrong order stays closed" stays "$S" 0
check "the wrong step is logged" log_has d "door seq: $CLI4: wrong port 9000:tcp at stage 1"
k "$CLI_NS" 7000 8000 7000 8000 9000
check "a first step after a wrong one starts over and opens" has_lines "$S" 1

: >"$S"
k "$CLI_NS" 7000; k "$third_NS" 7000
k "$CLI_NS" 8000; k "$third_NS" 8000
k "$third_NS" 9000; k "$CLI_NS" 9000
check "two interleaved knockers both get in" has_lines "$S" 2
check "... the client" grep -qx "$CLI4" "$S"
check "... and the third host" grep -qx 198.18.0.3 "$S"

: >"$S"
k "$CLI_NS" 7000; sleep 1.1; k "$CLI_NS" 8000; sleep 1.1; k "$CLI_NS" 9000
check "a 2.2 s sequence under Seq_Timeout = 3 opens" has_lines "$S" 1
k "$CLI_NS" 7000; sleep 1.6; k "$CLI_NS" 8000; sleep 1.6
check "the timer ends the attempt at 3 s, before any further packet" \
	log_has d "door seq: $CLI4: timeout at stage 2"
k "$CLI_NS" 9000
check "a 3.2 s sequence stays closed" stays "$S" 1

# A retransmitted SYN (same source port, the step just accepted) is not a
# wrong step: with port 8000 dropped, nc's connect retransmits its SYN.
firewall_nft - <<'NFT'
table inet drop8000 {
	chain input {
		type filter hook input priority 0;
		tcp dport 8000 drop
	}
}
NFT
kcap_start retr tcp dst port 8000
k "$CLI_NS" 7000
in_cli timeout 3 nc -z -w 2 "$SRV4" 8000 &
ncpid=$!
sleep 1.6
k "$CLI_NS" 9000
wait "$ncpid"
kcap_stop retr
in_srv nft delete table inet drop8000
check "nc's SYN to 8000 was retransmitted (same source port)" \
	test "$(capture_count retr)" -ge 2
check "a retransmitted step is ignored, the sequence still opens" has_lines "$S" 2
echo x >"$S"           # back to one line, as before this block

# TCPFlags = syn: an ACK to a sequence port is not a knock at all.
ack() { ip netns exec "$CLI_NS" nmap -n -Pn --max-retries 0 -sA -p "$1" "$SRV4" >/dev/null 2>&1; }
k "$CLI_NS" 7000; ack 8000; k "$CLI_NS" 8000 9000
check "TCPFlags: a packet failing the flags is ignored, not a wrong step" has_lines "$S" 2
ack 7000; ack 8000; ack 9000
check "TCPFlags: ACKs alone open nothing" stays "$S" 2
k "$CLI_NS" 7601; ack 7603; k "$CLI_NS" 7602 7603
check "without TCPFlags the same ACK counts as a wrong step" stays "$TMP/opened-noflags" 0
k "$CLI_NS" 7601 7602 7603
check "... and the door still opens for SYNs" has_lines "$TMP/opened-noflags" 1

k "$CLI_NS" 7501 7502 7503
check "TCPFlags = syn,ack: plain SYNs open nothing" stays "$TMP/opened-synack" 0
for p in 7501 7502 7503; do
	ip netns exec "$CLI_NS" nmap -n -Pn --max-retries 0 -sS --scanflags SYNACK \
		-p $p "$SRV4" >/dev/null 2>&1
done
check "TCPFlags = syn,ack: SYN+ACK packets open" has_lines "$TMP/opened-synack" 1

check "still running" daemon_alive d
daemon_stop d
daemon_show d
finish
