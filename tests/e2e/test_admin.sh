#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The operator's verbs against a real sesamed in namespaces:
#   sesamed --dump-config   every key, defaults and -i/-g/-p overrides marked
#   sesamed -g FILE         knockd's --logfile; a LogFile that cannot be
#                           opened is a warning and the daemon runs
#   sesame revoke           closes the port for that address only (nft gate),
#                           runs a command door's stop at once, --door, --all
#   sesame status --format prometheus
#                           valid text exposition format (parsed by Debian's
#                           python3-prometheus-client), counters that move
#                           with knocks, grants, expiries, revokes, SPA
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_daemon.sh"
. "$(dirname "$0")/lib_spa.sh"
ns_setup
ns_add_host third 3
TH4=198.18.0.3
tcp_service 2222
SOCK=$TMP/control

export HOME=$TMP/home
mkdir -p "$HOME"
"$SESAME" keygen --name alice >"$TMP/alice.line" 2>/dev/null
"$SESAME" keygen --name bob -o "$TMP/bob.key" >/dev/null 2>&1
install -m 0600 "$TMP/alice.line" "$TMP/spa_keys"
cat >"$TMP/sesamed.conf" <<EOF
[options]
	NftTable      = sesame_adm
	ControlSocket = $SOCK
	StateDir      = $TMP/state
	ReplayCache   = $TMP/replay
	LogFile       = $TMP/nonexistent-dir/sesamed.log
[ssh]
	Sequence      = 7000,8000,9000
	Seq_Timeout   = 5
	Open          = 2222/tcp
	Open_Timeout  = 60
[short lived]
	Sequence      = 7100,8100
	Seq_Timeout   = 5
	Open          = 2222/tcp
	Open_Timeout  = 2
[cmd door]
	Sequence      = 7200
	Start_Command = echo start %IP% >> $TMP/cmd.log
	Stop_Command  = echo stop %IP% >> $TMP/cmd.log
	Cmd_Timeout   = 300
[spa]
	SPA_Port      = 62201
	SPA_Keys      = $TMP/spa_keys
	Open          = 2222/tcp
EOF

# --- --dump-config ------------------------------------------------------
out=$("$SESAMED" --dump-config -c "$TMP/sesamed.conf" -i eth9 -p "$TMP/x.pid"); rc=$?
check "--dump-config exits 0" test $rc -eq 0
for key in UseSyslog LogFile PidFile Interface Firewall NftTable StateLimit StateDir \
	   ReplayCache ControlSocket User Sequence Seq_Timeout TCPFlags Target Open \
	   Open_Timeout Start_Command Start_Command_6 Stop_Command Stop_Command_6 \
	   Cmd_Timeout SPA_Port SPA_Format SPA_Keys SPA_Window SPA_Allow_Address; do
	grep -qE "^	(# )?$key( |:)" <<<"$out" || { diag "missing $key"; BAD=1; }
done
check "--dump-config: every key, set or not" test -z "${BAD:-}"
check "--dump-config: a default is marked" \
	grep -qzP '\t# StateLimit: default\n\tStateLimit +?= 65536\n' <<<"$out"
check "--dump-config: -i overrides Interface, and says so" \
	grep -qzP '\t# Interface: from -i\n\tInterface +?= eth9\n' <<<"$out"
check "--dump-config: -p overrides PidFile" grep -qE "^	PidFile +?= $TMP/x.pid$" <<<"$out"
check "--dump-config: a door name with a space" grep -qx '\[short lived\]' <<<"$out"
check "--dump-config: the command as written" \
	grep -qxF "	Start_Command     = echo start %IP% >> $TMP/cmd.log" <<<"$out"
"$SESAMED" --dump-config -c "$TMP/sesamed.conf" >"$TMP/dump.conf"
check "--dump-config: the dump loads again (sesamed -t)" "$SESAMED" -t -c "$TMP/dump.conf" >/dev/null 2>&1
check "--dump-config of a broken config: exit 1, the error on stderr" \
	bash -c '! "$1" --dump-config -c "$2" >/dev/null 2>"$3" && grep -q "cannot read" "$3"' _ \
	"$SESAMED" "$TMP/none.conf" "$TMP/err"

