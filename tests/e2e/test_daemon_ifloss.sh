#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The capture interface goes down and up, then is deleted and re-created:
# sesamed logs it, keeps running, captures again and opens the door.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_daemon.sh"
ns_setup
cat >"$TMP/sesamed.conf" <<EOF
[d]
	Sequence = 7001,7002,7003
	Command  = echo %IP% >> $TMP/opened
EOF
conf_isolate "$TMP/sesamed.conf" d
# Capture on the bridge port of the client's link, the one we break.
ip netns exec "$SRV_NS" "$SESAMED" -c "$TMP/sesamed.conf" -i p2 -v >"$TMP/d.log" 2>&1 &
_DAEMON_d=$!; disown $!
wait_until 5 log_has d "capturing on p2"
in_cli knock -4 "$SRV4" 7001 7002 7003
check "opens before" has_lines "$TMP/opened" 1

ip -n "$SRV_NS" link set p2 down
check "interface down is logged" wait_until 3 log_has d "capture on p2: .*waiting for it to come back"
ip -n "$SRV_NS" link set p2 up
check "interface up: capturing again within 2 s" wait_until 3 log_has d "interface is back"
in_cli knock -4 "$SRV4" 7001 7002 7003
check "opens after down/up" has_lines "$TMP/opened" 2

ip -n "$SRV_NS" link del p2
_lost_twice() { [ "$(grep -c "capture on p2: .*waiting for it to come back" "$TMP/d.log")" -ge 2 ]; }
check "interface deleted: logged (down or gone)" wait_until 3 _lost_twice
check "... alive" daemon_alive d
ip link add eth9 netns "$CLI_NS" type veth peer name p2 netns "$SRV_NS"
ip -n "$SRV_NS" link set p2 master br0 up
ip -n "$CLI_NS" link set eth9 up
ip -n "$CLI_NS" addr add 198.18.0.9/24 dev eth9
_back_twice() { [ "$(grep -c "interface is back" "$TMP/d.log")" -ge 2 ]; }
check "re-created: capturing again" wait_until 4 _back_twice
in_cli ip neigh replace "$SRV4" lladdr "$(ip -n "$SRV_NS" -br link show br0 | awk '{print $3}')" dev eth9
in_cli knock -4 "$SRV4" 7001 7002 7003
check "opens for a knock over the new link" wait_until 3 grep -qx 198.18.0.9 "$TMP/opened"
daemon_stop d
daemon_show d
finish
