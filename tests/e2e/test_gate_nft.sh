#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The native nftables gate against the real kernel, driven directly through
# its own interface (build/bench/nft_grant: gate_nft_new, gate_nft_grant,
# gate_nft_list in a namespace; no daemon, so what is shown here is the
# gate's own doing).  Door openSSH guards 2222 and 2224 with
# Open_Timeout 3; its knock ports are 7000,8000,9000/tcp; door spa has
# SPA_Port 62201 and guards 443.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_nft.sh"
ns_setup
ns_add_host third 3
tcp_service 2222
gate() { in_srv "$GRANT" -p 2222 -p 2224 -t 3 "$@"; }

check "service reachable before the gate" reach "$SRV4" 2222
check "the gate loads" gate list
check "guarded port closed for the client (IPv4)" not reach "$SRV4" 2222
check "guarded port closed for the client (IPv6)" not reach "$SRV6" 2222

# --- grant: open for the grantee only --------------------------------
check "grant the client's IPv4 address" gate grant "$CLI4"
check "open for the client after the grant" reach "$SRV4" 2222
check "still closed for a third host on the same link" not reach "$SRV4" 2222 1 "$third_NS"
check "an IPv4 grant does not open IPv6" not reach "$SRV6" 2222

# --- refresh, and a restart keeps the grant --------------------------
e1=$(gate list | awk -v a="$CLI4" '$2 == a && $3 == "2222/tcp" { print $4 }')
sleep 1
gate grant "$CLI4" >/dev/null 2>&1
lines=$(gate list | awk -v a="$CLI4" '$2 == a && $3 == "2222/tcp"')
e2=$(awk '{ print $4 }' <<<"$lines")
check "a second grant leaves one element per port" [ "$(grep -c . <<<"$lines")" -eq 1 ]
check "... and kernel agrees: one element for the address and port" \
	[ "$(set_elems sesame openSSH_v4 | grep -c "^$CLI4 . tcp . 2222 ")" -eq 1 ]
check "a second grant moves the expiry (${e1:-?} ms -> ${e2:-?} ms left)" \
	[ -n "$e1" ] && [ -n "$e2" ] && [ "$e2" -gt "$e1" ] && [ "$e2" -gt 2500 ]
check "reloading the table (a restart) kept the grant" reach "$SRV4" 2222

# --- a session opened during the grant outlives it --------------------
chat_server 2224
gate grant "$CLI4" >/dev/null 2>&1
bg "$CLI_NS" bash -c "exec 3<>/dev/tcp/$SRV4/2224 || exit 1; echo before >&3; sleep 4.5;
	echo after >&3; read -t 4 -r line <&3; echo \"\$line\" >$TMP/chat_got"
chat_pid=$BG_PID
sleep 4
check "closed again after Open_Timeout, with nothing of ours running" not reach "$SRV4" 2222
check "the kernel removed the element" [ -z "$(set_elems sesame openSSH_v4)" ]
sleep 1
echo reply >&7
wait_until 6 test -s "$TMP/chat_got"
check "the session opened during the grant still sends after it ended" grep -qx after "$TMP/chat_out"
check "... and still receives" grep -qx reply "$TMP/chat_got"
kill "$chat_pid" 2>/dev/null
exec 7>&-

# --- stealth: nothing answers a stranger -----------------------------
capture_start stealth host 198.18.0.3 or host 2001:db8:5e5::3
check "guarded port: a stranger's connect times out (no RST)" silent_connect "$third_NS" "$SRV4" 2222
check "knock port: a stranger's connect times out (no RST)" silent_connect "$third_NS" "$SRV4" 7000
check "guarded port over IPv6: times out too" silent_connect "$third_NS" "$SRV6" 2222
in_ns "$third_NS" bash -c "echo x | nc -u -w 1 $SRV4 62201" >/dev/null 2>&1
in_ns "$third_NS" bash -c "echo x | nc -u -w 1 $SRV4 5999" >/dev/null 2>&1
in_ns "$third_NS" nc -z -w 1 "$SRV4" 2999 >/dev/null 2>&1
capture_stop stealth
check "the capture saw the stranger's packets to guarded, knock and SPA ports" \
	[ "$(capture_count stealth 'dst host 198.18.0.1 and (tcp dst port 2222 or tcp dst port 7000 or udp dst port 62201)')" -ge 3 ]