check "-h lists -g/--logfile and --dump-config" \
	bash -c '"$1" -h | grep -q -- "-g, --logfile FILE" && "$1" -h | grep -q -- "--dump-config"' _ "$SESAMED"

# --- a LogFile that cannot be opened; -g ----------------------------------
check "-t warns about the LogFile it cannot open, exit 0" \
	bash -c '"$1" -t -c "$2" 2>&1 | grep -q "warning: LogFile .* cannot be opened"' _ "$SESAMED" "$TMP/sesamed.conf"
daemon_start d "$TMP/sesamed.conf" || { daemon_show d; finish; }
check "the daemon runs without its LogFile, and says so" \
	log_has d "warning: cannot open LogFile $TMP/nonexistent-dir/sesamed.log: .*; logging to stderr"
daemon_stop d
: >"$TMP/g.log"
daemon_start g "$TMP/sesamed.conf" -g "$TMP/g.log" || { daemon_show g; finish; }
check "-g FILE: the daemon logs to FILE (it overrides LogFile)" \
	wait_until 2 grep -q "capturing on" "$TMP/g.log"

# --- revoke -------------------------------------------------------------
knock() { in_ns "$1" "$SESAME" knock "$SRV4" "${@:2}" >/dev/null; }
revoke() { in_srv "$SESAME" revoke --socket "$SOCK" "$@"; }
prom() { in_srv "$SESAME" status --socket "$SOCK" --format prometheus; }
value() {  # metric-with-labels, from the text in $P
	awk -v m="$1 " 'index($0, m) == 1 { print $NF; found = 1 } END { if (!found) print "missing" }' <<<"$P"
}
P=$(prom)
echo "$P" >"$TMP/prom0.txt"
k0=$(value 'sesame_knocks_total{door="ssh",stage="3"}')
g0=$(value 'sesame_grants_total{door="ssh"}')

knock "$CLI_NS" 7000 8000 9000
knock "$third_NS" 7000 8000 9000
check "the client's knock opens 2222" wait_until 2 reach "$SRV4" 2222
check "the third host's knock opens 2222 for it" wait_until 2 reach "$SRV4" 2222 1 "$third_NS"
out=$(revoke "$CLI4"); rc=$?
check "sesame revoke ADDR: exit 0, one grant ended" test $rc -eq 0 -a "$out" = "revoked 1"
check "... the port is closed for that address" not reach "$SRV4" 2222
check "... and still open for the other one" reach "$SRV4" 2222 1 "$third_NS"
check "... logged with door and address" wait_until 2 grep -q "notice: door ssh: $CLI4: revoked" "$TMP/g.log"
out=$(revoke "$CLI4")
check "revoking it again: nothing left (revoked 0)" test "$out" = "revoked 0"
err=$(revoke --door nosuch --all 2>&1 >/dev/null); rc=$?
check "revoke --door with no such door: exit 1, error on stderr" \
	test $rc -eq 1 -a "$err" = "error: no door named nosuch"
check "revoke without an address or --all: exit 1" not revoke 2>/dev/null
check "revoke of a non-address: exit 1" not revoke not-an-address 2>/dev/null

# A command door: the stop command runs now, not at Cmd_Timeout (300 s).
knock "$CLI_NS" 7200
check "a command door: the start command ran" wait_until 2 grep -q "start $CLI4" "$TMP/cmd.log"
out=$(revoke --door "cmd door" "$CLI4")
check "revoke --door 'cmd door' ADDR: one grant ended" test "$out" = "revoked 1"
check "... its stop command ran at once" wait_until 2 grep -q "stop $CLI4" "$TMP/cmd.log"

out=$(revoke --all)
check "revoke --all ends the third host's grant" test "$out" = "revoked 1"
check "... closed for it too" not reach "$SRV4" 2222 1 "$third_NS"
check "a non-root user cannot revoke (the socket is root's)" \
	not in_srv setpriv --reuid=65534 --regid=65534 --clear-groups "$SESAME" revoke --socket "$SOCK" --all 2>/dev/null

