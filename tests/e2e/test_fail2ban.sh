#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Logging for operators, against a real sesamed: decisions (opened, wrong
# knock, SPA accepted/refused) are logged without -v; Debian's
# fail2ban-regex with dist/fail2ban/filter.d/sesamed.conf finds the
# attacker's address in those lines and never the address of a knock or
# SPA packet that opened the door; with JOURNAL_STREAM naming stderr, each
# line is "<N>message" (syslog priority, no time stamp of its own).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_daemon.sh"
. "$(dirname "$0")/lib_spa.sh"
ns_setup
ns_add_host third 3
ATT4=198.18.0.3
tcp_service 2222

export HOME=$TMP/home
mkdir -p "$HOME"
"$SESAME" keygen --name alice >"$TMP/alice.line" 2>/dev/null
"$SESAME" keygen --name bob -o "$TMP/bob.key" >/dev/null 2>&1
install -m 0600 "$TMP/alice.line" "$TMP/spa_keys"
cat >"$TMP/sesamed.conf" <<EOF
[options]
	NftTable      = sesame_f2b
	ReplayCache   = $TMP/replay
	StateDir      = $TMP/state
	ControlSocket = $TMP/control
[ssh]
	Sequence      = 7000,8000,9000
	Seq_Timeout   = 5
	Open          = 2222/tcp
	Open_Timeout  = 30
[spa]
	SPA_Port      = 62201
	SPA_Keys      = $TMP/spa_keys
	Open          = 2222/tcp
	Open_Timeout  = 30
EOF
conf_isolate "$TMP/sesamed.conf"

# No -v, no LogFile: what an operator gets by default under systemd.
# stderr is a file that JOURNAL_STREAM names, as systemd does for a unit
# whose output is the journal.
J=$TMP/journal.out
: >"$J"
JS=$(stat -c '%d:%i' "$J")
JOURNAL_STREAM=$JS ip netns exec "$SRV_NS" "$SESAMED" -c "$TMP/sesamed.conf" -i "$SRV_IF" \
	-p "$TMP/d.pid" 2>>"$J" &
DPID=$!
disown $DPID
check "sesamed starts, logging to the journal" wait_until 5 grep -q "capturing on" "$J"

knock() { in_ns "$1" "$SESAME" knock "${@:2}" >/dev/null; }
spa_from() { in_ns "$1" "$SESAME" spa --key "$2" "$SRV4" "${@:3}" >/dev/null 2>&1; }

# The legitimate client: a good knock and a good SPA packet, captured so
# that the attacker can replay it.
capture_start spa "udp port 62201"
knock "$CLI_NS" "$SRV4" 7000 8000 9000
check "the client's knock opens the door" wait_until 2 reach "$SRV4" 2222
spa_from "$CLI_NS" "$HOME/.config/sesame/alice.key"
check "the client's SPA packet is accepted" \
	wait_until 2 grep -q "door spa: $CLI4: SPA accepted" "$J"
capture_stop spa
spa_payloads "$TMP/spa.pcap" "$TMP/pkts" >/dev/null

# The attacker: wrong knocks and refused SPA packets of every banned kind.
for i in 1 2 3; do
	knock "$third_NS" "$SRV4" 7000 9000
	sleep 0.05
done
spa_from "$third_NS" "$TMP/bob.key"                     # unknown key id
spa_send "$third_NS" "$SRV4" 62201 "$TMP/pkts/0.bin" flip:77   # bad MAC
spa_send "$third_NS" "$SRV4" 62201 "$TMP/pkts/0.bin"    # replay
check "the replay from the attacker is refused" \
	wait_until 2 grep -q "door spa: $ATT4: SPA refused: replayed packet" "$J"
sleep 0.3
check "nothing opened for the attacker" not reach "$SRV4" 2222 1 "$third_NS"

check "without -v: the opening is logged (notice)" \
	grep -qx "<5>door ssh: $CLI4: opened for 30 s" "$J"
check "without -v: a wrong knock is logged with its address" \
	grep -qx "<5>door ssh: $ATT4: wrong port 9000:tcp at stage 1" "$J"
check "without -v: SPA accepted" grep -q "^<5>door spa: $CLI4: SPA accepted: key alice" "$J"
check "without -v: SPA unknown key" grep -qx "<5>door spa: $ATT4: SPA refused: unknown key id" "$J"
check "without -v: SPA bad MAC" grep -q "^<5>door spa: $ATT4: SPA refused: authentication failed" "$J"
check "without -v: SPA replay" grep -q "^<5>door spa: $ATT4: SPA refused: replayed packet" "$J"
check "stage progress is a -v line" not grep -q "stage 2$" "$J"

