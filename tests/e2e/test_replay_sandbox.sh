#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The replay cache is compacted by the sandboxed worker itself, which can
# neither open nor rename a file: more SPA packets than the compaction
# threshold go through one worker (SESAMED_TEST_REPLAY_CAP lowers the
# cache to 16 entries, SPA_Window = 1 lets entries expire), and the worker
# stays the same process, logs no failure, and the cache's two files stay
# small while every packet still opened.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_daemon.sh"
ns_setup
tcp_service 2222
export HOME=$TMP/home
mkdir -p "$HOME"
"$SESAME" keygen --name alice -o "$TMP/alice.key" >"$TMP/alice.line" 2>/dev/null
install -m 0600 "$TMP/alice.line" "$TMP/spa_keys"
cat >"$TMP/sesamed.conf" <<EOF
[options]
	User        = nobody
	NftTable    = sesame_rc
	ReplayCache = $TMP/replay
[ssh]
	SPA_Port     = 62201
	SPA_Keys     = $TMP/spa_keys
	SPA_Window   = 1
	Open         = 2222/tcp
	Open_Timeout = 30
EOF
export SESAMED_TEST_REPLAY_CAP=16
daemon_start d "$TMP/sesamed.conf" || { daemon_show d; finish; }
worker() { sed -nE 's/.*packets are read by worker ([0-9]+) as user.*/\1/p' "$TMP/d.log" | tail -n1; }
w=$(worker)
N=45
for i in $(seq $N); do
	in_cli "$SESAME" spa --key "$TMP/alice.key" "$SRV4" 2>/dev/null
	sleep 0.3
done
accepted() { [ "$(grep -c 'SPA accepted' "$TMP/d.log")" -ge "$1" ]; }
check "all $N packets were accepted" wait_until 3 accepted $N
check "the same worker read them all (pid $w)" test "$(worker)" = "$w" -a -d "/proc/$w"
check "no worker died" not log_has d "worker (pid [0-9]+ )?(killed|exited)"
check "no compaction failure was logged" not log_has d "compaction failed"
size() { stat -c %s "$1" 2>/dev/null || echo 0; }
records() { local s; s=$(size "$1"); [ "$s" -gt 16 ] && echo $(((s - 16) / 48)) || echo 0; }
total=$(( $(records "$TMP/replay") + $(records "$TMP/replay.alt") ))
diag "replay cache: $(size "$TMP/replay") + $(size "$TMP/replay.alt") bytes, $total records for $N packets"
check "the files were compacted (fewer than $N records in them)" test "$total" -lt $N
check "... and hold at most 3 x 16 + 1 records each" \
	test "$(size "$TMP/replay")" -le $((16 + 49 * 48)) -a "$(size "$TMP/replay.alt")" -le $((16 + 49 * 48))
check "the guarded port is open" reach "$SRV4" 2222
check "no seccomp violation by the worker" \
	not bash -c "dmesg 2>/dev/null | grep -E 'type=1326.*pid=$w '"
daemon_stop d
daemon_show d 20
finish
