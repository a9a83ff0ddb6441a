#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# systemd's readiness protocol (Type=notify) without systemd: NOTIFY_SOCKET
# names a unix datagram socket this test listens on.  READY=1 must come
# once the nft gate is loaded and the worker reads the capture; SIGHUP is
# framed by RELOADING=1 and READY=1; SIGTERM sends STOPPING=1.  The
# listener looks at the kernel and the process tree the moment each
# message arrives, so a READY=1 sent too early is caught.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_daemon.sh"
ns_setup
CONF=$TMP/sesamed.conf
SOCK=$TMP/notify.sock
MSGS=$TMP/notify.msgs
cat >"$CONF" <<EOF
[options]
	NftTable = sesame_n
[ssh]
	Sequence = 7000,8000,9000
	Open     = 2222/tcp
EOF
conf_isolate "$CONF" d

# One line per datagram: the message (newlines as '|'), whether the gate's
# table was in the kernel and how many children sesamed had right then.
cat >"$TMP/listen.py" <<EOF
import socket, subprocess
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("$SOCK")
open("$TMP/listening", "w").close()
while True:
    m = s.recv(4096).decode(errors="replace").replace("\n", "|")
    gate = subprocess.run(["ip", "netns", "exec", "$SRV_NS", "nft", "list", "table",
                           "inet", "sesame_n"], capture_output=True).returncode == 0
    try:
        pid = open("$TMP/d.pid").read().strip()
        kids = subprocess.run(["pgrep", "-P", pid, "-x", "sesamed"],
                              capture_output=True, text=True).stdout.split()
    except OSError:
        kids = []
    with open("$MSGS", "a") as f:
        f.write("%s gate=%s workers=%d\n" % (m, "yes" if gate else "no", len(kids)))
EOF
: >"$MSGS"
python3 "$TMP/listen.py" &
LISTENER=$!
trap 'kill $LISTENER 2>/dev/null; _cleanup' EXIT
wait_until 5 test -e "$TMP/listening"

: >"$TMP/d.log"
NOTIFY_SOCKET=$SOCK ip netns exec "$SRV_NS" "$SESAMED" -c "$CONF" -i "$SRV_IF" \
	-p "$TMP/d.pid" >>"$TMP/d.log" 2>&1 &
_DAEMON_d=$!
disown $!

check "READY=1 arrives" wait_until 5 grep -q '^READY=1|STATUS=' "$MSGS"
ready=$(grep -m1 '^READY=1|' "$MSGS")
diag "$ready"
check "... with a STATUS naming the interface and the doors" \
	grep -q "STATUS=capturing on $SRV_IF, 1 door " <<<"$ready"
check "... after the nft gate is loaded" grep -q ' gate=yes ' <<<"$ready"
check "... after the worker reading the capture is up" grep -q ' workers=1$' <<<"$ready"
check "READY=1 is sent once at start" [ "$(grep -c '^READY=1' "$MSGS")" -eq 1 ]

daemon_hup d
check "SIGHUP: RELOADING=1 with MONOTONIC_USEC" \
	wait_until 5 grep -qE '^RELOADING=1\|MONOTONIC_USEC=[0-9]+ ' "$MSGS"
readies() { [ "$(grep -c '^READY=1' "$MSGS")" -eq "$1" ]; }
check "... then READY=1 again" wait_until 5 readies 2
check "... RELOADING=1 comes before that READY=1" \
	[ "$(grep -E '^(RELOADING|READY)=' "$MSGS" | cut -d= -f1 | tr '\n' ' ')" = "READY RELOADING READY " ]

daemon_stop d
check "SIGTERM: STOPPING=1" wait_until 3 grep -q '^STOPPING=1' "$MSGS"

# An interface that is not there yet is waited for by a running daemon:
# ready, saying so (a unit for a ppp link must not time out at boot).
: >"$MSGS"
NOTIFY_SOCKET=$SOCK ip netns exec "$SRV_NS" "$SESAMED" -c "$CONF" -i ppp7 \
	-p "$TMP/w.pid" >>"$TMP/w.log" 2>&1 &
_DAEMON_w=$!
disown $!
check "waiting for an interface: READY=1 with a STATUS saying so" \
	wait_until 5 grep -q '^READY=1|STATUS=waiting for ppp7, 1 door ' "$MSGS"
daemon_stop w
sed 's/^/# /' "$MSGS"
daemon_show d 20
finish
