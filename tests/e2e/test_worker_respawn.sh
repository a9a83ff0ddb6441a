#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# One worker at a time, whatever order a worker's death, a reload and the
# restart timer come in.  A worker killed arms the restart timer; a reload
# before it fires starts a worker of its own; the timer must then find
# that worker and leave it alone.  When it started a second one instead,
# the first was left running beside it with nobody to reap it, both read
# the capture, and when the interface went down the parent turned the
# orphan's closed socket into "worker exited with status 0" forever, a
# million lines a second, until the disk was full.  A reload while the
# capture's interface is gone must not start one either.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_daemon.sh"

ns_setup
tcp_service 2222
cat >"$TMP/sesamed.conf" <<EOF2
[options]
	NftTable = sesame_resp
[knock]
	Sequence     = 7001,7002,7003
	Seq_Timeout  = 5
	Open         = 2222/tcp
	Open_Timeout = 10
EOF2
daemon_start d "$TMP/sesamed.conf" || { daemon_show d; finish; }
pid=$(daemon_pid d)
workers() { pgrep -P "$pid" -x "$(cat "/proc/$pid/comm")"; }
nworkers() { workers | wc -l; }
count() { grep -cE "$1" "$(daemon_log d)"; }
one_worker() { [ "$(nworkers)" -eq 1 ]; }
opens() {
	in_cli "$SESAME" knock "$SRV4" 7001 7002 7003 >/dev/null 2>&1
	wait_until 3 reach "$SRV4" 2222
	local rc=$?
	in_srv nft delete element inet sesame_resp knock_v4 "{ $CLI4 . tcp . 2222 }" 2>/dev/null
	return $rc
}

check "one worker at the start" one_worker
for round in 1 2 3; do
	w=$(workers)
	reloads=$(count "reloaded ") restarts=$(count "starting a new worker in 1000 ms")
	kill -9 "$w"
	# The knock of the last round reset the count of failures in a row,
	# so the restart timer is armed for 1 s: reload inside it.
	check "round $round: the killed worker is to be restarted in 1 s" \
		wait_until 3 eval '[ "$(count "starting a new worker in 1000 ms")" -gt '"$restarts"' ]'
	kill -HUP "$pid"
	check "round $round: the reload inside the restart delay is done" \
		wait_until 3 eval '[ "$(count "reloaded ")" -gt '"$reloads"' ]'
	sleep 1.5                       # past the timer's deadline
	check "round $round: one worker after the timer fired ($(nworkers))" one_worker
	check "round $round: a knock opens" opens
done

before=$(count "worker exited|starting a new worker")
in_srv ip link set br0 down
sleep 1
in_srv ip link set br0 up
check "the interface comes back and is captured again" \
	wait_until 8 log_has d "interface is back, capturing again"
sleep 1
check "sesamed is alive" daemon_alive d
check "one worker after the link flap ($(nworkers))" one_worker
after=$(count "worker exited|starting a new worker")
check "the link flap logged no worker failure ($before, then $after lines)" \
	test "$after" -eq "$before"
check "the log stays small ($(lines "$(daemon_log d)") lines)" \
	test "$(lines "$(daemon_log d)")" -lt 200
check "a knock opens after the flap" opens

# A reload while the interface is gone: no worker until it is back, then
# one, under the new config.
backs=$(count "interface is back")
in_srv ip link set br0 down
check "the interface is down: the worker says so" \
	wait_until 5 eval '[ "$(count "waiting for it to come back")" -ge 2 ]'
check "... and the parent has reaped it" wait_until 3 eval '[ "$(nworkers)" -eq 0 ]'
reloads=$(count "reloaded ")
kill -HUP "$pid"
check "a reload while it is down is done" \
	wait_until 3 eval '[ "$(count "reloaded ")" -gt '"$reloads"' ]'
check "... and starts no worker on a missing link ($(nworkers))" test "$(nworkers)" -eq 0
in_srv ip link set br0 up
check "the interface comes back once more" \
	wait_until 8 eval '[ "$(count "interface is back")" -gt '"$backs"' ]'
sleep 1
check "one worker then ($(nworkers))" one_worker
check "a knock opens" opens
daemon_stop d
daemon_show d 30
finish