# fail2ban-regex needs the filter next to Debian's common.conf.
mkdir -p "$TMP/f2b/filter.d"
cp "$SESAME_ROOT/dist/fail2ban/filter.d/sesamed.conf" "$TMP/f2b/filter.d/"
ln -s /etc/fail2ban/filter.d/common.conf "$TMP/f2b/filter.d/common.conf"
f2b() { fail2ban-regex -o ip "$1" "$TMP/f2b/filter.d/sesamed.conf" 2>"$TMP/f2b.err"; }
# The journal's messages as a LogFile and as syslog hold them.
now=$(date '+%Y-%m-%d %H:%M:%S')
L=$TMP/logfile
sed -E "s/^<5>/[$now.000] notice: /; s/^<6>/[$now.000] info: /; s/^<4>/[$now.000] warning: /" "$J" >"$L"
sed -E "s/^<[0-7]>/$(date '+%b %e %H:%M:%S') host sesamed[42]: /" "$J" >"$TMP/syslog"
ips=$(f2b "$L")
diag "fail2ban-regex matched: $(sort <<<"$ips" | uniq -c | tr '\n' ' ')"
check "fail2ban-regex: the attacker's address, once per refusal (3 knocks + 3 SPA)" \
	test "$(grep -cx "$ATT4" <<<"$ips")" -eq 6
check "fail2ban-regex: never the client's address" not grep -qx "$CLI4" <<<"$ips"
check "fail2ban-regex: nothing but the attacker" test -z "$(grep -vx "$ATT4" <<<"$ips")"
check "fail2ban-regex on syslog lines: the same 6 matches" \
	test "$(f2b "$TMP/syslog" | grep -cx "$ATT4")" -eq 6

# The jail, enabled, is a configuration fail2ban accepts (a copy of
# Debian's /etc/fail2ban with its sshd jail off, as it has no log here).
cp -r /etc/fail2ban "$TMP/f2bconf"
cp "$SESAME_ROOT/dist/fail2ban/filter.d/sesamed.conf" "$TMP/f2bconf/filter.d/"
sed 's/^enabled *= *false/enabled  = true/' "$SESAME_ROOT/dist/fail2ban/jail.d/sesamed.conf" \
	>"$TMP/f2bconf/jail.d/sesamed.conf"
printf '[sshd]\nenabled = false\n' >"$TMP/f2bconf/jail.d/zz-test.conf"
check "fail2ban-client -t accepts the jail (journal backend)" \
	bash -c 'fail2ban-client -c "$1" -t 2>&1 | grep -q "OK: configuration test is successful" &&
		 fail2ban-client -c "$1" -d 2>/dev/null | grep -qF "['"'"'add'"'"', '"'"'sesamed'"'"', '"'"'systemd'"'"']"' _ "$TMP/f2bconf"
printf '[sesamed]\nbackend = auto\nlogpath = %s\n' "$L" >>"$TMP/f2bconf/jail.d/zz-test.conf"
check "... and with a LogFile (backend auto, logpath)" \
	bash -c 'fail2ban-client -c "$1" -t 2>&1 | grep -q "OK: configuration test is successful"' _ "$TMP/f2bconf"

# journald: "<N>" priority, no time stamp of our own.
check "journal: every line has a priority prefix" test -z "$(grep -v '^<[0-7]>' "$J")"
check "journal: no time stamp of our own" not grep -q '^<[0-7]>\[' "$J"
kill -TERM "$DPID"
wait_until 5 not kill -0 "$DPID" 2>/dev/null

# A JOURNAL_STREAM naming another file: stderr is not the journal.
: >"$TMP/plain.out"
JOURNAL_STREAM=$JS ip netns exec "$SRV_NS" "$SESAMED" -c "$TMP/sesamed.conf" -i "$SRV_IF" \
	-p "$TMP/d2.pid" 2>>"$TMP/plain.out" &
DPID=$!
disown $DPID
wait_until 5 grep -q "capturing on" "$TMP/plain.out"
check "JOURNAL_STREAM for another stream: plain stamped lines" \
	grep -qE '^\[[0-9-]+ [0-9:.]+\] notice: sesamed .* capturing on' "$TMP/plain.out"
kill -TERM "$DPID"
wait_until 5 not kill -0 "$DPID" 2>/dev/null
finish
