#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# sesamed under valgrind's memcheck for one real scenario: a command door
# (Start_Command touches a file, Stop_Command another) and a native nft
# gate door (Open), both opened by real `sesame knock`s, plus wrong knocks
# and noise; a native SPA door opened by `sesame spa` after an unknown
# key, a garbage datagram and a truncated one; then SIGTERM.  Fails on any invalid read/write, use of
# uninitialised memory, bad free or definite leak (memcheck's error exit
# status and its summary), in sesamed and in its forked worker.  valgrind needs the plain build: with
# SESAME_BUILD=build/san this test uses $SESAME_ROOT/build/sesamed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_nft.sh"
. "$(dirname "$0")/lib_spa.sh"

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
tcp_service 2224

export HOME=$TMP/home
mkdir -p "$HOME"
"$SESAME" keygen --name alice >"$TMP/alice.line" 2>/dev/null &&
	"$SESAME" keygen --name bob -o "$TMP/bob.key" >/dev/null 2>&1 &&
	install -m 0600 "$TMP/alice.line" "$TMP/spa_keys" ||
	{ not_ok "sesame keygen for the SPA door"; finish; }

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
[spa]
	SPA_Port      = 62201
	SPA_Keys      = $TMP/spa_keys
	Open          = 2224/tcp
	Open_Timeout  = 30
EOF
mkdir -p "$TMP/state"

LOG=$TMP/sesamed.log
VGLOG=$TMP/valgrind.log
ip netns exec "$SRV_NS" valgrind --tool=memcheck --leak-check=full \
	--show-leak-kinds=definite --errors-for-leak-kinds=definite \
	--error-exitcode=$VG_RC --child-silent-after-fork=no --log-file="$VGLOG.%p" \
	--suppressions="$SESAME_ROOT/tests/e2e/valgrind.supp" \
	"$daemon_bin" -c "$TMP/sesamed.conf" -i "$SRV_IF" -v -p "$TMP/sesamed.pid" \
	>"$LOG" 2>&1 &
vg_pid=$!

# valgrind takes seconds to start; sesamed logs once it captures.
if ! wait_until 40 grep -q "capturing on" "$LOG"; then
	not_ok "sesamed under valgrind starts capturing"
	sed 's/^/# /' "$LOG" "$VGLOG".* | tail -n 40
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

# SPA: refused ones first (unknown key, garbage, truncated), then alice.
in_cli "$SESAME" spa --key "$TMP/bob.key" "$SRV4" >/dev/null 2>&1
head -c 128 /dev/urandom >"$TMP/junk.bin"
spa_send "$CLI_NS" "$SRV4" 62201 "$TMP/junk.bin"
spa_send "$CLI_NS" "$SRV4" 62201 "$TMP/junk.bin" cut:20
check "SPA door: closed after refused datagrams" not reach "$SRV4" 2224
check "SPA door: sesamed refused them" wait_until 5 grep -q "door spa: $CLI4: SPA refused" "$LOG"
check "SPA door: sesame spa sends" in_cli "$SESAME" spa --key "$HOME/.config/sesame/alice.key" "$SRV4"
check "SPA door: open for the client" wait_until 10 reach "$SRV4" 2224

kill -TERM "$vg_pid"
t0=$SECONDS
wait_until 40 not kill -0 "$vg_pid" 2>/dev/null
wait "$vg_pid"
rc=$?
diag "sesamed under valgrind exited with status $rc $((SECONDS - t0)) s after SIGTERM"
check "sesamed exits 0 on SIGTERM under valgrind (status $rc)" test "$rc" -eq 0
# One log per process: sesamed, its worker (forked, no exec: checked
# too), and the children that exec a command (empty logs).
vglogs=("$VGLOG".*)
summaries=$(cat "${vglogs[@]}" | grep -c "ERROR SUMMARY:")
diag "memcheck logs: ${#vglogs[@]}, with a summary: $summaries"
check "memcheck: no errors in any process" \
	eval '[ "$summaries" -ge 1 ] && ! cat "${vglogs[@]}" | grep "ERROR SUMMARY:" | grep -qv "ERROR SUMMARY: 0 errors"'
check "memcheck: no invalid access or uninitialised use" \
	not grep -qE "Invalid (read|write|free)|uninitialised|Mismatched free|overlap" "${vglogs[@]}"
check "memcheck: nothing definitely lost" \
	not grep -qE "definitely lost: [1-9]" "${vglogs[@]}"
grep -hE "definitely lost|indirectly lost|possibly lost|still reachable|ERROR SUMMARY|All heap" "${vglogs[@]}" | sed 's/^==[0-9]*== */# /'
if [ "$_TAP_FAILED" -gt 0 ]; then
	sed 's/^/# /' "$LOG" | tail -n 40
	cat "${vglogs[@]}" | sed 's/^/# /' | head -n 160
fi
finish
