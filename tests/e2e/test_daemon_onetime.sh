#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# One_Time_Sequences: knockd's file format, consumed line by line by v4
# and v6 knockers alike, each used line marked with '#'; the last one used
# up disables the door with a log line, and sesamed keeps running (knockd
# crashes there).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_daemon.sh"
ns_setup

cat >"$TMP/seqs" <<'EOF'
7001,7002,7003
# a comment line, never a sequence
7011,7012:udp,7013

7021,7022,7023
EOF
cat >"$TMP/sesamed.conf" <<EOF
[onetime]
	One_Time_Sequences = $TMP/seqs
	Seq_Timeout        = 5
	Command            = echo %IP% >> $TMP/opened
EOF
daemon_start d "$TMP/sesamed.conf" || { daemon_show d; finish; }
O=$TMP/opened
# The worker marks used lines through a descriptor opened before it gave
# up root: it needs no uid 0 for that (a uid-0 worker could write every
# root-owned file, stop records included).
w=$(sed -nE 's/.*packets are read by worker ([0-9]+) as user.*/\1/p' "$TMP/d.log" | tail -n1)
uids=$(sed -n 's/^Uid:[[:space:]]*//p' "/proc/$w/status" 2>/dev/null)
check "the worker of a one-time door is not root (Uid: $uids)" \
	test -n "$uids" -a "$(echo "$uids" | tr '\t' '\n' | grep -cx 0)" -eq 0
stays() { sleep 0.5; [ "$(lines "$1")" -eq "$2" ]; }

in_cli knock -4 "$SRV4" 7001 7002 7003
check "v4: the first sequence opens" has_lines "$O" 1
check "... and its line is marked used in the file" \
	wait_until 2 grep -q '^#001,7002,7003$' "$TMP/seqs"
in_cli knock -4 "$SRV4" 7001 7002 7003
check "a used sequence opens nothing" stays "$O" 1

in_cli knock -6 "$SRV6" 7011 7012:udp 7013
check "v6: the next sequence (comment skipped) opens" has_lines "$O" 2
check "... for the v6 address" test "$(tail -n1 "$O")" = "$CLI6"
check "... its line is marked" wait_until 2 grep -q '^#011,7012:udp,7013$' "$TMP/seqs"

in_cli knock -4 "$SRV4" 7021 7022 7023
check "v4: the last sequence opens" has_lines "$O" 3
check "the door disables itself when the file is used up" \
	wait_until 2 log_has d "door onetime: every one-time sequence .* is used; door disabled"
in_cli knock -4 "$SRV4" 7021 7022 7023
in_cli knock -6 "$SRV6" 7001 7002 7003
check "nothing opens after that" stays "$O" 3
check "sesamed is still running" daemon_alive d
check "and stops cleanly" daemon_stop d
check "the comment line is untouched" grep -qx '# a comment line, never a sequence' "$TMP/seqs"
daemon_show d
finish
