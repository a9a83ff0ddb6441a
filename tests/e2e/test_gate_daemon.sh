#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# sesamed with the native gate: a door with Open guards a real TCP service
# through table inet <NftTable>, knocks come from `sesame knock`, and
# `sesame status` reads the grants back from the kernel.  Covers: open for
# the knocker only, closed after Open_Timeout even after SIGKILL, SIGTERM
# leaves the table (fail closed), restart keeps a grant, a second knock
# refreshes, IPv6 grants, SIGHUP keeps grants of doors that stay, status
# (text and JSON, socket 0600), --remove-gate, CAP_NET_ADMIN error.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_daemon.sh"
. "$(dirname "$0")/lib_nft.sh"
ns_setup
ns_add_host third 3
tcp_service 2222
SOCK=$TMP/run/sesame/control
write_conf() {  # extra door text appended; TABLE= picks NftTable
	cat >"$TMP/sesamed.conf" <<EOF
[options]
	NftTable      = ${TABLE:-sesame_t}
	ControlSocket = $SOCK
[cmd]
	Sequence      = 7500
	Command       = touch $TMP/cmd_ran
[ssh]
	Sequence      = 7000,8000,9000
	Seq_Timeout   = 3
	Open          = 2222/tcp
	Open_Timeout  = 3
$1
EOF
}
write_conf "[old]
	Sequence      = 7100,7200
	Open          = 2223/tcp"
knock() { in_ns "${NS:-$CLI_NS}" "$SESAME" knock "$@" >/dev/null; }
status() { in_srv "$SESAME" status --socket "$SOCK" "$@"; }
elems4() { set_elems sesame_t ssh_v4; }
elems6() { set_elems sesame_t ssh_v6; }

daemon_start d "$TMP/sesamed.conf" || { daemon_show d; finish; }
check "the table is loaded at start" in_srv nft list table inet sesame_t
check "guarded port closed before any knock" not reach "$SRV4" 2222
check "a knock port answers nothing to a stranger (no RST)" silent_connect "$third_NS" "$SRV4" 8000

knock "$SRV4" 7000 8000 9000
check "knock: open for the knocker" wait_until 2 reach "$SRV4" 2222
check "still closed for a third host" not reach "$SRV4" 2222 1 "$third_NS"
knock "$SRV4" 7500
check "a command door works beside the gated ones (its knock port dropped)" \
	wait_until 2 test -e "$TMP/cmd_ran"
check "the grant is one element in ssh_v4" [ "$(elems4 | grep -c "^$CLI4 . tcp . 2222 ")" -eq 1 ]

# --- status ------------------------------------------------------------
check "control socket is mode 0600" [ "$(stat -c %a "$SOCK")" = 600 ]
st=$(status)
diag "$(head -3 <<<"$st")"
check "status lists the grant with seconds left" \
	grep -qE "^  $CLI4 2222/tcp [1-3] s left$" <<<"$st"
check "status names the door and its attempts" grep -qE "^door ssh: 7000:tcp,8000:tcp,9000:tcp; opens 2222/tcp for 3 s; [0-9]+ attempts? in progress$" <<<"$st"
js=$(status --json)
check "status --json lists the grant" \
	grep -qE "\"address\":\"$CLI4\",\"family\":4,\"port\":2222,\"proto\":\"tcp\",\"expires_ms\":[0-9]+,\"seconds_left\":[1-3]" <<<"$js"
if command -v python3 >/dev/null; then
	check "status --json is valid JSON" python3 -c 'import json,sys; json.load(sys.stdin)' <<<"$js"
fi
check "status of a missing socket: exit 1 with a reason" \
	not in_srv "$SESAME" status --socket "$TMP/nope"

# --- a second knock refreshes -------------------------------------------
e1=$(status --json | grep -oE '"expires_ms":[0-9]+' | head -1 | cut -d: -f2)
# Short: the grant (Open_Timeout 3) must still be live when the knock lands,
# also for a slow (sanitized) client.
sleep 0.3
knock "$SRV4" 7000 8000 9000
sleep 0.3
e2=$(status --json | grep -oE '"expires_ms":[0-9]+' | head -1 | cut -d: -f2)
check "second knock: still one element" [ "$(elems4 | grep -c "^$CLI4 ")" -eq 1 ]
moved() { [ -n "$e1" ] && [ -n "$e2" ] && [ "$e2" -gt "$e1" ]; }
check "second knock: expiry moved (${e1:-?} -> ${e2:-?} ms)" moved

