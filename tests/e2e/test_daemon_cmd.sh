#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The command gate against a real firewall: a Start_Command adds %IP% to
# an nft set that guards a real TCP service, Stop_Command removes it after
# Cmd_Timeout; a second knock while open refreshes instead of starting
# twice; IPv6 uses the _6 commands; SIGTERM runs pending stops; a failing
# command is logged with door and address.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_daemon.sh"
ns_setup
tcp_service 2222

firewall_nft - <<'NFT'
table inet fw {
	set allowed4 { type ipv4_addr; }
	set allowed6 { type ipv6_addr; }
	chain input {
		type filter hook input priority 0; policy accept;
		tcp dport 2222 ip saddr @allowed4 accept
		tcp dport 2222 ip6 saddr @allowed6 accept
		tcp dport 2222 drop
		tcp dport { 7000, 8000, 9000, 7100, 7200, 7300, 7400 } drop
	}
}
NFT

cat >"$TMP/sesamed.conf" <<EOF
[ssh]
	Sequence        = 7000,8000,9000
	Seq_Timeout     = 5
	Start_Command   = echo %IP% >> $TMP/starts; nft add element inet fw allowed4 { %IP% }
	Start_Command_6 = echo %IP% >> $TMP/starts; nft add element inet fw allowed6 { %IP% }
	Stop_Command    = echo %IP% >> $TMP/stops; nft delete element inet fw allowed4 { %IP% }
	Stop_Command_6  = echo %IP% >> $TMP/stops; nft delete element inet fw allowed6 { %IP% }
	Cmd_Timeout     = 3
[longssh]
	Sequence        = 7100,7200,7300
	Start_Command   = nft add element inet fw allowed4 { %IP% }
	Stop_Command    = nft delete element inet fw allowed4 { %IP% }; echo %IP% >> $TMP/longstops
	Cmd_Timeout     = 600
[broken]
	Sequence        = 7400
	Start_Command   = exit 3
EOF
daemon_start d "$TMP/sesamed.conf" || { daemon_show d; finish; }
k() { in_cli knock "$@"; }

check "guarded port closed before any knock" not reach "$SRV4" 2222
k -4 "$SRV4" 7000 8000 9000
t0=$(date +%s%N)
check "knock: Start_Command opens the port for the knocker" wait_until 2 reach "$SRV4" 2222
check "Cmd_Timeout: Stop_Command closes it again" wait_until 6 not reach "$SRV4" 2222
t1=$(date +%s%N)
ms=$(( (t1 - t0) / 1000000 ))
check "... after about 3 s (took $ms ms)" test "$ms" -ge 2800 -a "$ms" -le 5500
check "start and stop ran once each" test "$(lines "$TMP/starts")" -eq 1 -a "$(lines "$TMP/stops")" -eq 1

k -4 "$SRV4" 7000 8000 9000
wait_until 2 reach "$SRV4" 2222
sleep 1.5
k -4 "$SRV4" 7000 8000 9000
check "a second success while open is logged as a refresh" \
	wait_until 2 log_has d "door ssh: $CLI4: already open"
check "... and does not run Start_Command twice" test "$(lines "$TMP/starts")" -eq 2
sleep 2
check "... it pushes the stop back: still open 3.5 s after the first knock" reach "$SRV4" 2222
check "... and closes 3 s after the second" wait_until 4 not reach "$SRV4" 2222
check "... with one stop" test "$(lines "$TMP/stops")" -eq 2

k -6 "$SRV6" 7000 8000 9000
check "IPv6: Start_Command_6 opens for the v6 address" wait_until 2 reach "$SRV6" 2222
check "... not for the v4 one" not reach "$SRV4" 2222
check "... Stop_Command_6 closes it" wait_until 6 not reach "$SRV6" 2222
check "... the v6 commands saw the v6 address" grep -qx "$CLI6" "$TMP/stops"

k -4 "$SRV4" 7400
check "a failing command is logged with door, address and status" \
	wait_until 2 log_has d "door broken: $CLI4: start command failed: exit status 3"

k -4 "$SRV4" 7100 7200 7300
check "long door open (Cmd_Timeout 600)" wait_until 2 reach "$SRV4" 2222
check "SIGTERM: sesamed exits" daemon_stop d
check "... having run the pending Stop_Command" grep -qx "$CLI4" "$TMP/longstops"
check "... so the port is closed" not reach "$SRV4" 2222
check "... and logged it" log_has d "running 1 pending stop command"
daemon_show d
finish
