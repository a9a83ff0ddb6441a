#!/usr/bin/env bash
# sesamed under valgrind's memcheck for one real scenario: a command door
# (Start_Command touches a file, Stop_Command another) and a native nft
# gate door (Open), both opened by real `sesame knock`s, plus wrong knocks
# and noise; then SIGTERM.  Fails on any invalid read/write, use of
# uninitialised memory, bad free or definite leak (memcheck's error exit
# status and its summary).  valgrind needs the plain build: with
# SESAME_BUILD=build/san this test uses $SESAME_ROOT/build/sesamed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_nft.sh"

VG_RC=97
daemon_bin=$SESAMED
if grep -qa __asan_init "$daemon_bin"; then
	daemon_bin=$SESAME_ROOT/build/sesamed
fi
if ! command -v valgrind >/dev/null; then
	not_ok "valgrind is installed (apt-get install valgrind)"; finish
fi
if [ ! -x "$daemon_bin" ] || grep -qa __asan_init "$daemon_bin"; then
	not_ok "a build of sesamed without sanitizers at $daemon_bin (make all)"; finish
fi

ns_setup
tcp_service 2223

cat >"$TMP/sesamed.conf" <<EOF
[options]
	NftTable      = sesame_vg$RUN
	ControlSocket = $TMP/control
	StateDir      = $TMP/state
	ReplayCache   = $TMP/replay
[cmd]
	Sequence      = 7000,8000:udp,9000
	Seq_Timeout   = 3
	TCPFlags      = syn
	Start_Command = touch $TMP/started-%IP%
	Stop_Command  = touch $TMP/stopped-%IP%
	Cmd_Timeout   = 1
[gate]
	Sequence      = 7100,7200
	Seq_Timeout   = 3
	Open          = 2223/tcp
	Open_Timeout  = 30
EOF
mkdir -p "$TMP/state"

LOG=$TMP/sesamed.log
VGLOG=$TMP/valgrind.log
ip netns exec "$SRV_NS" valgrind --tool=memcheck --leak-check=full \
	--show-leak-kinds=definite --errors-for-leak-kinds=definite \
	--error-exitcode=$VG_RC --child-silent-after-fork=yes --log-file="$VGLOG" \
	--suppressions="$SESAME_ROOT/tests/e2e/valgrind.supp" \
	"$daemon_bin" -c "$TMP/sesamed.conf" -i "$SRV_IF" -v -p "$TMP/sesamed.pid" \
	>"$LOG" 2>&1 &
vg_pid=$!

# valgrind takes seconds to start; sesamed logs once it captures.
if ! wait_until 40 grep -q "capturing on" "$LOG"; then
	not_ok "sesamed under valgrind starts capturing"
	sed 's/^/# /' "$LOG" "$VGLOG" | tail -n 40
	finish
fi
ok "sesamed under valgrind starts capturing"

knock() { in_cli "$SESAME" knock "$@" >/dev/null; }
# Noise first: a wrong step, a stranger's port, a step with the wrong protocol.
knock "$SRV4" 7000 9000 12345 8000
knock "$SRV4" 7100 7100:udp
knock "$SRV4" 7000 8000:udp 9000
check "command door: Start_Command ran for the knocker" wait_until 10 test -e "$TMP/started-$CLI4"
check "command door: Stop_Command ran after Cmd_Timeout" wait_until 10 test -e "$TMP/stopped-$CLI4"
check "gate door: port closed before its knock" not reach "$SRV4" 2223
knock "$SRV4" 7100 7200
check "gate door: open for the knocker" wait_until 10 reach "$SRV4" 2223
knock -6 "$SRV6" 7100 7200
check "gate door: IPv6 knock opens too" wait_until 10 reach "$SRV6" 2223

kill -TERM "$vg_pid"
t0=$SECONDS
wait_until 40 not kill -0 "$vg_pid" 2>/dev/null
wait "$vg_pid"
rc=$?
diag "sesamed under valgrind exited with status $rc $((SECONDS - t0)) s after SIGTERM"
check "sesamed exits 0 on SIGTERM under valgrind (status $rc)" test "$rc" -eq 0
check "memcheck: no errors" grep -q "ERROR SUMMARY: 0 errors from 0 contexts" "$VGLOG"
check "memcheck: no invalid access or uninitialised use" \
	not grep -qE "Invalid (read|write|free)|uninitialised|Mismatched free|overlap" "$VGLOG"
check "memcheck: nothing definitely lost" \
	grep -qE "definitely lost: 0 bytes|All heap blocks were freed" "$VGLOG"
grep -E "definitely lost|indirectly lost|possibly lost|still reachable|ERROR SUMMARY|All heap" "$VGLOG" | sed 's/^==[0-9]*== */# /'
if [ "$_TAP_FAILED" -gt 0 ]; then
	sed 's/^/# /' "$VGLOG" | head -n 120
fi
finish
