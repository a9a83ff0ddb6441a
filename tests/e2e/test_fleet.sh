#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Fleet mode end to end: three sesamed gateways and a redis-server of our
# own on one link, real nft gates.  One SPA packet to gateway 1 opens the
# guarded port on gateways 1, 2 and 3; the same packet replayed to 2 or 3
# (also from another address) opens nothing; the grant expires on all
# three; a gateway started later installs the live grant at start; with
# Redis killed (or frozen) a gateway opens alone (or refuses:
# Fleet_Required); when
# Redis is back grants flow again without a restart; messages written to
# Redis by hand without the fleet key, or for a port the door does not
# guard, or for a door outside the fleet, open nothing; a knock door on
# gateway 1 opens gateways 2 and 3, a door with Fleet = no only its own;
# a burst of grants arriving in one read (and a resync's) all open, in
# batches, while invalid ones in their midst open nothing;
# a one-time sequence used on one gateway is refused on the others, and
# so is a rotating door's sequence (of the same time step), with Redis
# down opened alone or refused (Fleet_Required).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_daemon.sh"
. "$(dirname "$0")/lib_spa.sh"
command -v redis-server >/dev/null ||
	{ not_ok "redis-server is not installed (make deps)"; finish; }
FLEET_DB=3              # not the default: SELECT is part of the test
. "$(dirname "$0")/lib_fleet.sh"
fleet_setup 3
ns_add_host third 3
for i in 1 2 3; do
	for p in 2222 2223 2224 2225 2226; do tcp_service "$p" "$(gw_ns $i)"; done
done
export HOME=$TMP/home
mkdir -p "$HOME"
"$SESAME" keygen --name alice -o "$TMP/alice.key" >"$TMP/alice.line" 2>/dev/null
install -m 0600 "$TMP/alice.line" "$TMP/spa_keys"
"$SESAME" keygen --sequence alice -o "$TMP/alice.seq" >"$TMP/alice.seqlines" 2>/dev/null
head -n1 "$TMP/alice.seqlines" >"$TMP/rot_secrets"
chmod 600 "$TMP/rot_secrets"
THIRD4=198.18.0.3
G1=$(gw_addr 1) G2=$(gw_addr 2) G3=$(gw_addr 3)

doors() {  # NODE: each gateway has its own copy of the one-time list
	printf '7201,7202,7203\n7301,7302,7303\n7401,7402,7403\n' >"$TMP/once_$1"
	cat <<EOF
[ssh]
	SPA_Port     = 62201
	SPA_Keys     = $TMP/spa_keys
	SPA_Window   = 60
	Open         = 2222/tcp
	Open_Timeout = 5
[knock]
	Sequence     = 7001,7002,7003
	Open         = 2223/tcp
	Open_Timeout = 30
[local]
	Sequence     = 7101,7102
	Open         = 2224/tcp
	Open_Timeout = 30
	Fleet        = no
[once]
	One_Time_Sequences = $TMP/once_$1
	Open         = 2225/tcp
	Open_Timeout = 30
[rot]
	Sequence_Secrets = $TMP/rot_secrets
	Sequence_Ports   = 40000-49999
	Open         = 2226/tcp
	Open_Timeout = 30
EOF
}
for i in 1 2 3; do doors "n$i" | fleet_conf "n$i" "n$i"; done
{ echo "[options]"; echo "	Fleet_Required = yes"; doors n3; } | fleet_conf n3req n3

spa_from() { in_ns "$1" "$SESAME" spa --key "$TMP/alice.key" "$2"; }
# reach_from NS HOST PORT
reach_from() { reach "$2" "$3" 1 "$1"; }
open_on() { wait_until 2 reach "$(gw_addr "$1")" "$2"; }
shut_everywhere() { ! reach "$G1" 2222 && ! reach "$G2" 2222 && ! reach "$G3" 2222; }
all_up() { fleet_wait_up n1 "$1" && fleet_wait_up n2 "$1" && fleet_wait_up n3 "$1"; }
show_all() { for n in n1 n2 n3; do diag "--- $n"; daemon_show "$n" 25; done; }

check "sesame keygen --fleet wrote a key: one line of base64, 32 bytes" \
	eval "grep -qxE '[A-Za-z0-9+/]{43}=' '$FLEET_KEY' && test \$(base64 -d '$FLEET_KEY' | wc -c) -eq 32"
