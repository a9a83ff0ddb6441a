#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Must show 4: bad input gets a one-line error naming the bad token and
# exit status 1, and no knock leaves (a capture in the server shows
# nothing from the client); `sesame` usage and unknown commands; the
# SESAME_REQUIRE_NETNS=1 safety catch refuses outside `ip netns add`
# namespaces.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_knock.sh"
ns_setup

# refuses WANT ARGS... : in the client, `sesame knock ARGS` exits 1 with
# exactly one line on stderr containing WANT, and nothing on stdout.
refuses() {
	local want=$1; shift
	local rc=0
	in_cli "$SESAME" knock "$@" >"$TMP/out" 2>"$TMP/err" || rc=$?
	if [ "$rc" = 1 ] && [ ! -s "$TMP/out" ] && [ "$(wc -l <"$TMP/err")" = 1 ] &&
	   grep -qF -- "$want" "$TMP/err"; then
		diag "  $(cat "$TMP/err")"
		return 0
	fi
	diag "status $rc, stderr: $(cat "$TMP/err"), stdout: $(head -c 200 "$TMP/out")"
	return 1
}

kcap_start bad
check "port 0 is refused"          refuses "bad port '0'"        "$SRV4" 8881 0 9991
check "port 65536 is refused"      refuses "bad port '65536'"    "$SRV4" 8881 65536
check "port 'abc' is refused"      refuses "bad port 'abc'"      "$SRV4" abc
check "'22:sctp' is refused"       refuses "bad port '22:sctp'"  "$SRV4" 8881 22:sctp
check "a missing host is refused"  refuses "missing HOST"
check "missing ports are refused"  refuses "missing PORT after HOST '$SRV4'" "$SRV4"
check "an unresolvable host is refused" refuses "cannot resolve 'no-such-host.invalid'" \
	no-such-host.invalid 8881 7777
check "-4 with an IPv6 literal is refused" refuses "cannot resolve '$SRV6'" -4 "$SRV6" 8881
check "an unknown option is refused" refuses "unknown option '-x'" -x "$SRV4" 8881
check "a bad delay is refused"     refuses "bad delay '1s'"      -d 1s "$SRV4" 8881
check "-4 and -6 together are refused" refuses "-4 and -6"       -4 -6 "$SRV4" 8881
# Control: one good knock in the same capture, to show it sees packets.
in_cli "$SESAME" knock "$SRV4" 4242
sleep 1
kcap_stop bad
check "no bad command line sent any packet (only the control knock is seen)" \
	test "$(capture_count bad "ip src $CLI4 or ip6 src $CLI6")" = 1
check "the one packet seen is the control knock" \
	test "$(capture_count bad "ip src $CLI4 and tcp dst port 4242")" = 1

# HOST may be a name: "localhost" (from /etc/hosts) in the client, whose
# loopback is captured.  -v prints each hit with the resolved address.
in_cli tcpdump -i lo --immediate-mode -U -n -w "$TMP/name.pcap" >"$TMP/name.log" 2>&1 &
name_pid=$!
wait_until 5 grep -q "listening on" "$TMP/name.log"
check "a host name is resolved (-4 localhost), -v prints the hits" \
	bash -c 'ip netns exec "$1" "$2" knock -v -4 localhost 7001 7002:udp >"$3"' _ "$CLI_NS" "$SESAME" "$TMP/name.out"
sleep 0.3; kill "$name_pid"; wait "$name_pid" 2>/dev/null
check "-v output names each hit" diff -u - "$TMP/name.out" <<'OUT'
hitting tcp 127.0.0.1:7001
hitting udp 127.0.0.1:7002
OUT
check "the name's knocks reached 127.0.0.1 (one SYN, one datagram)" \
	test "$(capture_count name "dst host 127.0.0.1 and ((tcp dst port 7001 and tcp[tcpflags] == tcp-syn) or udp dst port 7002)")" = 2

# The sesame front end.
usage_ok() {  # STATUS-WANTED STREAM(out|err) ARGS...
	local want=$1 stream=$2 rc=0; shift 2
	"$SESAME" "$@" >"$TMP/out" 2>"$TMP/err" || rc=$?
	[ "$rc" = "$want" ] || { diag "status $rc"; return 1; }
	local f=$TMP/$stream c
	for c in knock spa keygen rules status; do
		grep -qE "^  $c " "$f" || { diag "no '$c' in usage: $(cat "$f")"; return 1; }
	done
}
check "'sesame' alone prints usage with every command, exit 1" usage_ok 1 err
check "'sesame -h' prints usage with every command, exit 0" usage_ok 0 out -h
one_line_commands() {
	local rc=0
	"$SESAME" frobnicate >"$TMP/out" 2>"$TMP/err" || rc=$?
	[ "$rc" = 1 ] && [ "$(wc -l <"$TMP/err")" = 1 ] &&
		grep -qE "one of knock spa keygen rules status .*see 'sesame -h'" "$TMP/err"
}
check "'sesame frobnicate' exits 1, one line listing the commands" one_line_commands
check "'sesame frobnicate' names the unknown command" grep -qF "unknown command 'frobnicate'" "$TMP/err"
check "'sesame knock -h' prints the knock usage, exit 0" \
	bash -c '"$1" knock -h | grep -q "^usage: sesame knock \[-u\] \[-d MS\] \[-4|-6\]"' _ "$SESAME"
check "'sesame knock -V' prints the version, exit 0" \
	bash -c '"$1" knock -V | grep -q "^sesame [0-9]"' _ "$SESAME"

# The safety catch.  In the root namespace, with a numeric host of the
# wrong family: were the catch broken, the lookup would fail locally
# ("cannot resolve") and still nothing could be sent.
check "SESAME_REQUIRE_NETNS=1 refuses in the root namespace" \
	bash -c 'SESAME_REQUIRE_NETNS=1 "$1" knock -4 ::1 8881 2>"$2"; [ $? = 1 ] && grep -q "refusing to send" "$2"' \
	_ "$SESAME" "$TMP/root.err"
diag "  $(cat "$TMP/root.err")"

# In a private namespace not made by `ip netns add` (unshare -n), with a
# capture on its loopback: refused, no packet.  The same knock without
# the catch is captured, which shows the capture would have seen it.
private_ns_knock() {  # NAME REQUIRE(0|1)
	unshare -n bash -c '
		ip link set lo up
		tcpdump -i lo --immediate-mode -U -n -w "$1/$2.pcap" >"$1/$2.log" 2>&1 & pid=$!
		for i in $(seq 50); do grep -q "listening on" "$1/$2.log" && break; sleep 0.1; done
		SESAME_REQUIRE_NETNS=$3 "$4" knock 127.0.0.1 7001 7002:udp 2>"$1/$2.err"
		echo $? >"$1/$2.rc"
		sleep 0.3; kill $pid; wait $pid
	' _ "$TMP" "$1" "$2" "$SESAME"
}
private_ns_knock private 1
check "refused in an unshare -n namespace (exit 1)" test "$(cat "$TMP/private.rc")" = 1
check "the refusal says why" grep -q "refusing to send.*not one made by 'ip netns add'" "$TMP/private.err"
check "no packet left the refused knock" \
	test "$(capture_count private "tcp port 7001 or udp port 7002")" = 0
private_ns_knock control 0
check "control: without the catch the same knock is sent (exit 0)" test "$(cat "$TMP/control.rc")" = 0
check "control: the capture sees its SYN and its datagram" \
	test "$(capture_count control "(tcp dst port 7001 and tcp[tcpflags] == tcp-syn) or udp dst port 7002")" = 2
finish
