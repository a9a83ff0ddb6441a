#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# fwknop users' files and keys off the command line: the ~/.fwknoprc that
# Debian's `fwknop --save-rc-stanza` writes is what `sesame open NAME`
# uses, to open a sesamed door with SPA_Format = fwknop and then Debian's
# fwknopd.  `sesame spa --fwknop --key-file - --hmac-key-file -` reads the
# keys from stdin (none in /proc/PID/cmdline) and opens fwknopd; key
# files work too.  Unsupported variables are refused by name.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_daemon.sh"
. "$(dirname "$0")/lib_fwknop.sh"
ns_setup
tcp_service 2222
tcp_service 2223
export HOME=$TMP/home
unset XDG_CONFIG_HOME
mkdir -p "$HOME" "$TMP/state"
chmod 700 "$TMP/state"

# The user's file, written by fwknop itself (--test: it sends nothing).
in_cli fwknop --save-rc-stanza -n fwk -A tcp/2222 -a "$CLI4" -D "$SRV4" \
	--key-base64-rijndael "$FWK_KEY" --key-base64-hmac "$FWK_HMAC" --use-hmac \
	--test >/dev/null 2>&1
check "fwknop --save-rc-stanza wrote ~/.fwknoprc with a [fwk] stanza" \
	grep -q '^\[fwk\]' "$HOME/.fwknoprc"
diag "$(grep -v KEY "$HOME/.fwknoprc" | tr '\n' ' ')"

cat >"$TMP/sesamed.conf" <<EOF
[options]
	ReplayCache   = $TMP/state/replay
	StateDir      = $TMP/state
	ControlSocket = $TMP/state/control
[fwk]
	SPA_Port               = 62201
	SPA_Format             = fwknop
	Fwknop_Key_Base64      = $FWK_KEY
	Fwknop_HMAC_Key_Base64 = $FWK_HMAC
	Open                   = 2222/tcp
	Open_Timeout           = 30
EOF
daemon_start d "$TMP/sesamed.conf" || { daemon_show d; finish; }
check "sesamed's fwknop door: 2222 closed before" not reach "$SRV4" 2222
check "sesame open fwk (no client.conf: the .fwknoprc stanza) exits 0" \
	in_cli "$SESAME" open fwk
check "... the door opens" wait_until 3 reach "$SRV4" 2222
check "... for ALLOW_IP, the stanza's address" \
	log_has d "door fwk: $CLI4: SPA accepted: fwknop user"
daemon_stop d

# Debian's fwknopd, iptables backend, guarding 2222 and 2223.
firewall_iptables <<IPT
*filter
:INPUT ACCEPT [0:0]
-A INPUT -p tcp --dport 2222 -j DROP
-A INPUT -p tcp --dport 2223 -j DROP
COMMIT
IPT
check "fwknopd: 2222 closed" not reach "$SRV4" 2222
check "fwknopd started" fwknopd_start fwknopd
check "sesame open fwk exits 0" in_cli "$SESAME" open fwk
check "... fwknopd opens 2222" wait_until 5 reach "$SRV4" 2222
check "... for the stanza's ALLOW_IP" \
	bash -c "ip netns exec $SRV_NS iptables -S FWKNOP_INPUT | grep -q -- '-s $CLI4/32 .*--dport 2222'"

# Keys from stdin: the process waits on its stdin; its command line holds no key.
mkfifo "$TMP/keys"
in_cli "$SESAME" spa --fwknop --key-file - --hmac-key-file - --open tcp/2223 "$SRV4" \
	<"$TMP/keys" 2>"$TMP/stdin.err" &
pid=$!
exec 7>"$TMP/keys"
spa_pid() { pgrep -f -- "--key-file - --hmac-key-file -" | head -n 1; }
wait_until 3 spa_pid
p=$(spa_pid)
check "sesame spa --key-file - runs (pid ${p:-none})" test -n "$p"
tr '\0' ' ' <"/proc/$p/cmdline" >"$TMP/cmdline"
diag "cmdline: $(cat "$TMP/cmdline")"
check "... its /proc/PID/cmdline holds neither key" \
	not grep -qF -e "${FWK_KEY:0:20}" -e "${FWK_HMAC:0:20}" "$TMP/cmdline"
printf '%s\n%s\n' "$FWK_KEY" "$FWK_HMAC" >&7
exec 7>&-
wait "$pid"
check "... reads both keys from stdin and exits 0" test $? -eq 0
check "... fwknopd opens 2223" wait_until 5 reach "$SRV4" 2223

# Key files (one base64 line each, mode 0600).
printf '%s\n' "$FWK_KEY" >"$TMP/k.b64"
printf '%s\n' "$FWK_HMAC" >"$TMP/h.b64"
chmod 600 "$TMP/k.b64" "$TMP/h.b64"
check "sesame spa --fwknop --key-file F --hmac-key-file F exits 0" \
	in_cli "$SESAME" spa --fwknop --key-file "$TMP/k.b64" --hmac-key-file "$TMP/h.b64" \
	--open tcp/2222 "$SRV4"
check "... fwknopd saw it as valid" wait_until 5 grep -q "SPA Packet from IP: $CLI4" "$FWKD_LOG"
chmod 644 "$TMP/h.b64"
check "an HMAC key file others may read is refused" \
	bash -c "'$SESAME' spa --fwknop --test --key-file '$TMP/k.b64' --hmac-key-file '$TMP/h.b64' \
	--open tcp/22 $SRV4 2>&1 | grep -q 'accessible by group or others'"
fwknopd_stop

# Variables sesame cannot honour are refused by name, with file:line.
cp "$HOME/.fwknoprc" "$TMP/rc.orig"
printf 'SPOOF_USER bob\n' >>"$HOME/.fwknoprc"
line=$(wc -l <"$HOME/.fwknoprc")
check "SPOOF_USER in the stanza: refused by name, file:line, exit 1" \
	bash -c "! '$SESAME' open --test fwk 2>'$TMP/rc.err' &&
		grep -qE '^sesame open: $HOME/.fwknoprc:$line: SPOOF_USER is not supported' '$TMP/rc.err'"
cp "$TMP/rc.orig" "$HOME/.fwknoprc"
chmod 644 "$HOME/.fwknoprc"
check "a .fwknoprc others may read is refused (it holds keys)" \
	bash -c "'$SESAME' open --test fwk 2>&1 | grep -q 'accessible by group or others'"
finish