check "... mode 0600" test "$(stat -c %a "$FLEET_KEY")" = 600
check "... and never over an existing file" not "$SESAME" keygen --fleet -o "$FLEET_KEY"
check "... nor without -o" not "$SESAME" keygen --fleet
check "sesamed -t accepts the fleet config" "$SESAMED" -t -c "$TMP/n1.conf"
chmod 0644 "$FLEET_KEY"
check "sesamed -t refuses a fleet key others may read" \
	eval "'$SESAMED' -t -c '$TMP/n1.conf' 2>&1 | grep -q 'fleet.key: accessible by others'"
check "... and exits 1" not "$SESAMED" -t -c "$TMP/n1.conf"
chmod 0600 "$FLEET_KEY"
redis_start || { diag "redis-server did not start"; sed 's/^/# /' "$TMP/redis.log"; finish; }
for i in 1 2 3; do fleet_start "n$i" "$i" "$TMP/n$i.conf" || { show_all; finish; }; done
check "the three gateways connect to redis" all_up 1
check "guarded port closed on all three before" shut_everywhere

# One SPA packet to gateway 1, captured on the link for the replays.
capture_start spa "udp port 62201"
spa_from "$CLI_NS" "$G1"
capture_stop spa
check "SPA to gateway 1 opens gateway 1" open_on 1 2222
check "... and gateway 2" open_on 2 2222
check "... and gateway 3" open_on 3 2222
check "... gateway 2 says it came from node n1" log_has n2 "door ssh: 198.18.0.2: opened for fleet node n1"
check "... and so does its sesame status" bash -c \
	"'$SESAME' status --socket '$TMP/n2.control' | grep -qE '^  198\.18\.0\.2 2222/tcp [0-9]+ s left, granted by node n1$'"
check "... (JSON too; the fleet's state in the first line)" bash -c \
	"'$SESAME' status --json --socket '$TMP/n2.control' | grep -q '\"fleet\":{\"node\":\"n2\",\"connected\":true}.*\"node\":\"n1\"'"
check "... gateway 1's status names no other node for its own grant" bash -c \
	"'$SESAME' status --socket '$TMP/n1.control' | grep -qE '^  198\.18\.0\.2 2222/tcp [0-9]+ s left$'"
check "one SPA datagram on the wire" test "$(spa_payloads "$TMP/spa.pcap" "$TMP/pkts")" -eq 1

spa_send "$CLI_NS" "$G2" 62201 "$TMP/pkts/0.bin"
check "the packet replayed to gateway 2 is refused fleet-wide" \
	wait_until 2 log_has n2 "door ssh: 198.18.0.2: refused: packet replayed \(used on node n1\)"
spa_send "$third_NS" "$G3" 62201 "$TMP/pkts/0.bin"
check "replayed to gateway 3 from another address: refused" \
	wait_until 2 log_has n3 "door ssh: $THIRD4: refused: packet replayed \(used on node n1\)"
check "... and nothing opens for that address" not reach_from "$third_NS" "$G3" 2222
check "... on any gateway" not reach_from "$third_NS" "$G2" 2222

check "the grant expires on all three (Open_Timeout 5 s)" wait_until 8 shut_everywhere
check "... and its key is gone from redis" \
	test -z "$(redis_cli --scan --pattern 'sesame:grant:*')"
check "... while the packet's replay id is still there, in database 3" \
	test -n "$(redis_cli --scan --pattern 'sesame:replay:*')"

# A gateway started after the grant installs it from Redis.
daemon_stop n3
spa_from "$CLI_NS" "$G1"
check "a grant while gateway 3 is down opens gateway 2" open_on 2 2222
check "... not gateway 3 (stopped)" not reach "$G3" 2222
fleet_start n3 3 "$TMP/n3req.conf" || show_all
check "gateway 3 started after the grant installs it at start" open_on 3 2222
check "... from redis (logged as node n1's)" log_has n3 "opened for fleet node n1"
wait_until 8 shut_everywhere

# Redis down: each gateway alone.
redis_kill
check "gateways log that redis is unreachable" \
	wait_until 5 log_has n1 "fleet: redis 198.18.0.10:6379 unreachable"
check "... once (not once per retry)" \
	bash -c "sleep 1.5; test \$(grep -c 'unreachable' '$TMP/n1.log') -eq 1"
spa_from "$third_NS" "$G2"
check "redis down: SPA to gateway 2 still opens gateway 2 (fail-open)" \
	wait_until 2 reach_from "$third_NS" "$G2" 2222
