# SPDX-License-Identifier: GPL-2.0-or-later
# tests/e2e/lib_sanitize.sh — makes an ASan/UBSan/LSan report of any of our
# binaries (sesamed, sesame) fail the e2e test that ran it.
#
# With `make check SANITIZE=1` the e2e scripts run build/san's binaries.
# A sanitizer report of a daemon goes to its stderr, i.e. into a log file
# under $TMP that nobody reads and that the EXIT trap deletes, and its exit
# status is never collected (daemons are started in the background and
# killed with -9 by the cleanup, which also skips LeakSanitizer).  So:
#  - every sanitizer report is written to its own file under $SAN_DIR
#    (log_path; the file name ends in the pid), whatever process wrote it;
#  - finish() first stops, with SIGTERM, every daemon daemon_start left
#    running, so LeakSanitizer runs at its exit, then adds one "not ok"
#    per report file, with the report as TAP comments;
#  - it also scans every other file under $TMP (daemon logs) for sanitizer
#    lines: sesamed's sandboxed worker cannot open the report file
#    (seccomp answers EACCES to open), so its sanitizer prints "ERROR:
#    Can't open file" to stderr, i.e. into the daemon log, and dies.
#    (The worker also ends with _exit, so LeakSanitizer never runs there;
#    under seccomp it could not stop the world anyway.)
# Harmless with the ordinary build: the variables are ignored and no file
# ever appears.
#
# Source it after lib.sh (and lib_daemon.sh if used); lib.sh can source it
# last thing so that every test gets it.

SAN_DIR=$TMP/sanitizer
mkdir -p "$SAN_DIR"
# A daemon may drop privileges (User) before it writes a report.
chmod 1777 "$SAN_DIR"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$SAN_DIR/report:detect_leaks=1:exitcode=86"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}log_path=$SAN_DIR/report:print_stacktrace=1:halt_on_error=1"
export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}exitcode=86"

# san_stop_daemons: SIGTERM to every daemon of lib_daemon.sh still alive,
# waiting (7 s each) for its exit and its leak check.
san_stop_daemons() {
	local v p
	for v in $(compgen -v _DAEMON_); do
		p=${!v}
		[ -n "$p" ] && kill -0 "$p" 2>/dev/null || continue
		kill -TERM "$p" 2>/dev/null
		wait_until 7 not kill -0 "$p" 2>/dev/null ||
			diag "sanitize: ${v#_DAEMON_} (pid $p) still running 7 s after SIGTERM"
	done
}

# san_reports: the paths of the report files written so far.
san_reports() {
	local f
	for f in "$SAN_DIR"/*; do
		[ -s "$f" ] && echo "$f"
	done
	return 0
}

SAN_PATTERN='ERROR: [A-Za-z]+Sanitizer|runtime error: |ERROR: Can.t open file: .*/sanitizer/report'

# san_check: one "not ok" per sanitizer report, the report as comments.
san_check() {
	local f
	san_stop_daemons
	for f in $(san_reports); do
		# LeakSanitizer cannot stop the world under ptrace (a test that
		# runs a tool under strace): nothing was checked, nothing found.
		if grep -q "LeakSanitizer has encountered a fatal error" "$f" &&
		   ! grep -qE "ERROR: [A-Za-z]+Sanitizer:|runtime error: " "$f"; then
			diag "sanitize: ${f##*/}: leak check impossible (under ptrace?)"
			continue
		fi
		not_ok "sanitizer report ${f##*/} ($(grep -m1 -oE 'ERROR: [A-Za-z]+Sanitizer: [^ ]+|runtime error: .*' "$f" | head -c 120))"
		sed 's/^/# /' "$f" | head -n 80
	done
	for f in $(grep -rlaE "$SAN_PATTERN" "$TMP" --exclude-dir=sanitizer 2>/dev/null); do
		not_ok "sanitizer output in ${f#"$TMP"/}"
		grep -aE -A20 "$SAN_PATTERN" "$f" | head -n 40 | sed 's/^/# /'
	done
}

# finish() from lib.sh, with the check first.
if ! declare -F _san_orig_finish >/dev/null; then
	eval "$(declare -f finish | sed '1s/^finish/_san_orig_finish/')"
	finish() { san_check; _san_orig_finish; }
fi
