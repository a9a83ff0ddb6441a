#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Durable stops: a pending Stop_Command is recorded in StateDir before the
# start command runs; after kill -9 the next sesamed runs an overdue stop
# at once and a not-yet-due one on time; the record goes once it has run.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_daemon.sh"
ns_setup
STATE=$TMP/state
cat >"$TMP/sesamed.conf" <<EOF
[options]
	StateDir = $STATE
[short]
	Sequence      = 7001,7002,7003
	Seq_Timeout   = 3
	Start_Command = echo %IP% >> $TMP/short-start
	Stop_Command  = echo %IP% >> $TMP/short-stop
	Cmd_Timeout   = 2
[long]
	Sequence      = 7101,7102,7103
	Seq_Timeout   = 3
	Start_Command = echo %IP% >> $TMP/long-start
	Stop_Command  = echo %IP% >> $TMP/long-stop
	Cmd_Timeout   = 6
EOF
records() { find "$STATE" -maxdepth 1 -name 'stop-*' ! -name '*.tmp' 2>/dev/null | wc -l; }
_records_eq() { [ "$(records)" -eq "$1" ]; }

daemon_start d1 "$TMP/sesamed.conf"
check "StateDir is created, mode 0700" test "$(stat -c %a "$STATE")" = 700
in_cli knock -4 "$SRV4" 7001 7002 7003
check "short door opened" has_lines "$TMP/short-start" 1
check "... its stop is recorded" _records_eq 1
check "... the record holds the expanded stop command" \
	grep -qx "echo $CLI4 >> $TMP/short-stop" "$STATE"/stop-*
in_cli knock -4 "$SRV4" 7101 7102 7103
check "long door opened" has_lines "$TMP/long-start" 1
check "two stops recorded" _records_eq 2
kill -KILL "$(daemon_pid d1)"
check "kill -9: sesamed is gone" wait_until 3 not daemon_alive d1
sleep 2.5                               # the short stop is now overdue
check "no stop ran after the crash" test "$(lines "$TMP/short-stop")" -eq 0 -a "$(lines "$TMP/long-stop")" -eq 0

daemon_start d2 "$TMP/sesamed.conf"
check "restart: the overdue stop runs at once" has_lines "$TMP/short-stop" 1
check "... for the address that knocked" grep -qx "$CLI4" "$TMP/short-stop"
check "... and is logged as overdue" log_has d2 "door short: $CLI4: stop command overdue"
check "... the not-yet-due stop is pending, not run" test "$(lines "$TMP/long-stop")" -eq 0
check "... its record stays until it runs" _records_eq 1
check "the pending stop runs on time (within ~6 s of the grant)" wait_until 5 _lines_ge "$TMP/long-stop" 1
check "... once" test "$(lines "$TMP/long-stop")" -eq 1
check "no records left" _records_eq 0
check "start commands never ran again" test "$(lines "$TMP/short-start")" -eq 1 -a "$(lines "$TMP/long-start")" -eq 1

# A refresh moves the recorded deadline; SIGTERM runs the stop and removes it.
in_cli knock -4 "$SRV4" 7101 7102 7103
check "open again: recorded" wait_until 3 _records_eq 1
daemon_stop d2
check "SIGTERM runs the pending stop" has_lines "$TMP/long-stop" 2
check "... and removes its record" _records_eq 0

# A StateDir others may write to is refused.
chmod 0777 "$STATE"
ip netns exec "$SRV_NS" "$SESAMED" -c "$TMP/sesamed.conf" -i "$SRV_IF" >"$TMP/d3.log" 2>&1
check "a world-writable StateDir is refused at start" test $? -ne 0
check "... with a message" grep -q "StateDir $STATE: must be a directory of ours" "$TMP/d3.log"
daemon_show d2 30
finish