check "... logged as opened here only" log_has n2 "fleet replay check unavailable .*opening here only"
check "... gateway 1 stays shut" not reach_from "$third_NS" "$G1" 2222
spa_from "$third_NS" "$G3"
check "redis down, Fleet_Required = yes: gateway 3 refuses" \
	wait_until 2 log_has n3 "not opened: the fleet's replay check is unavailable .*Fleet_Required"
check "... and stays shut" not reach_from "$third_NS" "$G3" 2222

redis_start
check "redis back: gateways reconnect without a restart" all_up 2
wait_until 8 shut_everywhere
spa_from "$CLI_NS" "$G1"
check "... and a grant on gateway 1 opens gateway 2 again" open_on 2 2222
check "... and gateway 3" open_on 3 2222
wait_until 8 shut_everywhere

# A Redis that stops answering (a dead host does not say so).
kill -STOP "$REDIS_PID"
frozen() { log_has "$1" "unreachable \(no answer within a second\)"; }
check "a frozen redis is noticed while idle, by every gateway" \
	wait_until 10 eval "frozen n1 && frozen n2 && frozen n3"
spa_from "$third_NS" "$G1"
check "... and SPA to gateway 1 still opens it" wait_until 3 reach_from "$third_NS" "$G1" 2222
kill -CONT "$REDIS_PID"
check "redis answering again: gateways reconnect" all_up 3
wait_until 8 shut_everywhere

# Messages written to Redis by hand.
sign() {  # KEYFILE NODE DOOR ADDR PORTS LIFE_S [BADMAC]
	python3 - "$@" <<'PY'
import base64, hmac, hashlib, sys, time
key = base64.b64decode(open(sys.argv[1]).read().strip())
now = int(time.time() * 1000)
body = "sesame-fleet/1 %s %s %s %s %d %d" % (sys.argv[2], sys.argv[3], sys.argv[4],
                                           sys.argv[5], now, now + int(sys.argv[6]) * 1000)
mac = hmac.new(key, b"sesame\n" + body.encode(), hashlib.sha256).hexdigest()
if len(sys.argv) > 7:
    mac = ("0" if mac[0] != "0" else "1") + mac[1:]
print(body + " " + mac)
PY
}
redis_cli PUBLISH sesame:grants "$(sign "$FLEET_KEY" intruder ssh 198.18.0.2 2222/tcp 5 bad)" >/dev/null
check "a published message with a wrong MAC is ignored" \
	wait_until 2 log_has n2 "ignoring a message from redis: bad MAC"
check "... and opens nothing" not reach "$G2" 2222
head -c32 /dev/urandom | base64 >"$TMP/other.key"
redis_cli PUBLISH sesame:grants "$(sign "$TMP/other.key" intruder ssh 198.18.0.2 2222/tcp 5)" >/dev/null
sleep 0.5
check "a message signed with another key opens nothing" not reach "$G3" 2222
redis_cli SET sesame:grant:ssh:198.18.0.2 "$(sign "$TMP/other.key" intruder ssh 198.18.0.2 2222/tcp 20)" PX 20000 >/dev/null
daemon_hup n2
check "... nor when stored as a grant key and read at a resync" fleet_wait_up n2 4
sleep 0.5
check "... (gateway 2 shut)" not reach "$G2" 2222
redis_cli DEL sesame:grant:ssh:198.18.0.2 >/dev/null
redis_cli PUBLISH sesame:grants "$(sign "$FLEET_KEY" intruder ssh 198.18.0.2 2224/tcp 5)" >/dev/null
check "a signed message for a port the door does not guard is refused" \
	wait_until 2 log_has n1 "door ssh: 198.18.0.2: not opened for fleet node intruder: a port the door does not guard here"
check "... and opens nothing" not reach "$G1" 2224
redis_cli PUBLISH sesame:grants "$(sign "$FLEET_KEY" intruder local 198.18.0.2 2224/tcp 5)" >/dev/null
check "a signed message for a door with Fleet = no is refused" \
	wait_until 2 log_has n1 "door local: 198.18.0.2: not opened for fleet node intruder: that door is not in the fleet"
redis_cli PUBLISH sesame:grants "$(sign "$FLEET_KEY" intruder ssh 198.18.0.2 2222/tcp 600)" >/dev/null
check "a signed message longer than the door's Open_Timeout is refused" \
	wait_until 2 log_has n3 "not opened for fleet node intruder: longer than the door's timeout"
