#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `sesame knock --one-time FILE HOST`: the client keeps its copy of a
# knockd One_Time_Sequences file in step with the server's.  Five knocks
# against sesamed, then three against Debian's knockd: after each one the
# two files are byte for byte the same (each used line marked with '#'
# over its first byte, knockd's way) and the knock opened the door.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_daemon.sh"
ns_setup

cat >"$TMP/seqs" <<'EOF'
# knockd's format: one sequence per line
7001,7002,7003
7011,7012:udp,7013

7021:udp,7022,7023
7031,7032,7033
  7041,7042,7043
7051,7052,7053
7061,7062,7063
7071,7072,7073
EOF
cp "$TMP/seqs" "$TMP/srv_seqs"
cp "$TMP/seqs" "$TMP/cli_seqs"
cat >"$TMP/sesamed.conf" <<EOF
[onetime]
	One_Time_Sequences = $TMP/srv_seqs
	Seq_Timeout        = 5
	Command            = echo %IP% >> $TMP/opened
EOF
daemon_start d "$TMP/sesamed.conf" || { daemon_show d; finish; }
O=$TMP/opened
in_step() { wait_until 2 cmp -s "$TMP/srv_seqs" "$TMP/cli_seqs"; }

for i in 1 2 3 4 5; do
	in_cli "$SESAME" knock --one-time "$TMP/cli_seqs" "$SRV4"
	check "sesamed, knock $i: the door opens" has_lines "$O" "$i"
	check "sesamed, knock $i: client and server files are in step" in_step
done
check "five lines (and the comment) start with '#' on both sides" \
	test "$(grep -c '^#' "$TMP/cli_seqs")" -eq 6
in_cli "$SESAME" knock -v --one-time "$TMP/cli_seqs" "$SRV4" >"$TMP/knock6.out"
check "the client says which line it used" grep -q "cli_seqs:8: one-time sequence" "$TMP/knock6.out"
check "and the sixth opens too" has_lines "$O" 6
check "a used line is not sent again: the file moved on" in_step
daemon_stop d

# The same with knockd on the server.
cp "$TMP/seqs" "$TMP/srv_seqs"
cp "$TMP/seqs" "$TMP/cli_seqs"
cat >"$TMP/knockd.conf" <<CONF
[options]
	LogFile = $TMP/knockd.log
	PidFile = $TMP/knockd.pid
	Interface = $SRV_IF
[onetime]
	One_Time_Sequences = $TMP/srv_seqs
	Seq_Timeout        = 5
	Start_Command      = echo %IP% >> $TMP/opened_knockd
CONF
bg "$SRV_NS" knockd -i "$SRV_IF" -c "$TMP/knockd.conf" -D >"$TMP/knockd.out" 2>&1
check "knockd starts" wait_until 5 grep -qF "listening on $SRV_IF" "$TMP/knockd.log"
for i in 1 2 3; do
	in_cli "$SESAME" knock --one-time "$TMP/cli_seqs" "$SRV4"
	check "knockd, knock $i: the door opens" has_lines "$TMP/opened_knockd" "$i"
	check "knockd, knock $i: client and knockd files are in step" in_step
done
in_cli "$SESAME" knock --one-time "$TMP/cli_seqs" "$SRV4" -d 10
check "knockd, knock 4 (with -d): opens" has_lines "$TMP/opened_knockd" 4

# Used up: the client says so and sends nothing.
sed -i 's/^\( *\)[0-9]/\1#/' "$TMP/cli_seqs"
out=$(in_cli "$SESAME" knock --one-time "$TMP/cli_seqs" "$SRV4" 2>&1)
check "a used-up file is refused with a message" \
	test $? -ne 0 -a -n "$(grep 'every sequence is used' <<<"$out")"
sed 's/^/# /' "$TMP/knockd.log" | tail -n 20
finish