# --- SIGKILL right after a grant: the kernel still closes --------------
sleep 3.5
check "closed again after Open_Timeout" not reach "$SRV4" 2222
knock "$SRV4" 7000 8000 9000
wait_until 2 reach "$SRV4" 2222
kill -KILL "$(daemon_pid d)"
check "SIGKILL: the grant outlives sesamed for its time" reach "$SRV4" 2222
sleep 3.5
check "SIGKILL: closed after Open_Timeout all the same" not reach "$SRV4" 2222
check "SIGKILL: the table still guards (third host closed)" not reach "$SRV4" 2222 1 "$third_NS"

# --- IPv6 --------------------------------------------------------------
daemon_start d2 "$TMP/sesamed.conf" || daemon_show d2
check "restart over a stale control socket works" status
knock -6 "$SRV6" 7000 8000 9000
check "IPv6 knock: open for the knocker over IPv6" wait_until 2 reach "$SRV6" 2222
check "IPv6 knock: the element is in ssh_v6" [ "$(elems6 | grep -c "^$CLI6 . tcp . 2222 ")" -eq 1 ]
check "IPv6 knock: ssh_v4 stays empty" [ -z "$(elems4)" ]
check "IPv6 knock: IPv4 stays closed" not reach "$SRV4" 2222
check "status shows the IPv6 grant" grep -qE "^  $CLI6 2222/tcp [1-3] s left$" <<<"$(status)"

# --- SIGTERM leaves the table; restart keeps the grant -----------------
knock "$SRV4" 7000 8000 9000
wait_until 2 reach "$SRV4" 2222
daemon_stop d2
check "SIGTERM: the table stays (fail closed)" in_srv nft list table inet sesame_t
check "SIGTERM: the grant stays for its time" reach "$SRV4" 2222
daemon_start d3 "$TMP/sesamed.conf" || daemon_show d3
check "restart keeps the live grant (still one element)" [ "$(elems4 | grep -c "^$CLI4 ")" -eq 1 ]
check "restart: still open for the knocker" reach "$SRV4" 2222
check "restart: status lists the grant it did not make" grep -q "^  $CLI4 2222/tcp" <<<"$(status)"

# --- SIGHUP: grants of doors that stay survive, gone doors' sets go -----
knock "$SRV4" 7000 8000 9000
sleep 0.3
write_conf "[new]
	Sequence      = 7300,7400
	Open          = 2224/tcp"
daemon_hup d3
check "SIGHUP: reloaded" wait_until 3 log_has d3 "reloaded"
check "SIGHUP: the set of a removed door is gone" \
	wait_until 2 not in_srv nft list set inet sesame_t old_v4
check "SIGHUP: the new door has its sets" in_srv nft list set inet sesame_t new_v4
check "SIGHUP: the grant of door ssh survived" [ "$(elems4 | grep -c "^$CLI4 ")" -eq 1 ]
check "SIGHUP: still open for the knocker" reach "$SRV4" 2222
TABLE=sesame_u write_conf ""
daemon_hup d3
check "SIGHUP with a new NftTable: the new table is loaded" \
	wait_until 3 in_srv nft list table inet sesame_u
check "... and the old one is gone" not in_srv nft list table inet sesame_t
check "... and it guards (third host closed)" not reach "$SRV4" 2222 1 "$third_NS"
daemon_stop d3
TABLE=sesame_u write_conf ""

# --- removal on purpose, and clear errors ----------------------------
check "--remove-gate deletes the table" in_srv "$SESAMED" -c "$TMP/sesamed.conf" --remove-gate
check "no table left" not in_srv nft list table inet sesame_u
conf_isolate "$TMP/sesamed.conf"
out=$(in_srv setpriv --bounding-set -net_admin "$SESAMED" -c "$TMP/sesamed.conf" -i "$SRV_IF" 2>&1)
rc=$?
diag "$out"
check "without CAP_NET_ADMIN: sesamed exits 1" [ "$rc" -eq 1 ]
check "without CAP_NET_ADMIN: one line naming the cause" \
	[ "$(grep -c . <<<"$out")" -eq 1 ] && grep -q CAP_NET_ADMIN <<<"$out"
finish
