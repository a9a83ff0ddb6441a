#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# SIGHUP: a broken new config is refused and the old doors keep working;
# a good one switches atomically (new capture filter: the new ports are
# seen, the old sequence no longer opens); an attempt in progress on an
# unchanged door survives; a pending Stop_Command still runs.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_daemon.sh"
ns_setup
CONF=$TMP/sesamed.conf

cat >"$CONF" <<EOF
[alpha]
	Sequence     = 7000,8000,9000
	Seq_Timeout  = 10
	Command      = echo %IP% >> $TMP/alpha
	Stop_Command = echo %IP% >> $TMP/alpha-stop
	Cmd_Timeout  = 4
EOF
daemon_start d "$CONF" || { daemon_show d; finish; }
k() { in_cli knock -4 "$SRV4" "$@"; }
reloads() { grep -c "$1" "$TMP/d.log"; }

cp "$CONF" "$TMP/good.conf"
cat >"$CONF" <<'EOF'
[alpha]
	Sequence    = 7000,80000,9000
	Command     = /bin/true
EOF
daemon_hup d
check "SIGHUP with a broken config: the error is logged with file:line" \
	wait_until 3 log_has d "$CONF:2: .*80000"
check "... the old config is kept" log_has d "keeping the running config"
check "... sesamed keeps running" daemon_alive d
k 7000 8000 9000
check "... and the old door still opens" has_lines "$TMP/alpha" 1

# Alpha is open now, its stop due in 4 s.  In-progress attempt on alpha:
k 7000 8000
wait_until 3 log_has d "door alpha: $CLI4: stage 2"
decisions() { grep -cE "door alpha: $CLI4: (stage|sequence complete|wrong port)" "$TMP/d.log"; }
before=$(decisions)
cat >"$CONF" <<EOF
[alpha]
	Sequence     = 7000,8000,9000
	Seq_Timeout  = 10
	Command      = echo %IP% >> $TMP/alpha
	Stop_Command = echo %IP% >> $TMP/alpha-stop
	Cmd_Timeout  = 4
[beta]
	Sequence     = 7100,7200:udp,7300
	Command      = echo %IP% >> $TMP/beta
EOF
daemon_hup d
check "SIGHUP with a good config reloads" wait_until 3 log_has d "reloaded .*2 doors"
sleep 0.3
check "the new worker rebuilds the attempts without logging their knocks again ($before lines)" \
	test "$(decisions)" -eq "$before"
k 9000
check "an attempt in progress on an unchanged door survives the reload" \
	wait_until 3 log_has d "door alpha: $CLI4: already open"
in_cli knock -4 "$SRV4" 7100 7200:udp 7300
check "the new door's ports are captured (new filter) and it opens" has_lines "$TMP/beta" 1

cat >"$CONF" <<EOF
[gamma]
	Sequence     = 7400,7500,7600
	Command      = echo %IP% >> $TMP/gamma
EOF
daemon_hup d
check "reload to a config without alpha" wait_until 3 log_has d "reloaded .*: 1 door(,|$)"
wait_until 6 _lines_ge "$TMP/alpha-stop" 1
check "alpha's pending Stop_Command still runs, once" test "$(lines "$TMP/alpha-stop")" -eq 1
k 7000 8000 9000
k 7100 7200 7300
sleep 0.5
check "removed doors no longer open" test "$(lines "$TMP/alpha")" -eq 1 -a "$(lines "$TMP/beta")" -eq 1
k 7400 7500 7600
check "the newest door opens" has_lines "$TMP/gamma" 1
check "still the same process" daemon_alive d
daemon_stop d
daemon_show d
finish
