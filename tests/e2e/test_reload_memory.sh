#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Reloads do not make the parent's heap creep.  Each reload runs
# libnftables, which builds its commands in a buffer of about 2 MiB; with
# glibc's sliding mmap threshold that buffer moved into the brk heap after
# the first one was freed, and the heap then stayed 4 MiB long and was
# touched a little more at each reload (every worker, forked from the
# parent, carried the same pages).  sesamed fixes the threshold, so such
# buffers stay in mmap and the heap holds only what is live: after 40
# reloads its mapping must be well under the size of one batch buffer.
# It measures glibc's heap, so the plain build is used (ASan has its own).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_daemon.sh"

grep -qa __asan_init "$SESAMED" && SESAMED=$SESAME_ROOT/build/sesamed
if [ ! -x "$SESAMED" ] || grep -qa __asan_init "$SESAMED"; then
	not_ok "a build of sesamed without sanitizers at $SESAMED (make all)"; finish
fi

ns_setup
cat >"$TMP/sesamed.conf" <<EOF
[options]
	NftTable = sesame_rm
[knock]
	Sequence     = 7001,7002,7003
	Open         = 2222/tcp
	Open_Timeout = 20
EOF
daemon_start d "$TMP/sesamed.conf" || { daemon_show d; finish; }
pid=$(daemon_pid d)
reloaded() { grep -c "table inet sesame_rm reloaded" "$(daemon_log d)"; }
more_than() { [ "$(reloaded)" -gt "$1" ]; }
# The brk heap's mapping: its length and its resident size, in kB.
heap_len_kb() {
	local r; r=$(awk '/\[heap\]/ { print $1; exit }' "/proc/$pid/maps")
	[ -n "$r" ] && echo $(( (0x${r#*-} - 0x${r%-*}) / 1024 ))
}
heap_rss_kb() { awk '/\[heap\]/ { h = 1 } h && /^Rss:/ { print $2; exit }' "/proc/$pid/smaps"; }

# A SIGHUP that lands while the last reload is still being finished may
# be folded into it: send until 40 reloads are logged.
n=0 sent=0
while [ "$n" -lt 40 ] && [ "$sent" -lt 80 ]; do
	kill -HUP "$pid"; sent=$((sent + 1))
	wait_until 5 more_than "$n"
	n=$(reloaded)
done
check "40 reloads done ($n)" test "$n" -eq 40
check "sesamed still running" daemon_alive d
len=$(heap_len_kb) rss=$(heap_rss_kb)
diag "after $n reloads: heap mapping ${len:-?} kB long, ${rss:-?} kB resident"
check "the heap stays under 1 MiB (${len:-?} kB): no 2 MiB batch buffer settled in it" \
	test "${len:-99999}" -lt 1024
finish
