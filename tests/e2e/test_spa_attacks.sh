#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Attacks on the SPA doors, each refused (docs/sesamed.md, "Attacks and
# how they are refused"):
# - a key holder asking for one port twice, twelve times: the worker is
#   not killed, sesamed keeps running, and a good packet then opens;
# - packets forged in a victim's name (its source address, its public key
#   id; anything for an fwknop door), sent from another host with hping3:
#   the victim's genuine packet amid them opens;
# - a packet copied on its way and redirected to another door's SPA_Port
#   opens nothing there, and the original still opens its own door;
# - a packet made for another door (--door), a legacy version 1 packet,
#   and, on a door with SPA_Require_Address, a packet naming no address:
#   refused;
# - a refusal on a port a native and an fwknop door share is logged under
#   the door whose format judged it;
# - a worker killed again and again: restarted with a growing delay,
#   sesamed never gives up.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_daemon.sh"
. "$(dirname "$0")/lib_spa.sh"
. "$(dirname "$0")/lib_nft.sh"
. "$(dirname "$0")/lib_fwknop.sh"
ns_setup
ns_add_host third 3
tcp_service 2222
tcp_service 2223
tcp_service 2224

export HOME=$TMP/home
mkdir -p "$HOME" "$TMP/state"
chmod 700 "$TMP/state"
"$SESAME" keygen --name alice >"$TMP/alice.line" 2>/dev/null
install -m 0600 "$TMP/alice.line" "$TMP/spa_keys"
KEYID=$(awk '{print $2}' "$TMP/alice.line")

cat >"$TMP/sesamed.conf" <<EOF
[options]
	NftTable      = sesame_atk
	ReplayCache   = $TMP/state/replay
	StateDir      = $TMP/state
	ControlSocket = $TMP/state/control
[ssh]
	SPA_Port     = 62201
	SPA_Keys     = $TMP/spa_keys
	SPA_Window   = 90
	Open         = 2222/tcp
	Open_Timeout = 30
[other]
	SPA_Port     = 62202
	SPA_Keys     = $TMP/spa_keys
	Open         = 2223/tcp
	Open_Timeout = 30
[strict]
	SPA_Port            = 62203
	SPA_Keys            = $TMP/spa_keys
	Open                = 2224/tcp
	SPA_Require_Address = yes
[legacy]
	SPA_Port      = 62205
	SPA_Keys      = $TMP/spa_keys
	Open          = 2223/tcp
	SPA_Accept_V1 = yes
[fwk]
	SPA_Port               = 62201
	SPA_Format             = fwknop
	Fwknop_Key_Base64      = $FWK_KEY
	Fwknop_HMAC_Key_Base64 = $FWK_HMAC
	Open                   = 2222/tcp
	Open_Timeout           = 30
EOF
daemon_start d "$TMP/sesamed.conf" || { daemon_show d; finish; }
spa() { in_cli "$SESAME" spa --key "$HOME/.config/sesame/alice.key" "$@"; }
fwk() { in_cli "$SESAME" spa --fwknop "$SRV4" --port 62201 --key-base64 "$FWK_KEY" \
	--hmac-key-base64 "$FWK_HMAC" "$@"; }
elems() { set_elems sesame_atk "$1"; }
flush() { local s; for s in "$@"; do in_srv nft flush set inet sesame_atk "$s"; done; }
worker() { pgrep -P "$(daemon_pid d)" -x "$(cat "/proc/$(daemon_pid d)/comm")"; }
count() { grep -cE "$1" "$(daemon_log d)"; }

check "the guarded ports are closed" not reach "$SRV4" 2222

# 1. One port asked for twice, twelve times in a row.
W0=$(worker)
check "a worker runs" test -n "$W0"
for i in $(seq 12); do
	spa "$SRV4" --open 2222/tcp,2222/tcp
	sleep 0.25