check "... and opens nothing" not reach "$G3" 2222
redis_cli PUBLISH sesame:grants "$(sign "$FLEET_KEY" intruder ssh 198.18.0.2 2222/tcp 5)" >/dev/null
check "control: the same message signed with the fleet key opens" open_on 3 2222
wait_until 8 shut_everywhere

# Grants that arrive together go to the gate together, each checked on
# its own.  signed_pipe KEYFILE LINES [SET]: each line of file LINES,
# "NODE DOOR ADDR PORTS ISSUED_S LIFE_S [bad]" (ISSUED_S from now, may be
# negative; "bad": a wrong MAC), signed, as one MULTI, PUBLISH..., EXEC
# for redis-cli --pipe: Redis writes them to each subscriber at once, in
# one read.  With SET: grant keys instead (read back by a resync's MGET).
signed_pipe() {
	python3 - "$@" <<'PY'
import base64, hmac, hashlib, sys, time
key = base64.b64decode(open(sys.argv[1]).read().strip())
mode = sys.argv[3] if len(sys.argv) > 3 else "PUBLISH"
now = int(time.time() * 1000)
out = sys.stdout.buffer
def cmd(*args):
    args = [a if isinstance(a, bytes) else a.encode() for a in args]
    out.write(b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args))
cmd("MULTI")
for line in open(sys.argv[2]):
    f = line.split()
    if not f:
        continue
    node, door, addr, ports, issued, life = f[:6]
    t0 = now + int(issued) * 1000
    body = "sesame-fleet/1 %s %s %s %s %d %d" % (node, door, addr, ports, t0, t0 + int(life) * 1000)
    mac = hmac.new(key, b"sesame\n" + body.encode(), hashlib.sha256).hexdigest()
    if len(f) > 6:
        mac = ("0" if mac[0] != "0" else "1") + mac[1:]
    msg = body + " " + mac
    if mode == "SET":
        cmd("SET", "sesame:grant:%s:%s" % (door, addr), msg, "PX", str(int(life) * 1000))
    else:
        cmd("PUBLISH", "sesame:grants", msg)
cmd("EXEC")
PY
}
pipe_to_redis() {
	ip netns exec "$redis_NS" redis-cli -h "$REDIS4" -p "$REDIS_PORT" -n "$FLEET_DB" \
		-a "$(cat "$FLEET_PASS")" --no-auth-warning --pipe >/dev/null
}
# elems GATEWAY PATTERN: elements of the knock door's set matching PATTERN
elems() {
	ip netns exec "$(gw_ns "$1")" nft list set inet sesame knock_v4 | grep -oE "$2" | wc -l
}
# The largest "N grants to the gate together" of GATEWAY's log after line L.
batch_max() {
	tail -n +"$2" "$TMP/$1.log" | sed -nE 's/.*fleet: ([0-9]+) grants to the gate together.*/\1/p' |
		sort -n | tail -n 1
}
# 40 valid grants of the knock door (addresses 198.19.0.1-40), and in
# their midst grants no gateway may apply: a port the door does not
# guard, a wrong MAC, a door with Fleet = no, expired, too long.
burst_lines() {
	for k in $(seq 1 20); do echo "burst knock 198.19.0.$k 2223/tcp 0 20"; done
	echo "burst knock 198.19.1.1 2299/tcp 0 20"
	echo "burst knock 198.19.1.2 2223/tcp 0 20 bad"
	echo "burst local 198.19.1.3 2224/tcp 0 20"
	echo "burst knock 198.19.1.4 2223/tcp -30 20"
	echo "burst knock 198.19.1.5 2223/tcp 0 600"
	for k in $(seq 21 40); do echo "burst knock 198.19.0.$k 2223/tcp 0 20"; done
	# Two gateways letting one address in at once: one element.
	echo "burst2 knock 198.19.0.7 2223/tcp 0 25"
}
l1=$(lines "$TMP/n1.log") l2=$(lines "$TMP/n2.log") l3=$(lines "$TMP/n3.log")
burst_lines >"$TMP/burst"
signed_pipe "$FLEET_KEY" "$TMP/burst" | pipe_to_redis
forty() { [ "$(elems "$1" '198\.19\.0\.[0-9]+ \. tcp \. 2223 ')" -eq 40 ]; }
check "a burst of 40 grants on the channel: all 40 open on gateway 1" wait_until 5 forty 1
check "... on gateway 2" wait_until 5 forty 2
check "... and on gateway 3" wait_until 5 forty 3
check "... together: in batches of more than one grant on each gateway" \
	eval "[ \"\$(batch_max n1 $l1)\" -gt 1 ] && [ \"\$(batch_max n2 $l2)\" -gt 1 ] && [ \"\$(batch_max n3 $l3)\" -gt 1 ]"
