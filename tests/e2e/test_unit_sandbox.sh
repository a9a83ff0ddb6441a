#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Does sesamed still work inside the confinement of dist/sesamed.service.in?
# Without systemd, the test builds that confinement by hand from the unit's
# own lines: the capability bounding set of CapabilityBoundingSet= and
# no_new_privs (setpriv); the system calls of SystemCallFilter=, expanded
# by systemd-analyze and combined as systemd does (the first line is the
# allow list, a later "~" line takes away, a later plain line adds back),
# every other call failing with EPERM (syscall_allow.c); and a read-only
# file system where only the StateDir and the ControlSocket's directory
# may be written (a private mount namespace, like ProtectSystem=strict
# with StateDirectory= and RuntimeDirectory=).  Then, in the namespace harness: the worker drops to
# its user and loads its seccomp filter, the nft gate opens for a knock,
# knockd-style commands calling nft and iptables add and remove their
# rules, status answers, SIGHUP reloads, SIGTERM ends both processes; and
# a command writing elsewhere fails, so the confinement is real.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_daemon.sh"
UNIT=$SESAME_ROOT/dist/sesamed.service.in

caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$UNIT")
bset=-all
for c in $caps; do
	c=${c#CAP_}
	bset+=",+${c,,}"
done
nnp=()
grep -qx 'NoNewPrivileges=yes' "$UNIT" && nnp=(--no-new-privs)
check "the unit names a capability bounding set ($caps)" [ -n "$caps" ]
check "the unit sets NoNewPrivileges=yes" [ ${#nnp[@]} -eq 1 ]
check "the unit mounts the system read-only (ProtectSystem=strict)" \
	grep -qx 'ProtectSystem=strict' "$UNIT"

# SystemCallFilter= as one list of names.
declare -A expanded=()
expand() {  # NAME...: prints the system calls of each name or @group
	local n
	for n in "$@"; do
		case $n in
		@*)
			[ -z "${expanded[$n]:-}" ] || continue
			expanded[$n]=1
			# shellcheck disable=SC2046
			expand $(systemd-analyze syscall-filter "$n" 2>/dev/null |
				sed -n '2,$ { /^ *#/d; s/^ *//p }')
			;;
		*) echo "$n" ;;
		esac
	done
}
declare -A allow=()
first=1
while read -r line; do
	deny=0
	case $line in "~"*) deny=1; line=${line#\~} ;; esac
	expanded=()
	# shellcheck disable=SC2086
	for c in $(expand $line | sort -u); do
		if [ $deny = 1 ]; then unset "allow[$c]"; else allow[$c]=1; fi
	done
	[ $first = 1 ] && [ $deny = 1 ] && { diag "a deny list first: not handled"; }
	first=0
done < <(sed -n 's/^SystemCallFilter=//p' "$UNIT")
printf '%s\n' "${!allow[@]}" | sort >"$TMP/syscalls"
check "the unit has a system call allow list ($(wc -l <"$TMP/syscalls") calls)" \
	[ "$(wc -l <"$TMP/syscalls")" -gt 100 ]
for c in capset setresuid seccomp; do
	check "... which lets the worker drop privileges: $c" grep -qx "$c" "$TMP/syscalls"
done
check "... and keeps out @privileged calls the parent does not need: chroot" \
	not grep -qx chroot "$TMP/syscalls"
SYSCALL_ALLOW=$BIN/tests/syscall_allow
[ -x "$SYSCALL_ALLOW" ] || { not_ok "$SYSCALL_ALLOW is built (make $SESAME_BUILD/tests/syscall_allow)"; finish; }

ns_setup
tcp_service 2222
mkdir -p "$TMP/state" "$TMP/run"
CONF=$TMP/run/sesamed.conf
cat >"$CONF" <<EOF
[options]
	NftTable      = sesame_u
	StateDir      = $TMP/state
	ControlSocket = $TMP/run/control
[gate]
	Sequence      = 7000,8000,9000
	Open          = 2222/tcp
	Open_Timeout  = 5
[nft]
	Sequence      = 7100,7200
	Start_Command = nft add element inet knock_t allowed { %IP% } && touch $TMP/state/nft_ran
	Cmd_Timeout   = 2
	Stop_Command  = nft delete element inet knock_t allowed { %IP% }
[ipt]
	Sequence      = 7300,7400
	Start_Command = iptables -I INPUT -s %IP% -p tcp --dport 2223 -j ACCEPT
	Cmd_Timeout   = 2
	Stop_Command  = iptables -D INPUT -s %IP% -p tcp --dport 2223 -j ACCEPT
[legacy]
	Sequence      = 7700,7800
	Start_Command = iptables-legacy -I INPUT -s %IP% -p tcp --dport 2224 -j ACCEPT
	Cmd_Timeout   = 2
	Stop_Command  = iptables-legacy -D INPUT -s %IP% -p tcp --dport 2224 -j ACCEPT
[outside]
	Sequence      = 7500,7600
	Start_Command = touch $TMP/outside || touch $TMP/state/outside_refused
EOF
in_srv nft add table inet knock_t
in_srv nft add set inet knock_t allowed '{ type ipv4_addr; }'

# The confinement, then sesamed in the foreground as the unit runs it.
# iptables-legacy's lock: the unit's ReadWritePaths, made by tmpfiles.d.
# Under ASan/UBSan the sanitizers' report directory stays writable too,
# so that a report is read rather than lost to the read-only root.
[ -e /run/xtables.lock ] || install -m 0600 /dev/null /run/xtables.lock
cat >"$TMP/confined.sh" <<EOF
set -e
mount --make-rprivate /
mount --bind "$TMP/state" "$TMP/state"
mount --bind "$TMP/run" "$TMP/run"
mount --bind /run/xtables.lock /run/xtables.lock
${SAN_DIR:+mount --bind $SAN_DIR $SAN_DIR}
mount -o remount,bind,ro /
exec setpriv --bounding-set "$bset" --inh-caps -all ${nnp[*]} -- \
	"$SYSCALL_ALLOW" "$TMP/syscalls" "$SESAMED" -c "$CONF" -i "$SRV_IF" -v
EOF
: >"$TMP/d.log"
ip netns exec "$SRV_NS" unshare -m sh "$TMP/confined.sh" >>"$TMP/d.log" 2>&1 &
_DAEMON_d=$!
disown $!
if ! wait_until 5 grep -q "capturing on" "$TMP/d.log"; then
	not_ok "sesamed starts in the unit's confinement"; daemon_show d; finish
fi
ok "sesamed starts in the unit's confinement"
pid=$(pgrep -f "^$SESAMED -c $CONF" | head -n1)
worker=$(pgrep -P "$pid" -x sesamed | head -n1)
diag "parent $pid: $(grep -E '^(CapBnd|NoNewPrivs)' "/proc/$pid/status" | tr '\n\t' '  ')"
check "the parent runs with the unit's bounding set" \
	[ "$(awk '/^CapBnd/ {print $2}' "/proc/$pid/status")" != 000001ffffffffff ]
check "... and no_new_privs" grep -qE '^NoNewPrivs:[[:space:]]+1' "/proc/$pid/status"
check "... under the unit's system call filter" grep -qE '^Seccomp:[[:space:]]+2' "/proc/$pid/status"
check "the worker dropped root" not grep -qE '^Uid:[[:space:]]+0[[:space:]]' "/proc/$worker/status"
check "... and runs under its seccomp filter" grep -qE '^Seccomp:[[:space:]]+2' "/proc/$worker/status"
check "... with no capability" grep -qE '^CapEff:[[:space:]]+0+$' "/proc/$worker/status"

knock() { in_cli "$SESAME" knock "$SRV4" "$@" >/dev/null; }
check "the guarded port is closed before a knock" not reach "$SRV4" 2222
knock 7000 8000 9000
check "the nft gate opens for a knock" wait_until 2 reach "$SRV4" 2222
knock 7100 7200
check "a Start_Command calling nft works" wait_until 3 test -e "$TMP/state/nft_ran"
check "... its element is in the set" eval 'in_srv nft list set inet knock_t allowed | grep -q "$CLI4"'
knock 7300 7400
check "a Start_Command calling iptables works" \
	wait_until 3 eval 'in_srv iptables -S INPUT | grep -q -- "-s $CLI4/32 .*--dport 2223 -j ACCEPT"'
check "the Stop_Commands remove both after Cmd_Timeout" wait_until 5 eval \
	'! in_srv iptables -S INPUT | grep -q -- "-s $CLI4/32" && ! in_srv nft list set inet knock_t allowed | grep -q "$CLI4"'
knock 7700 7800
check "a Start_Command calling iptables-legacy works (its lock is writable)" \
	wait_until 3 eval 'in_srv iptables-legacy -S INPUT | grep -q -- "-s $CLI4/32 .*--dport 2224 -j ACCEPT"'
check "... and its Stop_Command" wait_until 5 eval '! in_srv iptables-legacy -S INPUT | grep -q -- "-s $CLI4/32"'
knock 7500 7600
check "a command writing outside the writable paths fails" \
	wait_until 3 test -e "$TMP/state/outside_refused"
check "... and wrote nothing" not test -e "$TMP/outside"
check "no command failed for want of a capability" not log_has d 'Operation not permitted'
check "sesame status answers on the ControlSocket" \
	eval 'in_srv "$SESAME" status --socket "$TMP/run/control" | grep -q "door gate"'
# A reload stops the worker with SIGTERM (it runs as another user: the
# parent needs CAP_KILL) and its successor takes over the attempts.
knock 7300
wait_until 2 log_has d "door ipt: $CLI4: stage 1"
kill -HUP "$pid"
check "SIGHUP reloads" wait_until 5 log_has d 'reloaded '
check "... with a new worker" wait_until 3 eval '[ -n "$(pgrep -P "$pid" -x sesamed)" ]'
knock 7400
check "... which carries on an attempt begun before the reload" \
	wait_until 3 eval 'in_srv iptables -S INPUT | grep -q -- "-s $CLI4/32 .*--dport 2223 -j ACCEPT"'
worker=$(pgrep -P "$pid" -x sesamed | head -n1)
kill -TERM "$pid"
gone() { ! kill -0 "$1" 2>/dev/null; }
check "SIGTERM: sesamed stops" wait_until 7 gone "$pid"
check "... and its worker too" gone "$worker"
check "... saying stopped" log_has d 'stopped$'
daemon_show d 30
finish
