#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Bad `sesamed` command lines, from a table: each exits 1, prints nothing
# on stdout and exactly one line on stderr, which starts with "sesamed:"
# and says what was wrong in the expected words.  A config with errors is
# one "sesamed: FILE:LINE: ..." line per error and a summary.  -h/--help
# and -V/--version answer as the client's subcommands do; the log lines of
# one-shot commands (--remove-gate) are "sesamed: ..." too.  And -d with no
# LogFile and no UseSyslog logs to syslog rather than to nowhere.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_daemon.sh"
mkdir -p "$TMP/dir"
printf '[ssh]\n\tSequnce = 7000,8000\n\tOpen = 22/tcp\n' >"$TMP/bad.conf"

# EXPECTED WORDS (grep -F)|ARGS (split on blanks)
TABLE=(
	"unknown option '-x' (see 'sesamed -h')|-x"
	"unknown option '--bogus'|--bogus"
	"unknown option '-x'|-dx"
	"missing value after '-c'|-c"
	"missing value after '--config'|--config"
	"missing value after '-i'|-i"
	"missing value after '-p'|-t -p"
	"missing value after '--logfile'|--logfile"
	"unexpected argument 'foo': sesamed takes options only|foo"
	"unexpected argument 'foo'|-t -c $TMP/bad.conf foo"
	"-t, --dump-config and --remove-gate exclude each other|-t --dump-config"
	"-t, --dump-config and --remove-gate exclude each other|--remove-gate --dump-config"
	"$TMP/none.conf: cannot read: No such file or directory|-c $TMP/none.conf"
	"$TMP/none.conf: cannot read|-t -c $TMP/none.conf"
	"$TMP/none.conf: cannot read|--dump-config -c $TMP/none.conf"
	"$TMP/none.conf: cannot read|--remove-gate -c $TMP/none.conf"
	"$TMP/dir: cannot read: a directory, not a config file|-t -c $TMP/dir"
	"$TMP/dir: cannot read: a directory|-c $TMP/dir"
	"$TMP/bad.conf:2: unknown key 'Sequnce' (did you mean 'Sequence'?)|--dump-config -c $TMP/bad.conf"
)

bad_line() {  # WORDS ARGS...
	local words=$1 rc=0; shift
	"$SESAMED" "$@" >"$TMP/out" 2>"$TMP/err" </dev/null || rc=$?
	if [ "$rc" != 1 ]; then diag "exit status $rc"; return 1; fi
	if [ -s "$TMP/out" ]; then diag "stdout: $(head -n 2 "$TMP/out")"; return 1; fi
	if [ "$(wc -l <"$TMP/err")" != 1 ]; then diag "stderr: $(cat "$TMP/err")"; return 1; fi
	case $(cat "$TMP/err") in
	"sesamed: "*) ;;
	*) diag "no 'sesamed:' prefix: $(cat "$TMP/err")"; return 1 ;;
	esac
	grep -qF -- "$words" "$TMP/err" || { diag "stderr: $(cat "$TMP/err")"; return 1; }
}

for row in "${TABLE[@]}"; do
	IFS='|' read -r words args <<<"$row"
	# shellcheck disable=SC2086
	check "sesamed $args: exit 1, one line 'sesamed: ...$words...'" bad_line "$words" $args
done

# A config with errors: every line prefixed, the error, then the summary.
config_errors() {  # WANT_LAST ARGS...
	local last=$1 rc=0; shift
	"$SESAMED" "$@" >"$TMP/out" 2>"$TMP/err" </dev/null || rc=$?
	[ "$rc" = 1 ] && [ ! -s "$TMP/out" ] && [ "$(wc -l <"$TMP/err")" = 2 ] &&
		! grep -qv '^sesamed: ' "$TMP/err" &&
		grep -qF "sesamed: $TMP/bad.conf:2: unknown key 'Sequnce' (did you mean 'Sequence'?)" "$TMP/err" &&
		tail -n 1 "$TMP/err" | grep -qF -- "$last" ||
		{ diag "rc=$rc: $(cat "$TMP/err")"; return 1; }
}
check "sesamed -t on a bad config: 'sesamed: FILE:LINE: ...' then 'not valid (1 error)'" \
	config_errors "sesamed: $TMP/bad.conf: not valid (1 error)" -t -c "$TMP/bad.conf"
check "sesamed on a bad config: the error, then '1 error, not starting'" \
	config_errors "sesamed: $TMP/bad.conf: 1 error, not starting" -c "$TMP/bad.conf"

check "sesamed -h and --help: usage on stdout, nothing on stderr, exit 0" \
	bash -c "'$SESAMED' -h 2>'$TMP/e1' | grep -q '^usage: sesamed' &&
		'$SESAMED' --help 2>'$TMP/e2' | grep -q '^usage: sesamed' &&
		! test -s '$TMP/e1' && ! test -s '$TMP/e2'"
