#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# sesamed's command line: -t over the config corpus (good configs pass,
# every broken one fails with its file:line), the syn,ack warning, and the
# knockd flags (-V, -h, -d with a pid file, one-line reasons to exit 1).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_daemon.sh"
CONFIGS=$SESAME_ROOT/tests/configs

for f in "$CONFIGS"/good/*.conf; do
	check "-t accepts good/$(basename "$f")" "$SESAMED" -t -c "$f" >/dev/null 2>&1
done
# A good config may announce a warning: "# warn: LINE: MESSAGE".
warn_ok() {  # file
	local f=$1 want line msg out
	want=$(sed -n '1s/^# warn: //p' "$f")
	line=${want%%:*} msg=${want#*: }
	out=$("$SESAMED" -t -c "$f" 2>&1) || { diag "$out"; return 1; }
	grep -qF -- "$f:$line: warning: $msg" <<<"$out" || { diag "$out"; return 1; }
}
for f in "$CONFIGS"/good/*.conf; do
	grep -q '^# warn: ' "$f" || continue
	check "-t warns about good/$(basename "$f") with its file:line" warn_ok "$f"
done

if [ -f /etc/knockd.conf ]; then
	check "-t accepts Debian's shipped /etc/knockd.conf unchanged" \
		"$SESAMED" -t -c /etc/knockd.conf >/dev/null 2>&1
fi

# Each bad config names its expected diagnostic: "# expect: LINE: MESSAGE".
bad_ok() {  # file
	local f=$1 want line msg out
	want=$(sed -n '1s/^# expect: //p' "$f")
	line=${want%%:*} msg=${want#*: }
	out=$("$SESAMED" -t -c "$f" 2>&1) && return 1     # must exit non-zero
	grep -qF -- "$f:$line: " <<<"$out" || { diag "$out"; return 1; }
	grep -qF -- "$msg" <<<"$out" || { diag "$out"; return 1; }
}
for f in "$CONFIGS"/bad/*.conf; do
	check "-t rejects bad/$(basename "$f") with its file:line" bad_ok "$f"
done

cat >"$TMP/synack.conf" <<'EOF'
[options]
	Interface = nosuchif0
[door]
	Sequence = 7000,8000,9000
	TCPFlags = syn,ack
	Command  = /bin/true %IP%
EOF
out=$("$SESAMED" -t -c "$TMP/synack.conf" 2>&1); rc=$?
check "-t: syn,ack is legal (exit 0) ..." test $rc -eq 0
check "... but warned about with file:line" grep -q "$TMP/synack.conf:5: warning: .*syn" <<<"$out"
check "-t does not look at the network (a missing Interface is fine)" test $rc -eq 0

cat >"$TMP/lint.conf" <<'EOF'
[a]
	Sequence     = 7000,7000,9000
	Command      = /bin/true
	Stop_Command = /bin/true
[b]
	Sequence     = 22,8000,9000
	Command      = /bin/true
EOF
out=$("$SESAMED" -t -c "$TMP/lint.conf" 2>&1); rc=$?
check "-t: traps are warnings, not errors (exit 0)" test $rc -eq 0
check "-t warns: a port repeated back to back" grep -q "$TMP/lint.conf:2: warning: .*7000.*back to back" <<<"$out"
check "-t warns: Stop_Command without Cmd_Timeout" grep -q "$TMP/lint.conf:4: warning: .*Cmd_Timeout" <<<"$out"
check "-t warns: a knock port that is a known service port" grep -q "$TMP/lint.conf:6: warning: .*22/tcp.*(ssh)" <<<"$out"

check "-V prints the version" grep -q "^sesamed [0-9]" <<<"$("$SESAMED" -V)"
check "-h prints the usage with every knockd flag" \
	bash -c '"$1" -h | grep -q -- "--only-ip-v4" && "$1" --help | grep -q -- "--lookup"' _ "$SESAMED"
check "an unknown flag exits 1" not "$SESAMED" --no-such-flag 2>/dev/null
one_line_fail() {  # args...: exit 1 with exactly one line on stderr
	local err rc
	err=$("$@" 2>&1 >/dev/null); rc=$?
	[ $rc -eq 1 ] && [ "$(grep -c . <<<"$err")" -eq 1 ] || { diag "rc=$rc: $err"; return 1; }
}
check "a missing config: exit 1, one line" one_line_fail "$SESAMED" -c "$TMP/none.conf"

ns_setup
cat >"$TMP/run.conf" <<EOF
[options]
	LogFile = $TMP/dd.log
[door]
	Sequence = 7000,8000,9000
	Command  = echo %IP% >> $TMP/opened
EOF
conf_isolate "$TMP/run.conf"
# A missing interface is waited for (a ppp or wifi link, a veth made
# later), and captured once it appears.
in_srv "$SESAMED" -c "$TMP/run.conf" -i late0 -v -p "$TMP/late.pid" >"$TMP/late.log" 2>&1 &
late=$!
check "a missing interface at start: logged, waited for" \
	wait_until 3 grep -q "capture on late0: no such interface; waiting for it" "$TMP/late.log"
check "... sesamed keeps running" kill -0 "$late"
ip -n "$SRV_NS" link add late0 type veth peer name late1
ip -n "$SRV_NS" link set late0 up
check "... and captures within 2 s of it appearing" \
	wait_until 3 grep -q "capture on late0: interface is there, capturing" "$TMP/late.log"
kill -TERM "$late"
check "... and stops on SIGTERM" wait_until 5 not kill -0 "$late" 2>/dev/null
ip -n "$SRV_NS" route add default via 198.18.0.254 dev br0
in_srv timeout 2 "$SESAMED" -c "$TMP/run.conf" -v >"$TMP/defif.log" 2>&1
check "without -i or Interface, it captures on the default route's interface" grep -q "capturing on br0" "$TMP/defif.log"

check "-p to a path it cannot write: exit 1, one line" \
	one_line_fail in_srv "$SESAMED" -d -c "$TMP/run.conf" -i br0 -p "$TMP/nodir/d.pid"
# Relative paths: -d changes to /, and they must still work (SIGHUP, exit).
(cd "$TMP" && in_srv "$SESAMED" -d -c run.conf -i br0 -p d.pid)
check "-d returns at once and writes the pid file" wait_until 3 test -s "$TMP/d.pid"
pid=$(cat "$TMP/d.pid" 2>/dev/null)
check "the daemon runs detached (a session of its own)" \
	test "$(ps -o sid= -p "$pid" | tr -d ' ')" != "$(ps -o sid= -p $$ | tr -d ' ')"
in_cli knock -4 "$SRV4" 7000 8000 9000
check "the daemonized sesamed opens the door" has_lines "$TMP/opened" 1
kill -HUP "$pid"
check "SIGHUP re-reads a config given by a relative path" wait_until 3 grep -q "reloaded $TMP/run.conf" "$TMP/dd.log"
kill -TERM "$pid"
check "SIGTERM: it exits and removes its pid file" wait_until 5 not test -e "$TMP/d.pid"

ip netns exec "$SRV_NS" "$SESAMED" -c "$TMP/run.conf" -i br0 -p "$TMP/fg.pid" >/dev/null 2>&1 &
fg=$!
wait_until 3 test -s "$TMP/fg.pid"
kill -INT "$fg"; wait "$fg"; rc=$?
check "foreground: SIGINT stops it with exit status 0" test "$rc" -eq 0
finish
