#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A reload never puts back a door the new config removed: the old worker
# decides the knocks it still had queued after the new table is loaded,
# and a grant for a removed door must open nothing (it used to fail, and
# the repair path then reloaded the old table, removed door included).
# The old worker is held with SIGSTOP while the last knock is queued and
# the reload starts, so that its grant comes after the new table.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_daemon.sh"
ns_setup
tcp_service 2222
conf() {  # with_b
	cat <<EOF
[options]
	NftTable = sesame_rr
[a]
	Sequence = 7001,7002,7003
	Open     = 2222/tcp
EOF
	[ "$1" = 1 ] && cat <<EOF
[b]
	Sequence = 7101,7102,7103
	Open     = 2223/tcp
EOF
	true
}
conf 1 >"$TMP/sesamed.conf"
daemon_start d "$TMP/sesamed.conf" || { daemon_show d; finish; }
pid=$(daemon_pid d)
sets() { in_srv nft list sets table inet sesame_rr 2>/dev/null | grep -oE 'set [a-z_0-9]+' | sort | tr '\n' ' '; }
check "door b has its sets" eval 'sets | grep -q "set b_v4"'

in_cli knock -4 "$SRV4" 7101 7102
sleep 0.3
w=$(pgrep -P "$pid" -x sesamed | head -n1)
kill -STOP "$w"
in_cli knock -4 "$SRV4" 7103              # queued in the stopped worker's ring
sleep 0.2
conf 0 >"$TMP/sesamed.conf"
conf_isolate "$TMP/sesamed.conf" d
daemon_hup d
sleep 0.5                                  # the new table is loaded, the parent waits
kill -CONT "$w"
check "the reload completes" wait_until 5 log_has d "reloaded .*: 1 door"
sleep 0.3
check "the old worker's grant for b opened nothing (logged)" \
	log_has d "door b: $CLI4: not opened: the reload removed or changed the door"
check "the table was not put back to the old config" \
	not log_has d "was deleted or changed by someone else; restoring it"
check "door b's sets are gone" eval '! sets | grep -q "set b_v"'
in_cli knock -4 "$SRV4" 7001 7002 7003
check "door a still opens" wait_until 3 reach "$SRV4" 2222
check "sesamed still running" daemon_alive d
daemon_stop d
in_srv nft delete table inet sesame_rr 2>/dev/null
daemon_show d 30
finish
