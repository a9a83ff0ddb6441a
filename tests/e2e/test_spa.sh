#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Native SPA end to end: sesame keygen -> the server's SPA_Keys line ->
# `sesame spa` opens the native nft gate (table inet sesame_spa, a set
# element per grant) over IPv4 and IPv6, with nothing listening on the SPA port and
# nothing answered.  The datagram captured on the wire and replayed is
# refused, also after kill -9 and a restart; every kind of bad packet is
# refused with its own log reason and opens nothing; --allow works only
# where the door allows it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_daemon.sh"
. "$(dirname "$0")/lib_spa.sh"
. "$(dirname "$0")/lib_nft.sh"
ns_setup
ns_add_host third 3
tcp_service 2222

# Client keys: alice is authorized, bob is not.
export HOME=$TMP/home
mkdir -p "$HOME"
check "keygen writes a key and prints one line" \
	bash -c "'$SESAME' keygen --name alice >'$TMP/alice.line' 2>'$TMP/keygen.err'"
check "... the key file is mode 0600 in ~/.config/sesame" \
	test "$(stat -c %a "$HOME/.config/sesame/alice.key")" = 600
check "... and the printed line is the server's line" \
	grep -qE '^alice [0-9a-f]{16} [A-Za-z0-9+/]{43}=$' "$TMP/alice.line"
"$SESAME" keygen --name bob -o "$TMP/bob.key" >/dev/null 2>&1
install -m 0600 "$TMP/alice.line" "$TMP/spa_keys"

cat >"$TMP/sesamed.conf" <<EOF
[options]
	NftTable      = sesame_spa
	ReplayCache   = $TMP/replay
	StateDir      = $TMP/state
	ControlSocket = $TMP/control
[ssh]
	SPA_Port     = 62201
	SPA_Keys     = $TMP/spa_keys
	SPA_Window   = 90
	Open         = 2222/tcp
	Open_Timeout = 20
[nat]
	SPA_Port          = 62202
	SPA_Keys          = $TMP/spa_keys
	Open              = 2222/tcp
	Open_Timeout      = 20
	SPA_Allow_Address = 198.18.0.0/24
EOF
mkdir -p "$TMP/state"
daemon_start d "$TMP/sesamed.conf" || { daemon_show d; finish; }
spa() { in_cli "$SESAME" spa --key "$HOME/.config/sesame/alice.key" "$@"; }
reset_fw() { in_srv nft flush set inet sesame_spa ssh_v4; in_srv nft flush set inet sesame_spa ssh_v6; }
elems() { set_elems sesame_spa "$1"; }

check "guarded port closed before" not reach "$SRV4" 2222
check "no socket listens on the SPA port (ss -uln)" \
	not bash -c "ip netns exec '$SRV_NS' ss -Huln | grep -q ':6220[12]\b'"

capture_start spa "udp port 62201 or icmp or (icmp6 and ip6[40] == 1)"
check "sesame spa sends and exits 0" spa "$SRV4"
check "IPv4: the door opens for the client" wait_until 2 reach "$SRV4" 2222
check "... logged with the key's name" log_has d "door ssh: $CLI4: SPA accepted: key alice"
check "... one element in ssh_v4 for the client, the door's port" \
	test "$(elems ssh_v4 | grep -c "^$CLI4 . tcp . 2222 ")" -eq 1
check "... not for IPv6" not reach "$SRV6" 2222
check "IPv6: sesame spa -6 opens for the v6 address" \
	spa -6 "$SRV6"
check "... reachable over IPv6" wait_until 2 reach "$SRV6" 2222
capture_stop spa
check "the server answered nothing (no UDP, no ICMP unreachable)" \
	test "$(capture_count spa "src host $SRV4 or src host $SRV6")" -eq 0
check "two SPA datagrams were on the wire" \
	test "$(spa_payloads "$TMP/spa.pcap" "$TMP/pkts")" -eq 2
check "... each of 128 bytes" test "$(stat -c %s "$TMP/pkts/0.bin")" -eq 128

# Replays of the captured datagram.
reset_fw
check "the closed port after flushing the grants" not reach "$SRV4" 2222
spa_send "$CLI_NS" "$SRV4" 62201 "$TMP/pkts/0.bin"
check "captured datagram replayed: refused as a replay" \
	wait_until 2 log_has d "door ssh: $CLI4: SPA refused: replayed packet"
check "... and nothing opened" not reach "$SRV4" 2222
kill -9 "$(daemon_pid d)"
wait_until 3 not daemon_alive d
daemon_start d2 "$TMP/sesamed.conf" || daemon_show d2
spa_send "$CLI_NS" "$SRV4" 62201 "$TMP/pkts/0.bin"
spa_send "$CLI_NS" "$SRV6" 62201 "$TMP/pkts/1.bin"
check "after kill -9 and restart: the v4 replay is refused" \
	wait_until 2 log_has d2 "door ssh: $CLI4: SPA refused: replayed packet"
check "... and the v6 one" wait_until 2 log_has d2 "door ssh: $CLI6: SPA refused: replayed packet"
check "... nothing opened" not reach "$SRV4" 2222