done
fwk --open tcp/2222,tcp/2222 --allow "$CLI4"
check "twelve requests for 2222/tcp twice: each granted once, as one port" \
	wait_until 3 eval '[ "$(count "door ssh: $CLI4: SPA accepted: key alice")" -eq 12 ]'
check "... fwknop's tcp/2222,tcp/2222 too" \
	wait_until 3 log_has d "door fwk: $CLI4: SPA accepted: fwknop user"
check "... one element in the set for it" \
	test "$(elems ssh_v4 | grep -c "^$CLI4 . tcp . 2222 ")" -eq 1
check "... no malformed message reached the parent" not log_has d "malformed message"
check "... the worker was never killed (same pid)" test "$(worker)" = "$W0"
check "... sesamed still running" daemon_alive d
flush ssh_v4 fwk_v4
check "after flushing the grants the port is closed" not reach "$SRV4" 2222
spa "$SRV4"
check "... and a good packet then opens it" wait_until 3 reach "$SRV4" 2222
flush ssh_v4

# 2. Forgeries in the victim's (the client's) name, from the third host.
python3 - "$KEYID" "$TMP/forged" <<'PY'
import os, struct, sys, time
kid = bytes.fromhex(sys.argv[1])
for v in (1, 2):
    body = bytes([v]) + kid + os.urandom(12) + struct.pack(">Q", int(time.time())) + os.urandom(99)
    open("%s.v%d" % (sys.argv[2], v), "wb").write(body)
PY
# fwknop: a well-formed packet under keys the server does not know.
in_cli env HOME="$TMP/home" fwknop --no-rc-file --no-save-args -D "$SRV4" -A tcp/2222 \
	-a "$CLI4" --key-base64-rijndael "$FWK_WRONG_KEY" --key-base64-hmac "$FWK_WRONG_HMAC" \
	--use-hmac --test -v 2>&1 | sed -n 's/^ *Final SPA Data: //p' | head -n 1 | tr -d '\n' \
	>"$TMP/forged.fwk"
capture_start forged "udp and src host $CLI4 and dst port 62201"
forge() {  # port file
	in_ns "$third_NS" hping3 --udp -a "$CLI4" -s 40000 -k -p "$1" -d "$(stat -c %s "$2")" \
		-E "$2" -c "$3" -i u10000 "$SRV4" >/dev/null 2>&1
}
# A steady stream (100/s for 3 s) in the victim's name, and the victim's
# genuine packet in the middle of it: with a limiter that forgeries
# could drain, it would find it empty.
forge 62201 "$TMP/forged.v2" 20
forge 62201 "$TMP/forged.v1" 300 &
F=$!
sleep 1.5
spa "$SRV4"
wait "$F"
forge 62201 "$TMP/forged.fwk" 300 &
F=$!
sleep 1.5
fwk --allow "$CLI4" --open tcp/2222
wait "$F"
capture_stop forged
check "hundreds of forged packets in the client's name reached the server" \
	test "$(capture_count forged "udp and src host $CLI4 and src port 40000")" -ge 600
check "... refused (authentication failed)" \
	log_has d "door ssh: $CLI4: SPA refused: authentication failed: alice"
check "... (fwknop: HMAC mismatch)" \
	log_has d "door fwk: $CLI4: SPA refused: authentication failed: fwknop: HMAC mismatch"
check "... the client's genuine native packet amid them opens" \
	wait_until 3 reach "$SRV4" 2222
check "... its genuine fwknop packet too" \
	wait_until 3 eval '[ "$(count "door fwk: $CLI4: SPA accepted")" -eq 2 ]'
check "... nothing was rate limited" not log_has d "rate limited"
flush ssh_v4 fwk_v4

# Door ssh (native) and door fwk share port 62201: what only fwknop's
# decoder judged is logged under fwk.
printf 'hello' >"$TMP/short"
spa_send "$CLI_NS" "$SRV4" 62201 "$TMP/short"
check "a 5-byte datagram on the shared port: refused under door fwk" \
	wait_until 3 log_has d "door fwk: $CLI4: SPA refused: bad size: fwknop"
