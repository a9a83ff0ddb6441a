#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# What sesamed refuses at start, `sesamed -t` refuses too (missing or
# world-readable SPA_Keys, a bad NftTable, two doors on one nft set, an
# unknown User, a ReplayCache directory others may write to); a second
# sesamed with the same pid file or control socket exits 1 with one line
# and leaves the first running; SIGUSR1/SIGUSR2 do not kill it; `sesame
# status` says "waiting for interface" while the interface is missing;
# LogFile is not followed through a symlink; a config holding fwknop keys
# that others may read is warned about.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_daemon.sh"
ns_setup
export HOME=$TMP/home
mkdir -p "$HOME"
"$SESAME" keygen --name alice -o "$TMP/alice.key" >"$TMP/alice.line" 2>/dev/null
install -m 0600 "$TMP/alice.line" "$TMP/keys"
install -m 0644 "$TMP/alice.line" "$TMP/keys_world"

# A config with one SPA door and the [options] given; $1 = name.
spa_conf() {
	local name=$1; shift
	{
		echo "[options]"
		echo "	ControlSocket = $TMP/$name.control"
		echo "	StateDir      = $TMP/$name.state"
		echo "	ReplayCache   = ${RC_DIR:-$TMP}/$name.replay"
		for o in "$@"; do echo "	$o"; done
		echo "[ssh]"
		echo "	SPA_Port = 62201"
		echo "	SPA_Keys = ${KEYS:-$TMP/keys}"
		echo "	Open     = 2222/tcp"
	} >"$TMP/$name.conf"
	echo "$TMP/$name.conf"
}
# Refused by -t (exit 1, the reason named) and by the start alike.
both_refuse() {  # conf regex
	local out rc
	out=$("$SESAMED" -t -c "$1" 2>&1); rc=$?
	[ $rc -eq 1 ] && grep -qE "$2" <<<"$out" || { diag "-t: rc $rc: $out"; return 1; }
	out=$(in_srv timeout 10 "$SESAMED" -c "$1" -i "$SRV_IF" 2>&1); rc=$?
	[ $rc -eq 1 ] && grep -qE "$2" <<<"$out" || { diag "start: rc $rc: $out"; return 1; }
}

c=$(KEYS=$TMP/missing spa_conf nokeys)
check "-t and start refuse a missing SPA_Keys" both_refuse "$c" "missing"
c=$(KEYS=$TMP/keys_world spa_conf worldkeys)
check "-t and start refuse a world-readable SPA_Keys" both_refuse "$c" "accessible by others"
c=$(spa_conf badtable "NftTable = my-table")
check "-t and start refuse NftTable = my-table" both_refuse "$c" "bad table name 'my-table'"
c=$(spa_conf unknownuser "User = no_such_user_here")
check "-t and start refuse an unknown User" both_refuse "$c" "User no_such_user_here: no such user"
c=$(spa_conf twosets)
cat >>"$c" <<EOF
[ssh-x]
	Sequence = 7001,7002
	Open     = 2223/tcp
[ssh_x]
	Sequence = 7003,7004
	Open     = 2224/tcp
EOF
check "-t and start refuse two doors on one nft set" both_refuse "$c" "its nft sets would be named .* like those of door"
mkdir -m 0777 "$TMP/open_dir"
c=$(RC_DIR=$TMP/open_dir spa_conf opendir)
check "-t and start refuse a ReplayCache directory others may write to" \
	both_refuse "$c" "ReplayCache's directory .*no one else may write"
check "-t does not create the replay cache" test ! -e "$TMP/opendir.replay"
c=$(spa_conf good)
check "-t accepts the same config done right" "$SESAMED" -t -c "$c"
check "... without creating its replay cache" test ! -e "$TMP/good.replay"

cat >"$TMP/fwk.conf" <<EOF
[fw]
	SPA_Port    = 62201
	SPA_Format  = fwknop
	Fwknop_Key  = aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
	Fwknop_Hmac_Key = bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb
	Open        = 2222/tcp
