#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Privilege separation: sesamed's packet-reading worker runs as User
# (nobody here) with no capabilities, no_new_privs and a seccomp filter,
# read from /proc/<worker>/status; knocking and SPA still open end to end;
# `sesame status` still shows the worker's attempts; a worker that dies
# is replaced; the parent keeps root for the firewall and the commands.
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
	User          = nobody
	NftTable      = sesame_ps
	ReplayCache   = $TMP/replay
	ControlSocket = $TMP/control
	StateDir      = $TMP/state
[knock]
	Sequence    = 7001,7002,7003
	Seq_Timeout = 8
	Command     = echo %IP% >> $TMP/knocked
[ssh]
	SPA_Port     = 62201
	SPA_Keys     = $TMP/spa_keys
	Open         = 2222/tcp
	Open_Timeout = 20
EOF
daemon_start d "$TMP/sesamed.conf" || { daemon_show d; finish; }
pid=$(daemon_pid d)
worker() { sed -nE 's/.*packets are read by worker ([0-9]+) as user.*/\1/p' "$TMP/d.log" | tail -n1; }
w=$(worker)
field() { sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status"; }
nobody=$(id -u nobody); nogroup=$(id -g nobody)

check "the worker is a child of sesamed" test "$(awk '{print $4}' "/proc/$w/stat" 2>/dev/null)" = "$pid"
check "worker: Uid is nobody's (real, effective, saved, fs)" \
	test "$(field "$w" Uid)" = "$(printf '%s\t%s\t%s\t%s' $nobody $nobody $nobody $nobody)"
check "worker: Gid is nobody's" \
	test "$(field "$w" Gid)" = "$(printf '%s\t%s\t%s\t%s' $nogroup $nogroup $nogroup $nogroup)"
check "worker: no supplementary groups but its own" test "$(field "$w" Groups | tr -d " ")" = "$nogroup"
check "worker: CapEff = 0000000000000000" test "$(field "$w" CapEff)" = 0000000000000000
check "worker: CapPrm = 0000000000000000" test "$(field "$w" CapPrm)" = 0000000000000000
check "worker: CapBnd = 0000000000000000" test "$(field "$w" CapBnd)" = 0000000000000000
check "worker: CapAmb = 0000000000000000" test "$(field "$w" CapAmb)" = 0000000000000000
check "worker: NoNewPrivs = 1" test "$(field "$w" NoNewPrivs)" = 1
check "worker: Seccomp = 2 (filter)" test "$(field "$w" Seccomp)" = 2
check "parent: still root (firewall, commands)" test "$(field "$pid" Uid | cut -f2)" = 0
check "parent: no seccomp filter" test "$(field "$pid" Seccomp)" = 0
sockets() { for f in /proc/"$1"/fd/*; do readlink "$f"; done | grep -c '^socket:'; }
check "the worker holds three sockets: the capture, its line to the parent, netlink (addresses)" \
	test "$(sockets "$w")" -eq 3
check "... the parent its line to the worker, the control socket, nftables netlink" \
	test "$(sockets "$pid")" -ge 3
# Nothing of the parent's is inherited: one epoll, one timerfd, one
# signalfd (the worker's own loop), no directory, no pid file.
fds() { for f in /proc/"$1"/fd/*; do readlink "$f"; done; }
fds "$w" >"$TMP/worker.fds"
diag "worker descriptors: $(sort "$TMP/worker.fds" | uniq -c | tr '\n' ' ')"
check "the worker holds one epoll (its own), not the parent's" \
	test "$(grep -c 'anon_inode:\[eventpoll\]' "$TMP/worker.fds")" -eq 1
check "... one timerfd and one signalfd" \
	test "$(grep -c 'anon_inode:\[timerfd\]' "$TMP/worker.fds")/$(grep -c 'anon_inode:\[signalfd\]' "$TMP/worker.fds")" = 1/1
check "... no file of the parent's (pid file, StateDir)" \
	not grep -qE "$TMP/(d\.pid|state)" "$TMP/worker.fds"

# End to end through the worker.
in_cli knock -4 "$SRV4" 7001 7002 7003
check "a knock opens (the worker decides, the parent runs the command)" has_lines "$TMP/knocked" 1
check "guarded port closed before SPA" not reach "$SRV4" 2222
in_cli "$SESAME" spa --key "$TMP/alice.key" "$SRV4"
check "SPA opens the guarded port" wait_until 3 reach "$SRV4" 2222
check "... decided and logged by the worker" log_has d "door ssh: $CLI4: SPA accepted: key alice"

# The worker's attempts, through the parent's control socket.
in_cli knock -4 "$SRV4" 7001
_attempts() { in_srv "$SESAME" status --socket "$TMP/control" | grep -qE "^door knock: .*; 1 attempt in progress$"; }
check "sesame status shows the worker's attempt in progress" wait_until 2 _attempts
check "... and the grant from the kernel set" \
	bash -c "in_srv() { ip netns exec '$SRV_NS' \"\$@\"; }; in_srv '$SESAME' status --socket '$TMP/control' | grep -q '$CLI4'"

# A worker that dies is replaced; the daemon keeps running and opening.
# SIGABRT rather than SIGSEGV: a sanitized worker reports a SEGV as a bug.
kill -ABRT "$w"
check "a dead worker is logged" wait_until 3 log_has d "worker (killed by signal (6|11)|exited with status)"
check "a new worker runs" wait_until 3 eval '[ -n "$(pgrep -P '"$pid"' -x sesamed)" ]'
w2=$(pgrep -P "$pid" -x sesamed | head -n1)
check "... another process" test -n "$w2" -a "$w2" != "$w"
check "... also sandboxed (Seccomp = 2, CapEff = 0, uid nobody)" \
	test "$(field "$w2" Seccomp)/$(field "$w2" CapEff)/$(field "$w2" Uid | cut -f2)" = "2/0000000000000000/$nobody"
in_cli knock -4 "$SRV4" 7001 7002 7003
check "knocking works with the new worker" has_lines "$TMP/knocked" 2
check "sesamed still running" daemon_alive d
check "no seccomp violation was logged by the kernel for our workers" \
	not bash -c "dmesg 2>/dev/null | grep -E 'type=1326.*pid=($w|$w2) '"
daemon_stop d
check "SIGTERM: the worker is gone too" not kill -0 "$w2" 2>/dev/null
daemon_show d 40
finish