# --- prometheus ---------------------------------------------------------
knock "$CLI_NS" 7100 8100                       # short lived: 2 s
wait_until 2 reach "$SRV4" 2222
knock "$third_NS" 7000 9000                     # a wrong knock
in_cli "$SESAME" spa --key "$TMP/bob.key" "$SRV4" >/dev/null 2>&1    # unknown key
in_cli "$SESAME" spa --key "$HOME/.config/sesame/alice.key" "$SRV4" >/dev/null 2>&1
wait_until 2 grep -q "SPA accepted" "$TMP/g.log"
sleep 2.5                                       # the short grant expires
check "the 2 s grant's end is logged when it comes" \
	grep -q "notice: door short lived: $CLI4: closed: Open_Timeout over" "$TMP/g.log"
P=$(prom); rc=$?
echo "$P" >"$TMP/prom1.txt"
check "status --format prometheus exits 0" test $rc -eq 0
check "every line is a HELP, TYPE or sample line of the text format" \
	test -z "$(grep -vE '^(# (HELP|TYPE) sesame_[a-z_]+ .+|sesame_[a-z_]+(\{[a-z_]+="[^"\\]*"(,[a-z_]+="[^"\\]*")*\})? [0-9]+)$' <<<"$P")"
check "python3-prometheus-client parses it, every family typed" /usr/bin/python3 - "$TMP/prom1.txt" <<'PY'
import sys
from prometheus_client.parser import text_string_to_metric_families
fams = list(text_string_to_metric_families(open(sys.argv[1]).read()))
assert fams, "no metrics"
for f in fams:
    assert f.type in ("counter", "gauge"), (f.name, f.type)
    assert f.samples, f.name
names = {f.name for f in fams}
for want in ("sesame_packets", "sesame_packets_dropped", "sesame_knocks", "sesame_grants",
             "sesame_grants_expired", "sesame_grants_revoked", "sesame_spa_accepted",
             "sesame_spa_refused", "sesame_worker_restarts"):
    assert want in names, want
PY
check "knocks at the last stage of ssh moved by 2 (two knocks)" \
	test "$(value 'sesame_knocks_total{door="ssh",stage="3"}')" -eq $((k0 + 2))
check "ssh grants moved by 2" test "$(value 'sesame_grants_total{door="ssh"}')" -eq $((g0 + 2))
check "ssh grants revoked: 2" test "$(value 'sesame_grants_revoked_total{door="ssh"}')" -eq 2
check "cmd door grants revoked: 1" test "$(value 'sesame_grants_revoked_total{door="cmd door"}')" -eq 1
check "the 2 s grant expired" test "$(value 'sesame_grants_expired_total{door="short lived"}')" -eq 1
check "the wrong knock is counted" test "$(value 'sesame_knocks_wrong_total{door="ssh"}')" -ge 1
check "SPA accepted: 1" test "$(value 'sesame_spa_accepted_total')" -eq 1
check "SPA refused for an unknown key: 1" test "$(value 'sesame_spa_refused_total{reason="unknown_key"}')" -eq 1
check "packets seen by the capture" test "$(value 'sesame_packets_total')" -ge 9
check "kernel drops reported" test "$(value 'sesame_packets_dropped_total{by="kernel"}')" -ge 0
check "no worker restarts" test "$(value 'sesame_worker_restarts_total')" -eq 0

# Counters outlive the worker: a reload replaces it, after one more knock
# that only the old worker saw.
knock "$CLI_NS" 7000 8000 9000
wait_until 2 reach "$SRV4" 2222
daemon_hup g
wait_until 5 grep -q "reloaded" "$TMP/g.log"
P=$(prom)
check "after a reload the old worker's counts are kept (ssh stage 3: +3)" \
	test "$(value 'sesame_knocks_total{door="ssh",stage="3"}')" -eq $((k0 + 3))
check "... and the reload is counted" test "$(value 'sesame_reloads_total')" -eq 1
# A worker killed is restarted, and counted.
wpid=$(pgrep -P "$(daemon_pid g)" -x sesamed | head -1)
kill -9 "$wpid"
wait_until 5 grep -q "starting a new worker" "$TMP/g.log"
sleep 1.5
P=$(prom)
check "a worker killed: sesame_worker_restarts_total 1" test "$(value 'sesame_worker_restarts_total')" -eq 1
daemon_stop g
finish