check "... never under the native door ssh" not log_has d "door ssh: $CLI4: SPA refused: bad size"

# 3. A copy redirected to another door's port.  The packet is made for
# port 62201 and captured on the client's link, sent to the third host
# (nothing there reads it), so that the server never saw it.
ip netns exec "$CLI_NS" tcpdump -i "$CLI_IF" --immediate-mode -U -n -w "$TMP/copy.pcap" \
	"udp dst port 62201 and dst host 198.18.0.3" >"$TMP/copy.log" 2>&1 &
CAP=$!
wait_until 5 grep -q "listening on" "$TMP/copy.log"
spa 198.18.0.3 --port 62201
sleep 0.3; kill -TERM "$CAP"; wait "$CAP" 2>/dev/null
check "a packet made for port 62201 was copied" \
	test "$(spa_payloads "$TMP/copy.pcap" "$TMP/copy")" -eq 1
spa_send "$CLI_NS" "$SRV4" 62202 "$TMP/copy/0.bin"
check "redirected to door other's port 62202: refused as made for another port" \
	wait_until 3 log_has d "door other: $CLI4: SPA refused: made for another port: alice sent it to port 62201"
check "... door other opened nothing" test -z "$(elems other_v4)"
check "... its port is closed" not reach "$SRV4" 2223
spa_send "$CLI_NS" "$SRV4" 62201 "$TMP/copy/0.bin"
check "the same packet at its own port still opens door ssh" wait_until 3 reach "$SRV4" 2222
flush ssh_v4

# 4. Made for another door; legacy version; no address where one is required.
spa "$SRV4" --door other
check "--door other sent to door ssh: refused as made for another door" \
	wait_until 3 log_has d "door ssh: $CLI4: SPA refused: made for another door: alice"
spa "$SRV4" --port 62202 --door other
check "--door other at its port opens it" wait_until 3 reach "$SRV4" 2223
spa "$SRV4" --protocol 1
check "a version 1 packet: refused (SPA_Accept_V1 is off)" \
	wait_until 3 log_has d "door ssh: $CLI4: SPA refused: protocol version 1"
spa "$SRV4" --port 62205 --protocol 1
check "... accepted by a door with SPA_Accept_V1 = yes" \
	wait_until 3 log_has d "door legacy: $CLI4: SPA accepted: key alice"
spa "$SRV4" --door-port 62202
check "--door-port names the port in the packet (62202, sent to 62201): refused" \
	wait_until 3 log_has d "door ssh: $CLI4: SPA refused: made for another port: alice sent it to port 62202"
spa "$SRV4" --port 62203
check "SPA_Require_Address: a packet naming no address is refused" \
	wait_until 3 log_has d "door strict: $CLI4: SPA refused: no address named"
check "... nothing opened" not reach "$SRV4" 2224
spa "$SRV4" --port 62203 --allow "$CLI4"
check "... the same request naming the client's address opens" wait_until 3 reach "$SRV4" 2224
check "none of these opened door ssh" test -z "$(elems ssh_v4)"

# 5. A worker killed three times in a row: 1 s, 2 s, 4 s, and on.
for n in 1 2 3; do
	w=$(worker)
	kill -9 "$w"
	check "worker killed ($n): a new one is started in $((1000 << (n - 1))) ms" \
		wait_until 3 log_has d "starting a new worker in $((1000 << (n - 1))) ms \\(failure $n in a row\\)"
	wait_until $((2 << n)) eval '[ -n "$(worker)" ] && [ "$(worker)" != "'"$w"'" ]'
done
check "sesamed did not give up" daemon_alive d
check "... a new worker runs" test -n "$(worker)"
sleep 0.5
spa "$SRV4"
check "... and opens the door" wait_until 3 reach "$SRV4" 2222

daemon_stop d
daemon_show d 40
finish