check "... the invalid ones in their midst open nothing, on any gateway" eval \
	"[ \$(elems 1 '198\.19\.1\.') -eq 0 ] && [ \$(elems 2 '198\.19\.1\.') -eq 0 ] && [ \$(elems 3 '198\.19\.1\.') -eq 0 ]"
check "... not even the port the door does not guard" \
	not eval "ip netns exec '$(gw_ns 1)' nft list set inet sesame knock_v4 | grep -q 2299"
check "... in one transaction each time (none fell back to one by one)" \
	not eval "grep -h 'granting them one by one' '$TMP/n1.log' '$TMP/n2.log' '$TMP/n3.log' | grep -q ."
check "... and each was refused for its own reason" eval \
	"log_has n2 'door knock: 198.19.1.1: not opened for fleet node burst: a port the door does not guard' &&
	 log_has n2 'door local: 198.19.1.3: not opened for fleet node burst: that door is not in the fleet' &&
	 log_has n2 'door knock: 198.19.1.4: not opened for fleet node burst: expired' &&
	 log_has n2 'door knock: 198.19.1.5: not opened for fleet node burst: longer than the door' &&
	 log_has n2 'ignoring a message from redis: bad MAC'"
for i in 1 2 3; do ip netns exec "$(gw_ns "$i")" nft flush set inet sesame knock_v4; done

# A burst after someone deleted the table: restored, then the burst in it.
ip netns exec "$(gw_ns 3)" nft delete table inet sesame
signed_pipe "$FLEET_KEY" "$TMP/burst" | pipe_to_redis
check "a burst after the table was deleted: restored, all 40 open on gateway 3" \
	wait_until 5 forty 3
check "... in one transaction after the restore" \
	eval "log_has n3 'table inet sesame was deleted or changed by someone else' &&
	      ! log_has n3 'granting them one by one'"
for i in 1 2 3; do ip netns exec "$(gw_ns "$i")" nft flush set inet sesame knock_v4; done

# The same as grant keys, read back at a resync (one SCAN, one MGET).
signed_pipe "$FLEET_KEY" "$TMP/burst" SET | pipe_to_redis
l2=$(lines "$TMP/n2.log")
daemon_hup n2
check "a resync of 40 live grant keys opens all 40 on gateway 2" wait_until 5 forty 2
check "... together" eval "[ \"\$(batch_max n2 $l2)\" -gt 1 ]"
check "... and none of the invalid ones among them" test "$(elems 2 '198\.19\.1\.')" -eq 0
for k in $(redis_cli --scan --pattern 'sesame:grant:*:198.19.*'); do redis_cli DEL "$k" >/dev/null; done
for i in 1 2 3; do ip netns exec "$(gw_ns "$i")" nft flush set inet sesame knock_v4; done

# Knock doors.
in_cli "$SESAME" knock "$G1" 7001 7002 7003
check "a knock on gateway 1 opens gateway 1" open_on 1 2223
check "... gateway 2" open_on 2 2223
check "... and gateway 3" open_on 3 2223
in_cli "$SESAME" knock "$G1" 7101 7102
check "a door with Fleet = no opens gateway 1" open_on 1 2224
check "... only" not reach "$G2" 2224

# One-time sequences: spent on one gateway, spent on all.
in_cli "$SESAME" knock "$G1" 7201 7202 7203
check "a one-time sequence on gateway 1 opens gateway 1" open_on 1 2225
check "... and gateway 2 and 3" eval "open_on 2 2225 && open_on 3 2225"
in_ns "$third_NS" "$SESAME" knock "$G2" 7201 7202 7203
check "the same sequence on gateway 2 (another address) is refused as spent" \
	wait_until 2 log_has n2 "door once: $THIRD4: refused: one-time sequence already used \(used on node n1\)"
check "... and opens nothing" not reach_from "$third_NS" "$G2" 2225
in_ns "$third_NS" "$SESAME" knock "$G2" 7301 7302 7303
check "the next sequence on gateway 2 opens (both lists moved on)" \
	eval "wait_until 2 reach_from '$third_NS' '$G2' 2225 && wait_until 2 reach_from '$third_NS' '$G1' 2225"