# Every kind of bad packet: its own reason, nothing opened.
refused() {  # reason source
	wait_until 2 log_has d2 "door ssh: $2: SPA refused: $1"
}
spa "$SRV4" --key "$TMP/bob.key"
check "a key the server does not know: unknown key id" refused "unknown key id" "$CLI4"
spa "$SRV4" --time-offset -150
check "timestamp 150 s old: stale" refused "stale timestamp" "$CLI4"
spa "$SRV4" --time-offset 150
check "timestamp 150 s ahead: future" refused "future timestamp" "$CLI4"
spa_send "$CLI_NS" "$SRV4" 62201 "$TMP/pkts/0.bin" flip:77
check "one bit flipped in the ciphertext: authentication failed" \
	refused "authentication failed" "$CLI4"
spa_send "$CLI_NS" "$SRV4" 62201 "$TMP/pkts/0.bin" cut:100
check "truncated: bad size" refused "bad size" "$CLI4"
spa_send "$CLI_NS" "$SRV6" 62201 "$TMP/pkts/1.bin" grow:1
check "oversized: bad size" refused "bad size" "$CLI6"
spa_send "$CLI_NS" "$SRV4" 62201 "$TMP/pkts/0.bin" flip:0
check "another version byte: unknown version" refused "unknown version" "$CLI4"
spa "$SRV4" --open tcp/22
check "--open a port outside the door: refused" \
	refused "port not in the door's Open: alice asked for 22/tcp" "$CLI4"
spa "$SRV4" --allow 198.18.0.3
check "--allow another address under the default policy: refused" \
	refused "address not allowed: alice asked for 198.18.0.3" "$CLI4"
check "none of them opened anything (v4 set empty)" test -z "$(elems ssh_v4)"
check "... (v6 set empty)" test -z "$(elems ssh_v6)"
check "... the port is still closed" not reach "$SRV4" 2222

# A door that allows 198.18.0.0/24: the client opens for the third host.
spa "$SRV4" --port 62202 --allow 198.18.0.3 --open 2222/tcp
check "--allow under SPA_Allow_Address = 198.18.0.0/24 opens for that address" \
	wait_until 2 eval '[ -n "$(elems nat_v4 | grep "^198.18.0.3 . tcp . 2222 ")" ]'
check "... the third host reaches the port" reach "$SRV4" 2222 1 "$third_NS"
check "... the sender was not let in" test -z "$(elems nat_v4 | grep "^$CLI4 ")"
spa "$SRV4" --port 62202 --allow 192.0.2.1
check "... an address outside the list is refused" \
	wait_until 2 log_has d2 "door nat: $CLI4: SPA refused: address not allowed"

# SIGHUP rereads SPA_Keys: bob, refused above, is let in after his line
# is added; the replay cache carries over.
"$SESAME" keygen --name bob2 -o "$TMP/bob2.key" >>"$TMP/spa_keys" 2>/dev/null
daemon_hup d2
check "SIGHUP: reloaded" wait_until 3 log_has d2 "reloaded"
in_cli "$SESAME" spa "$SRV4" --key "$TMP/bob2.key" --port 62202 --allow 198.18.0.3
check "... a key added to SPA_Keys opens after SIGHUP" \
	wait_until 2 log_has d2 "door nat: $CLI4: SPA accepted: key bob2, for 198.18.0.3"
spa_send "$CLI_NS" "$SRV4" 62201 "$TMP/pkts/0.bin"
check "... and the replay cache still refuses the old packet" \
	wait_until 2 eval '[ "$(grep -c "door ssh: $CLI4: SPA refused: replayed packet" "$TMP/d2.log")" -ge 2 ]'

check "a fresh packet still opens after all that" spa "$SRV4"
check "... it does" wait_until 2 reach "$SRV4" 2222
check "sesamed still running" daemon_alive d2
daemon_stop d2
daemon_show d2 40

# Key files the daemon refuses to start with, naming the file (and line).
start_fails() {  # regex
	conf_isolate "$TMP/sesamed.conf"
	in_srv timeout 5 "$SESAMED" -c "$TMP/sesamed.conf" -i "$SRV_IF" >"$TMP/fail.out" 2>&1
	local rc=$?
	sed 's/^/# /' "$TMP/fail.out" | tail -n 3
	[ "$rc" -eq 1 ] && grep -qE "$1" "$TMP/fail.out"
}
chmod 0644 "$TMP/spa_keys"
check "a world-readable SPA_Keys file: sesamed refuses to start" \
	start_fails "$TMP/spa_keys: accessible by others"
chmod 0600 "$TMP/spa_keys"
echo "bob 0000 not-a-key" >>"$TMP/spa_keys"
check "a malformed line: refused with file:line" \
	start_fails "$TMP/spa_keys:$(wc -l <"$TMP/spa_keys"): key id must be"
rm -f "$TMP/spa_keys"
check "a missing SPA_Keys file: refused with its name" start_fails "$TMP/spa_keys: cannot open"
finish