check "sesamed -V and --version: the version, exit 0" \
	bash -c "'$SESAMED' -V | grep -qE '^sesamed [0-9]' &&
		'$SESAMED' --version | grep -qE '^sesamed [0-9]'"
check "sesamed -h lists every knockd flag" \
	bash -c "u=\$('$SESAMED' -h); for f in -i, -d, -c, -D, -l, -p, -g, -v, -4, -V, -h,; do
		grep -qe \"  \$f --\" <<<\"\$u\" || { echo \"# no \$f\"; exit 1; }; done"

# One-shot commands speak as the command line does, their log lines too:
# "sesamed: MESSAGE", no time stamp.
ns_setup
printf '[options]\n\tNftTable = voice_e2e\n[d]\n\tSequence = 7000,8000\n\tOpen = 22/tcp\n' >"$TMP/gate.conf"
cli_line() {  # WANT ARGS...: exit 0, stdout empty, stderr exactly WANT
	local want=$1 rc=0; shift
	in_srv "$SESAMED" "$@" >"$TMP/out" 2>"$TMP/err" </dev/null || rc=$?
	[ "$rc" = 0 ] && [ ! -s "$TMP/out" ] && [ "$(cat "$TMP/err")" = "$want" ] ||
		{ diag "rc=$rc: $(cat "$TMP/err")"; return 1; }
}
check "--remove-gate without a table: 'sesamed: gate: no table ...', exit 0" \
	cli_line "sesamed: gate: no table inet voice_e2e: nothing to remove" --remove-gate -c "$TMP/gate.conf"
in_srv nft add table inet voice_e2e
check "--remove-gate: 'sesamed: gate: table inet voice_e2e deleted; ...', exit 0" \
	cli_line "sesamed: gate: table inet voice_e2e deleted; guarded ports are no longer guarded" \
	--remove-gate -c "$TMP/gate.conf"
check "... and the table is gone" not in_srv nft list table inet voice_e2e 2>/dev/null

# -d, no LogFile, no UseSyslog: stderr is /dev/null once detached, so the
# lines go to syslog.  The daemon runs in a mount namespace whose /dev has
# our own datagram socket as /dev/log (and the host's null and urandom).
nc -lkuU "$TMP/log.sock" >"$TMP/syslog.out" 2>/dev/null </dev/null &
NC=$!
disown "$NC"
printf '[door]\n\tSequence = 7000,8000,9000\n\tCommand  = /bin/true %%IP%%\n' >"$TMP/run.conf"
conf_isolate "$TMP/run.conf"
if wait_until 3 test -S "$TMP/log.sock"; then
	unshare -m bash -c '
		set -e
		mount --make-rprivate /
		mkdir -p "$1/dev" && mount -t tmpfs tmpfs "$1/dev"
		for n in null zero random urandom log; do touch "$1/dev/$n"; done
		for n in null zero random urandom; do mount --bind "/dev/$n" "$1/dev/$n"; done
		mount --bind "$1/log.sock" "$1/dev/log"
		mount --rbind "$1/dev" /dev
		exec ip netns exec "$2" "$3" -d -c "$1/run.conf" -i br0 -p "$1/d.pid"' \
		_ "$TMP" "$SRV_NS" "$SESAMED" 2>"$TMP/d.err"
	check "-d without LogFile or UseSyslog: start-up is logged to syslog" \
		wait_until 5 grep -q 'sesamed.*capturing on br0' "$TMP/syslog.out"
	check "... and nothing said on the terminal" test ! -s "$TMP/d.err"
	[ -s "$TMP/d.pid" ] && kill -TERM "$(cat "$TMP/d.pid")"
	check "... SIGTERM's 'stopped' too" wait_until 5 grep -q 'sesamed.*stopped' "$TMP/syslog.out"
else
	not_ok "no datagram socket for syslog (nc -lkuU)"
fi
kill "$NC" 2>/dev/null

# The same with nothing behind /dev/log: the lines would be lost, and the
# terminal is told so before -d detaches.
unshare -m bash -c '
	set -e
	mount --make-rprivate /
	mkdir -p "$1/dev2" && mount -t tmpfs tmpfs "$1/dev2"
	for n in null zero random urandom; do touch "$1/dev2/$n"; mount --bind "/dev/$n" "$1/dev2/$n"; done
	mount --rbind "$1/dev2" /dev
	exec ip netns exec "$2" "$3" -d -c "$1/run.conf" -i br0 -p "$1/d2.pid"' \
	_ "$TMP" "$SRV_NS" "$SESAMED" 2>"$TMP/d2.err"
check "-d with no log destination and no /dev/log: a warning on the terminal" \
	grep -q 'warning: -d without LogFile, -g or UseSyslog logs to syslog, but /dev/log is not there' "$TMP/d2.err"
wait_until 3 test -s "$TMP/d2.pid" && kill -TERM "$(cat "$TMP/d2.pid")"
wait_until 5 not test -e "$TMP/d2.pid"
finish
