#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/demo_daemon.sh — the user's story with the daemon: sesamed guards a
# real OpenSSH server behind a default-drop nftables firewall; its
# Start_Command lets the knocker's address in, its Stop_Command takes it
# out again after Cmd_Timeout.  Played in network namespaces on this
# machine (nothing leaves it); every step is printed; everything is
# removed at the end.  Exits 0 only when every step happened as told.
#
#   server 198.18.0.1: sshd on port 22, sesamed on br0, policy drop
#   client 198.18.0.2: ssh, and `sesame knock` (Debian's knock if absent)
. "$(dirname "$0")/e2e/lib.sh"
. "$(dirname "$0")/e2e/lib_daemon.sh"
. "$(dirname "$0")/e2e/lib_sshd.sh"

bold= plain=
if [ -t 1 ]; then bold=$(tput bold 2>/dev/null) plain=$(tput sgr0 2>/dev/null); fi
say()  { printf '\n%s==> %s%s\n' "$bold" "$*" "$plain"; }
show() { printf '    $ %s\n' "$*"; }
good() { printf '    %s\n' "$*"; }
fail() { printf '\n%sDEMO FAILED: %s%s\n' "$bold" "$*" "$plain"; [ -f "$TMP/d.log" ] && sed 's/^/    | /' "$TMP/d.log"; exit 1; }

[ -x "$SESAMED" ] || fail "no $SESAMED: run 'make' first"
command -v sshd >/dev/null && command -v ssh >/dev/null || fail "needs openssh-server and openssh-client"

say "Two network namespaces joined by a virtual link: server $SRV4, client $CLI4"
ns_setup

say "Server: a default-drop firewall; port 22 only for addresses in set @knocked"
firewall_nft - <<'NFT' || fail "nft refused the ruleset"
table inet demo {
	set knocked { type ipv4_addr; }
	chain input {
		type filter hook input priority 0; policy drop;
		iifname lo accept
		ct state established,related accept
		tcp dport 22 ip saddr @knocked accept
	}
}
NFT
in_srv nft list ruleset | sed 's/^/    | /'

say "Server: sshd on port 22 (throw-away host key and client key)"
sshd_start || fail "sshd did not start: $(cat "$TMP/sshd.log")"
good "sshd listening on $SRV4:22"

say "Server: sesamed with a knockd-style door"
cat >"$TMP/sesamed.conf" <<'EOF'
[options]
	UseSyslog = no
[openSSH]
	Sequence      = 8881,7777,9991
	Seq_Timeout   = 5
	TCPFlags      = syn
	Start_Command = nft add element inet demo knocked { %IP% }
	Stop_Command  = nft delete element inet demo knocked { %IP% }
	Cmd_Timeout   = 10
EOF
sed 's/^/    | /' "$TMP/sesamed.conf"
show "sesamed -c sesamed.conf -i br0 -v"
daemon_start d "$TMP/sesamed.conf" || fail "sesamed did not start"
good "$(grep -o 'capturing on.*' "$TMP/d.log")"

try_ssh() {
	show "ssh -i client_key root@$SRV4 'echo hello from \$(ip -br -4 addr show br0)'"
	local t0=$(date +%s%N) out rc
	out=$(in_cli ssh -F /dev/null -i "$TMP/client_key" -o BatchMode=yes \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
		-o LogLevel=ERROR -o ConnectTimeout=2 "root@$SRV4" \
		'echo hello from $(ip -br -4 addr show br0 | tr -s " ")' 2>&1)
	rc=$?
	good "${out:-(nothing)}  [$(( ($(date +%s%N) - t0) / 1000000 )) ms]"
	[ $rc -eq 0 ] && [[ $out == "hello from br0 UP $SRV4/24"* ]]
}

say "Client: ssh before knocking fails (its SYNs are dropped; 2 s timeout)"
try_ssh && fail "ssh got in without knocking"
good "=> no way in"

if "$SESAME" knock -h >/dev/null 2>&1; then KNOCK=("$SESAME" knock -v); else KNOCK=(knock -v); fi
say "Client: knocking 8881, 7777, 9991"
show "${KNOCK[*]##*/} $SRV4 8881 7777 9991"
in_cli "${KNOCK[@]}" "$SRV4" 8881 7777 9991 | sed 's/^/    /'
wait_until 2 log_has d "running start command" || fail "sesamed did not open"
grep -E "door openSSH" "$TMP/d.log" | sed 's/^.*\] /    sesamed: /'

say "Client: ssh again"
try_ssh || fail "ssh did not get in after the knock"
good "=> in, and the remote command ran"

say "The firewall set now holds the client's address"
in_srv nft list set inet demo knocked | grep -E 'elements' | sed 's/^\s*/    | /'

say "After Cmd_Timeout (10 s) sesamed runs the Stop_Command; waiting..."
wait_until 13 log_has d "running stop command" || fail "no stop command"
grep -E "closing|stop command" "$TMP/d.log" | sed 's/^.*\] /    sesamed: /'
no_element() { ! in_srv nft list set inet demo knocked | grep -q elements; }
wait_until 3 no_element || fail "the address is still in the set"
try_ssh && fail "ssh still got in after the stop command"
good "=> closed again for new connections"

say "Stopping sesamed (SIGTERM)"
daemon_stop d || fail "sesamed did not stop"
good "$(tail -n1 "$TMP/d.log" | sed 's/^.*\] //')"
say "The story worked.  Cleaning up the namespaces."
exit 0
