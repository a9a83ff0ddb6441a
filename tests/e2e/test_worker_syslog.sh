#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# UseSyslog with a sandboxed worker: the syslog socket is connected before
# the worker's seccomp filter (which refuses socket() and connect() and
# allows writes on listed descriptors only), so the worker's decision
# lines still reach syslog.  /dev/log is a socket of ours here, seen by
# sesamed through a private mount namespace (a bind mount over /dev).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_daemon.sh"
ns_setup
mkdir -p "$TMP/dev"
mknod "$TMP/dev/null" c 1 3 && chmod 0666 "$TMP/dev/null"
python3 - "$TMP/dev/log" "$TMP/syslog.txt" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], 'a', buffering=1) as out:
    while True:
        out.write(s.recv(4096).decode(errors='replace') + '\n')
PY
rx=$!
trap 'kill $rx 2>/dev/null; _cleanup' EXIT
wait_until 3 test -S "$TMP/dev/log"
cat >"$TMP/sesamed.conf" <<EOF
[options]
	UseSyslog
	User = nobody
[knock]
	Sequence = 7001,7002,7003
	Command  = echo %IP% >> $TMP/opened
EOF
conf_isolate "$TMP/sesamed.conf" d
ip netns exec "$SRV_NS" unshare -m --propagation private sh -c \
	'mount --bind "$1/dev" /dev && exec "$2" -c "$3" -i br0 -v' _ "$TMP" "$SESAMED" "$TMP/sesamed.conf" \
	>"$TMP/d.log" 2>&1 &
_DAEMON_d=$!; disown $!
check "sesamed starts" wait_until 5 log_has d "packets are read by worker"
w=$(sed -nE 's/.*packets are read by worker ([0-9]+) as user.*/\1/p' "$TMP/d.log" | tail -n1)
in_cli knock -4 "$SRV4" 7001 7002 7003
check "the knock opens" has_lines "$TMP/opened" 1
check "the parent's lines reach syslog" wait_until 3 grep -q "sesamed\[[0-9]*\]: .*capturing on br0" "$TMP/syslog.txt"
check "the sandboxed worker's decision lines reach syslog, from the worker (pid $w)" \
	wait_until 3 grep -q "^<29>.* sesamed\[$w\]: door knock: $CLI4: sequence complete" "$TMP/syslog.txt"
check "the worker was not killed by its filter" kill -0 "$w"
daemon_stop d
daemon_show d 20
sed 's/^/# syslog: /' "$TMP/syslog.txt" | tail -n 5
finish