check "control: an unguarded closed port answers (RST / ICMP), so the capture sees replies" \
	[ "$(capture_count stealth 'ip src 198.18.0.1 and (tcp src port 2999 or icmp)')" -ge 2 ]
check "no reply at all from the server to the guarded, knock and SPA ports" \
	[ "$(capture_count stealth '(ip src 198.18.0.1 or ip6 src 2001:db8:5e5::1) and not tcp src port 2999 and not (icmp and icmp[8+20+2:2] = 5999) and not (icmp6 and (ip6[40] == 135 or ip6[40] == 136))')" -eq 0 ]

# --- IPv6 grants go to the v6 set ------------------------------------
check "grant the client's IPv6 address" gate grant "$CLI6"
check "open for the client over IPv6" reach "$SRV6" 2222
check "the IPv6 grant is in the v6 set" [ "$(set_elems sesame openSSH_v6 | grep -c "^$CLI6 ")" -ge 1 ]
check "the v4 set stays empty" [ -z "$(set_elems sesame openSSH_v4)" ]
check "IPv4 from the same client stays closed" not reach "$SRV4" 2222

# --- beside a host ruleset with policy drop --------------------------
firewall_nft - <<'NFT'
table inet host {
	chain input {
		type filter hook input priority 0; policy drop;
		ct state established,related accept
		iif lo accept
		meta l4proto ipv6-icmp accept
		tcp dport 2222 accept
	}
}
NFT
check "host policy drop: the guarded port stays closed for a stranger" not reach "$SRV4" 2222 1 "$third_NS"
check "host policy drop: a grant opens it for the client" gate grant "$CLI4"
check "host policy drop: open for the client" reach "$SRV4" 2222
check "the host's table is untouched by the gate" in_srv nft list chain inet host input
in_srv nft delete table inet host

# --- someone deletes or flushes the table under a running gate -------
coproc SERVE { in_srv "$GRANT" -p 2222 -t 3 serve 2>"$TMP/serve.log"; }
ask() { echo "$1" >&"${SERVE[1]}"; local a; read -t 5 -r a <&"${SERVE[0]}" && [ "$a" = ok ]; }
check "long-lived gate answers" ask verify
in_srv nft delete table inet sesame
check "table deleted by hand: the port is open to strangers" reach "$SRV4" 2222 1 "$third_NS"
check "the next grant succeeds" ask "grant $CLI4"
check "... having restored the table: closed for strangers again" not reach "$SRV4" 2222 1 "$third_NS"
check "... and open for the grantee" reach "$SRV4" 2222
check "... with a log line" grep -q "restoring" "$TMP/serve.log"
in_srv nft flush chain inet sesame input
check "chain flushed by hand: the next grant restores it" ask "grant $CLI4"
check "closed for strangers again" not reach "$SRV4" 2222 1 "$third_NS"
in_srv nft flush ruleset
check "ruleset flushed: verify restores it" ask verify
check "closed for strangers again (after flush ruleset)" not reach "$SRV4" 2222 1 "$third_NS"
check "two restores logged" [ "$(grep -c restoring "$TMP/serve.log")" -ge 3 ]
exec {SERVE[1]}>&-

# --- clear errors ----------------------------------------------------
out=$(in_srv setpriv --bounding-set -net_admin "$GRANT" -p 2222 list 2>&1)
rc=$?
check "without CAP_NET_ADMIN: exit 1" [ "$rc" -eq 1 ]
check "without CAP_NET_ADMIN: one line naming the cause" \
	[ "$(grep -c . <<<"$out")" -eq 1 ] && grep -q "CAP_NET_ADMIN" <<<"$out"
diag "$out"

# --- removal on purpose ----------------------------------------------
check "remove deletes the table" gate remove
check "no table left" not in_srv nft list table inet sesame
check "remove again is fine" gate remove
finish
