# SPDX-License-Identifier: GPL-2.0-or-later
# tests/e2e/lib_daemon.sh — running sesamed (or knockd) in the server
# namespace of an e2e test.  Source it after lib.sh.
#
#   daemon_start NAME CONF [ARGS...]   sesamed -c CONF -i br0 -v, pid and log
#                                      under $TMP/NAME.*, waits until it captures
#   daemon_stop NAME                   SIGTERM, waits for the exit (5 s)
#   daemon_hup NAME                    SIGHUP
#   daemon_alive NAME
#   daemon_log NAME                    the log file's path
#   log_has NAME REGEX                 grep -E in its log
#   knock_tcp HOST PORT... [NS]        one SYN per port with our nmap recipe
#   lines FILE                         number of lines (0 if missing)
#   conf_isolate CONF [NAME]           adds ControlSocket and StateDir under
#                                      $TMP to CONF unless it sets them, so a
#                                      test never touches /run/sesame or
#                                      /var/lib/sesame (daemon_start does it)

daemon_log() { echo "$TMP/$1.log"; }

conf_isolate() {
	local conf=$1 name=${2:-sesamed} add=()
	grep -qiE '^[[:space:]]*ControlSocket[[:space:]]*=' "$conf" ||
		add+=("	ControlSocket = $TMP/$name.control")
	grep -qiE '^[[:space:]]*StateDir[[:space:]]*=' "$conf" ||
		add+=("	StateDir = $TMP/$name.state")
	[ ${#add[@]} -gt 0 ] || return 0
	if grep -qiE '^[[:space:]]*\[options\]' "$conf"; then
		awk -v add="$(printf '%s\n' "${add[@]}")" '
			!done && tolower($0) ~ /^[[:space:]]*\[options\]/ { print; print add; done = 1; next }
			{ print }' "$conf" >"$conf.iso"
	else
		{ echo "[options]"; printf '%s\n' "${add[@]}"; cat "$conf"; } >"$conf.iso"
	fi
	mv "$conf.iso" "$conf"
}

daemon_start() {
	local name=$1 conf=$2; shift 2
	conf_isolate "$conf" "$name"
	: >"$TMP/$name.log"
	ip netns exec "$SRV_NS" "$SESAMED" -c "$conf" -i "$SRV_IF" -v \
		-p "$TMP/$name.pid" "$@" >>"$TMP/$name.log" 2>&1 &
	eval "_DAEMON_$name=$!"
	disown $!
	# "capturing on" is logged once the capture socket is open and the
	# loop is about to run: packets from now on are seen.
	if ! wait_until "${DAEMON_START_S:-5}" grep -q "capturing on" "$TMP/$name.log"; then
		diag "sesamed $name did not start:"; sed 's/^/# /' "$TMP/$name.log"
		return 1
	fi
}

daemon_pid() { eval "echo \${_DAEMON_$1:-}"; }
daemon_alive() { local p; p=$(daemon_pid "$1"); [ -n "$p" ] && kill -0 "$p" 2>/dev/null; }
daemon_hup() { kill -HUP "$(daemon_pid "$1")"; }

daemon_stop() {
	local p; p=$(daemon_pid "$1")
	[ -n "$p" ] || return 1
	kill -TERM "$p" 2>/dev/null || return 1
	wait_until 7 not kill -0 "$p" 2>/dev/null
}

log_has() { grep -qE "$2" "$TMP/$1.log"; }
lines() { if [ -f "$1" ]; then wc -l <"$1"; else echo 0; fi; }

# knock_nmap HOST PORT... : one nmap SYN probe per port, from the client
# (NS=... in the environment picks another namespace).  -6 for v6 hosts.
knock_nmap() {
	local host=$1 p six=; shift
	case $host in *:*) six=-6 ;; esac
	for p in "$@"; do
		ip netns exec "${NS:-$CLI_NS}" nmap $six -n -Pn --max-retries 0 -p "$p" "$host" >/dev/null 2>&1 || return 1
	done
}

# Waits (up to 3 s) until FILE has at least N lines.
has_lines() { wait_until 3 _lines_ge "$1" "$2"; }
_lines_ge() { [ "$(lines "$1")" -ge "$2" ]; }

# daemon_show NAME: its log as TAP comments (kept in the test log for
# whoever reads a failure).
daemon_show() { sed 's/^/# /' "$TMP/$1.log" | tail -n "${2:-60}"; }
