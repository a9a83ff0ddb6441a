#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Reloads do not make the parent's heap creep.  A reload loads the table
# through libnftables, which reads the ruleset back into a cache and builds
# its commands in a buffer of about 2 MiB.  Run in the parent, the buffer
# first moved into the brk heap through glibc's sliding mmap threshold
# (the heap stayed 4 MiB long), and once the threshold was fixed the
# cache's thousands of small blocks still came and went between the
# parent's long-lived ones, leaving the heap 500 kB long and a little
# more touched at each reload.  libnftables now runs in a child made for
# each script, so the parent's heap holds only the config, the capture
# and what they need (after 40 reloads 288-440 kB long, 120-200 resident
# when this was written; 496-500 and 216-276 with libnftables in the
# parent).  Every worker is forked from this heap, so it is the worker's
# floor too.  That the parent no longer runs libnftables shows plainly in
# the library's pages resident in it: 220-240 kB (what the loader's
# relocations touch), against 800-844 kB when it ran the scripts.
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
# libnftables' mappings in the parent: their resident kB.
lib_kb() {
	awk '/^[0-9a-f]+-[0-9a-f]+ / { in_lib = /libnftables/; next }
		in_lib && /^Rss:/ { kb += $2 } END { print kb + 0 }' "/proc/$pid/smaps"
}
lib=$(lib_kb)
check "libnftables runs outside the parent: ${lib} kB of it resident there (under 480)" \
	test "$lib" -lt 480
finish
