#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/demo_fleet.sh — `make demo-fleet`: three gateways, one fleet.
# Each gateway runs a real OpenSSH server behind sesamed's nftables gate;
# the three sesamed share their grants through a redis-server of our own.
# One SPA packet to gateway 1, and ssh gets through gateways 2 and 3 too;
# the same packet replayed to gateway 3 opens nothing.  Played in network
# namespaces on this machine (nothing leaves it); every step is printed;
# everything is removed at the end.  Exits 0 only when every step
# happened as told.
#
#   client 198.18.0.2, redis 198.18.0.10, gateways 198.18.0.11 .12 .13
. "$(dirname "$0")/e2e/lib.sh"
. "$(dirname "$0")/e2e/lib_daemon.sh"
. "$(dirname "$0")/e2e/lib_sshd.sh"
. "$(dirname "$0")/e2e/lib_spa.sh"
. "$(dirname "$0")/e2e/lib_fleet.sh"

bold= plain=
if [ -t 1 ]; then bold=$(tput bold 2>/dev/null) plain=$(tput sgr0 2>/dev/null); fi
say()  { printf '\n%s==> %s%s\n' "$bold" "$*" "$plain"; }
show() { printf '    $ %s\n' "$*"; }
good() { printf '    %s\n' "$*"; }
fail() {
	printf '\n%sDEMO FAILED: %s%s\n' "$bold" "$*" "$plain"
	for n in n1 n2 n3; do [ -f "$TMP/$n.log" ] && sed "s/^/    $n | /" "$TMP/$n.log"; done
	exit 1
}

[ -x "$SESAMED" ] || fail "no $SESAMED: run 'make' first"
command -v sshd >/dev/null && command -v ssh >/dev/null || fail "needs openssh-server and openssh-client"
command -v redis-server >/dev/null || fail "needs redis-server"

say "A client, a Redis and three gateways on one virtual link"
fleet_setup 3
good "client $CLI4, redis $REDIS4, gateways $(gw_addr 1) $(gw_addr 2) $(gw_addr 3)"

say "Redis: a redis-server of our own, password from a file, no persistence"
show "redis-server --bind $REDIS4 --requirepass ... --save '' --appendonly no"
redis_start || fail "redis-server did not start"
good "redis answers PONG"

say "Gateways: sshd on port 22 of each"
for i in 1 2 3; do
	sshd_start "$(gw_ns $i)" "$(gw_addr $i)" "sshd$i" || fail "sshd on gateway $i: $(cat "$TMP/sshd$i.log")"
done
good "3 sshd listening"

say "Keys: one SPA key for the client, one fleet key for the gateways"
export HOME=$TMP/home
mkdir -p "$HOME"
show "sesame keygen --name alice          # the client's key; prints the SPA_Keys line"
"$SESAME" keygen --name alice -o "$TMP/alice.key" >"$TMP/spa_keys" 2>/dev/null
chmod 600 "$TMP/spa_keys"
show "sesame keygen --fleet -o fleet.key  # the same file on every gateway"
good "(done by fleet_setup: $(wc -c <"$FLEET_KEY") bytes of base64)"

say "Gateways: the same door on each, in the fleet"
for i in 1 2 3; do
	fleet_conf "n$i" "gw$i" <<EOF
[ssh]
	SPA_Port     = 62201
	SPA_Keys     = $TMP/spa_keys
	Open         = 22/tcp
	Open_Timeout = 30
EOF
done
sed -e "s|$TMP/||g" -e 's/^/    | /' "$TMP/n1.conf"
for i in 1 2 3; do
	show "sesamed -c n$i.conf -i eth0 -v     # on gateway $i"
	fleet_start "n$i" "$i" "$TMP/n$i.conf" || fail "sesamed on gateway $i did not start"
	fleet_wait_up "n$i" || fail "sesamed on gateway $i did not connect to redis"
	good "$(grep -o 'fleet: connected.*' "$TMP/n$i.log")"
done

try_ssh() {  # gateway
	local a; a=$(gw_addr "$1")
	show "ssh -i client_key root@$a 'echo hello from \$(ip -br -4 addr show eth0)'"
	local t0=$(date +%s%N) out rc
	out=$(in_cli ssh -F /dev/null -i "$TMP/client_key" -o BatchMode=yes \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
		-o LogLevel=ERROR -o ConnectTimeout=2 "root@$a" \
		'echo hello from $(ip -br -4 addr show eth0 | tr -s " ")' 2>&1)
	rc=$?
	good "${out:-(nothing)}  [$(( ($(date +%s%N) - t0) / 1000000 )) ms]"
	[ $rc -eq 0 ] && [[ $out == "hello from eth0"*"$a/24"* ]]
}

say "Client: ssh to gateway 2 before any packet fails (SYNs dropped; 2 s timeout)"
try_ssh 2 && fail "ssh got into gateway 2 without SPA"
good "=> no way in"

say "Client: ONE SPA packet, to gateway 1 only"
capture_start spa "udp port 62201"
show "sesame spa --key alice.key $(gw_addr 1)"
in_cli "$SESAME" spa --key "$TMP/alice.key" "$(gw_addr 1)" || fail "sesame spa failed"
capture_stop spa
wait_until 2 log_has n3 "opened for fleet node gw1" || fail "gateway 3 was not told"
for i in 1 2 3; do grep -h "door ssh" "$TMP/n$i.log" | sed "s/^.*\] /    gateway $i: /"; done

for i in 2 3 1; do
	say "Client: ssh through gateway $i"
	try_ssh "$i" || fail "ssh did not get through gateway $i"
	good "=> in"
done

say "Someone replays the captured packet to gateway 3 from another address"
ns_add_host mallory 3
spa_payloads "$TMP/spa.pcap" "$TMP/pkts" >/dev/null
show "(the same 128 bytes, sent from 198.18.0.3 to $(gw_addr 3))"
spa_send "$mallory_NS" "$(gw_addr 3)" 62201 "$TMP/pkts/0.bin"
wait_until 2 log_has n3 "refused: packet replayed" || fail "gateway 3 did not refuse the replay"
grep -h "packet replayed" "$TMP/n3.log" | sed 's/^.*\] /    gateway 3: /'
good "=> refused: the packet was already used in the fleet"

say "Stopping the gateways (SIGTERM)"
for i in 1 2 3; do daemon_stop "n$i" || fail "sesamed on gateway $i did not stop"; done
good "stopped"
say "The story worked.  Cleaning up the namespaces."
exit 0