in_cli "$SESAME" knock "$G1" 7301 7302 7303
check "... and is then spent on gateway 1 too" \
	wait_until 2 log_has n1 "door once: 198.18.0.2: refused: one-time sequence already used \(used on node n2\)"
check "... each gateway marked what it saw used in its own file" \
	eval "grep -q '^#201' '$TMP/once_n1' && grep -q '^#201' '$TMP/once_n2' && grep -q '^#301' '$TMP/once_n1'"

# Rotating sequences: one time step's sequence spent on one gateway is
# spent on all.  The knocks of a step are printed once and sent as plain
# knocks, so the same sequence goes to every gateway (a step stays live
# for two more periods of 30 s).
rot_seq() {  # [OFFSET_S]: the knocks of alice's sequence at now + OFFSET_S
	"$SESAME" knock --secret-file "$TMP/alice.seq" --door rot --ports 40000-49999 \
		--time-offset "${1:-0}" --test "$G1" | sed -nE 's/^  tcp ([0-9]+) .*/\1/p' | xargs
}
seq=$(rot_seq)
check "rotating: alice's sequence has 4 knocks" test "$(wc -w <<<"$seq")" -eq 4
in_cli "$SESAME" knock "$G1" $seq
check "a rotating sequence on gateway 1 opens gateway 1" open_on 1 2226
check "... and gateways 2 and 3" eval "open_on 2 2226 && open_on 3 2226"
in_ns "$third_NS" "$SESAME" knock "$G2" $seq
check "the same rotating sequence on gateway 2 (another address): refused as spent" \
	wait_until 2 log_has n2 "door rot: $THIRD4: refused: rotating sequence already used \(used on node n1\)"
check "... and opens nothing" not reach_from "$third_NS" "$G2" 2226
in_ns "$third_NS" "$SESAME" knock "$G1" $seq
check "on gateway 1 itself, the spent sequence is refused as before (local mark)" \
	wait_until 2 log_has n1 "door rot: $THIRD4: replay of client alice's sequence .*already spent: ignored"
check "... and opens nothing" not reach_from "$third_NS" "$G1" 2226
key=$(redis_cli --scan --pattern 'sesame:spent:rot:*')
check "one claim in redis for the step" test "$(wc -w <<<"$key")" -eq 1
ttl=$(redis_cli PTTL "$key")
check "... that expires once the step cannot be knocked anywhere (${ttl} ms)" \
	test "$ttl" -gt 60000 -a "$ttl" -le 120000

# Redis down: the next step's sequence opens gateway 2 alone; gateway 3
# (Fleet_Required = yes) refuses it.
count() { grep -c "$2" "$TMP/$1.log"; }
more() { [ "$(count "$1" "$2")" -gt "$3" ]; }
up1=$(count n1 "fleet: connected") up2=$(count n2 "fleet: connected")
up3=$(count n3 "fleet: connected")
down2=$(count n2 unreachable) down3=$(count n3 unreachable)
redis_kill
check "redis killed: gateways 2 and 3 notice" \
	eval "wait_until 5 more n2 unreachable $down2 && wait_until 5 more n3 unreachable $down3"
seq=$(rot_seq 30)
in_ns "$third_NS" "$SESAME" knock "$G2" $seq
check "redis down: a rotating sequence on gateway 2 opens it (fail-open)" \
	wait_until 2 reach_from "$third_NS" "$G2" 2226
check "... logged as opened here only" \
	log_has n2 "door rot: $THIRD4: fleet replay check unavailable .*opening here only"
check "... gateway 1 stays shut" not reach_from "$third_NS" "$G1" 2226
in_ns "$third_NS" "$SESAME" knock "$G3" $seq
check "redis down, Fleet_Required = yes: gateway 3 refuses a rotating sequence" \
	wait_until 2 log_has n3 "door rot: $THIRD4: not opened: the fleet's replay check is unavailable .*Fleet_Required"
check "... and stays shut" not reach_from "$third_NS" "$G3" 2226
redis_start
check "redis back: the gateways reconnect" eval \
	"fleet_wait_up n1 $((up1 + 1)) && fleet_wait_up n2 $((up2 + 1)) && fleet_wait_up n3 $((up3 + 1))"

for n in n1 n2 n3; do check "$n still runs" daemon_alive "$n"; done
[ "$_TAP_FAILED" -eq 0 ] || show_all
finish