EOF
chmod 0644 "$TMP/fwk.conf"
out=$("$SESAMED" -t -c "$TMP/fwk.conf" 2>&1)
check "-t warns about fwknop keys in a file others may read" grep -q "readable by everyone" <<<"$out"
chmod 0600 "$TMP/fwk.conf"
out=$("$SESAMED" -t -c "$TMP/fwk.conf" 2>&1)
check "... and not once it is 0600" not grep -q "readable by" <<<"$out"

# A second sesamed (a knock door: no replay cache whose lock would
# refuse it anyway).
c=$TMP/first.conf
cat >"$c" <<EOF
[options]
	ControlSocket = $TMP/first.control
	StateDir      = $TMP/first.state
	NftTable      = sesame_rf
[knock]
	Sequence = 7001,7002,7003
	Open     = 2222/tcp
EOF
daemon_start d "$c" || { daemon_show d; finish; }
pid=$(daemon_pid d)
pidtext=$(cat "$TMP/d.pid")
out=$(in_srv timeout 10 "$SESAMED" -c "$c" -i "$SRV_IF" -p "$TMP/d.pid" 2>&1); rc=$?
check "a second sesamed with the same pid file exits 1" test $rc -eq 1
check "... with one line naming the pid file" \
	test "$(grep -c . <<<"$out")" -eq 1 -a "$(grep -c "pid file $TMP/d.pid: held by a running sesamed (pid $pid)" <<<"$out")" -eq 1
check "... the first still runs" daemon_alive d
check "... and its pid file is untouched" test "$(cat "$TMP/d.pid")" = "$pidtext"
out=$(in_srv timeout 10 "$SESAMED" -c "$c" -i "$SRV_IF" -p "$TMP/other.pid" 2>&1); rc=$?
check "a second sesamed with the same control socket exits 1" test $rc -eq 1
check "... with one line naming it" \
	test "$(grep -c . <<<"$out")" -eq 1 -a "$(grep -c "control socket $TMP/first.control: another sesamed answers on it" <<<"$out")" -eq 1
check "... the first still runs" daemon_alive d
check "... and still answers sesame status" in_srv "$SESAME" status --socket "$TMP/first.control"

w=$(pgrep -P "$pid" -x sesamed | head -n1)
kill -USR1 "$pid"; kill -USR2 "$pid"; kill -USR1 "$w"; kill -USR2 "$w"
check "SIGUSR1 logs a status line" wait_until 3 log_has d "status: 1 door, capturing on $SRV_IF, worker $w"
check "SIGUSR1/SIGUSR2 kill neither the daemon ..." daemon_alive d
check "... nor its worker" kill -0 "$w"
daemon_stop d
check "the pid file goes at exit" test ! -e "$TMP/d.pid"

# Waiting for a missing interface.
c=$(spa_conf waiting "NftTable = sesame_rw")
: >"$TMP/w.log"
in_srv "$SESAMED" -c "$c" -i nosuch0 -v >"$TMP/w.log" 2>&1 &
_DAEMON_w=$!; disown $!
wait_until 5 log_has w "waiting for"
_status() { st=$(in_srv "$SESAME" status --socket "$TMP/waiting.control" 2>&1); }
wait_until 3 _status
check "sesame status: 'waiting for interface nosuch0'" grep -q "waiting for interface nosuch0" <<<"$st"
check "... not 'capturing on'" not grep -q "capturing on" <<<"$st"
daemon_stop w

# LogFile through a symlink.
ln -s "$TMP/victim" "$TMP/link.log"
echo keep >"$TMP/victim"
c=$(spa_conf symlog "NftTable = sesame_rs" "LogFile = $TMP/link.log")
out=$(in_srv timeout 3 "$SESAMED" -c "$c" -i "$SRV_IF" 2>&1)
check "a LogFile that is a symlink is not followed: a warning, the log goes to stderr" \
	grep -q "cannot open LogFile $TMP/link.log: Too many levels of symbolic links; logging to" <<<"$out"
check "... and the file it points to is untouched" test "$(cat "$TMP/victim")" = keep
in_srv nft delete table inet sesame_rf 2>/dev/null
in_srv nft delete table inet sesame_rw 2>/dev/null
daemon_show d 20
finish
