#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Rotating doors against the real kernel: `sesame knock --secret-file`
# opens the port; the captured knock, replayed with hping3 by another host
# in the same period or by the same host after the grant expired, opens
# nothing (and is logged as a replay); the next period's knock opens
# again; a wrong secret never opens; a clock off by one period works, by
# two does not; spent marks survive a restart; a door with
# Sequence_Bind_Address opens only for the address the sequence names;
# `sesame status` shows the door; the server holds 1,002
# client secrets throughout.
# Sequence_Period is 5 s to keep the test short.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_daemon.sh"
. "$(dirname "$0")/lib_knock.sh"
ns_setup
ns_add_host third 3
tcp_service 22
tcp_service 8080

PERIOD=5
"$SESAME" keygen --sequence alice -o "$TMP/alice.seq" >"$TMP/alice.lines" 2>/dev/null
"$SESAME" keygen --sequence bob -o "$TMP/bob.seq" >"$TMP/bob.lines" 2>/dev/null
"$SESAME" keygen --sequence mallory -o "$TMP/mallory.seq" >/dev/null 2>&1
check "keygen --sequence prints the server line and the profile line" \
	grep -qx "Sequence_Secret_File = $TMP/alice.seq" "$TMP/alice.lines"
# 1,000 other clients, then alice and bob last.
python3 -c 'import base64, os
for i in range(1000): print("client%d %s" % (i, base64.b64encode(os.urandom(32)).decode()))' \
	>"$TMP/secrets"
head -n1 "$TMP/alice.lines" >>"$TMP/secrets"
head -n1 "$TMP/bob.lines" >>"$TMP/secrets"
chmod 600 "$TMP/secrets"

cat >"$TMP/sesamed.conf" <<EOF
[ssh]
	Sequence_Secrets = $TMP/secrets
	Sequence_Period  = $PERIOD
	Seq_Timeout      = 5
	Open             = 22/tcp
	Open_Timeout     = 2
[web]
	Sequence_Secrets      = $TMP/secrets
	Sequence_Period       = $PERIOD
	Sequence_Bind_Address = yes
	Open                  = 8080/tcp
	Open_Timeout          = 2
EOF
check "sesamed -t accepts the door" "$SESAMED" -t -c "$TMP/sesamed.conf"
out=$("$SESAME" rules -c "$TMP/sesamed.conf" ssh 2>&1)
check "sesame rules refuses a rotating door, saying why" \
	test $? -ne 0 -a -n "$(grep 'rotating sequences need the daemon' <<<"$out")"
daemon_start d "$TMP/sesamed.conf" || { daemon_show d; finish; }
check "the worker loaded 1002 clients" log_has d "door ssh: 1002 clients"

rknock() {  # NS SECRET [ARGS...]: a rotating knock of door ssh
	local ns=$1 sec=$2; shift 2
	in_ns "$ns" "$SESAME" knock --secret-file "$sec" --door ssh --period $PERIOD "$@" "$SRV4"
}
sleep_ms() { sleep "$(( $1 / 1000 )).$(printf '%03d' $(( $1 % 1000 )))"; }
# Milliseconds left in this period.
period_left() { echo $(( PERIOD * 1000 - $(date +%s%N) / 1000000 % (PERIOD * 1000) )); }
next_period() { sleep_ms $(( $(period_left) + 100 )); }
# With under 2.5 s left, waits for the next period, so that what follows
# stays inside one knock's window.
fresh_period() { [ "$(period_left)" -ge 2500 ] || next_period; }
replay() {  # NS: hping3 sends the captured knock's SYNs again from NS
	local ns=$1 p
	for p in $(tcpdump -n -r "$TMP/knock.pcap" 2>/dev/null |
		   sed -nE "s/.* > $SRV4\.([0-9]+): Flags \[S\].*/\1/p"); do
		in_ns "$ns" hping3 -q -S -c 1 -p "$p" "$SRV4" >/dev/null 2>&1
	done
}
replays() { grep -c "replay of client $1's sequence" "$(daemon_log d)"; }
closed_again() { wait_until 6 not reach "$SRV4" 22 1 "$1"; }

check "port 22 is closed before any knock" not reach "$SRV4" 22
fresh_period
kcap_start knock "tcp and src host $CLI4 and dst portrange 1024-65535"
rknock "$CLI_NS" "$TMP/alice.seq"
kcap_stop knock
check "the captured knock is 4 SYNs" test "$(capture_count knock)" -eq 4
check "alice's rotating knock opens the port (1,002 secrets configured)" \
	wait_until 2 reach "$SRV4" 22
check "... for her address only" not reach "$SRV4" 22 1 "$third_NS"

replay "$third_NS"
check "the knock replayed by another host in the same period opens nothing" \
	not reach "$SRV4" 22 1 "$third_NS"
check "... and is logged as a replay" wait_until 2 test "$(replays alice)" -ge 1

check "alice's grant expires" closed_again "$CLI_NS"
replay "$CLI_NS"
check "the knock replayed by alice's host after the grant expired opens nothing" \
	not reach "$SRV4" 22 1
check "... and is logged as a replay" wait_until 2 test "$(replays alice)" -ge 2

# The next period: a new sequence, which opens again.
next_period
rknock "$CLI_NS" "$TMP/alice.seq"
check "the next period's knock opens again" wait_until 2 reach "$SRV4" 22
check "alice's grant expires" closed_again "$CLI_NS"

rknock "$CLI_NS" "$TMP/mallory.seq"
rknock "$CLI_NS" "$TMP/mallory.seq" --time-offset $PERIOD
check "a secret the server does not know opens nothing" not reach "$SRV4" 22 1

fresh_period
rknock "$CLI_NS" "$TMP/bob.seq" --time-offset $((2 * PERIOD))
rknock "$CLI_NS" "$TMP/bob.seq" --time-offset $((-2 * PERIOD))
check "a clock two periods off (either way) opens nothing" not reach "$SRV4" 22 1
kcap_start knock "tcp and src host $CLI4 and dst portrange 1024-65535"
rknock "$CLI_NS" "$TMP/bob.seq" --time-offset $PERIOD
kcap_stop knock
check "a clock one period ahead opens" wait_until 2 reach "$SRV4" 22
check "bob's grant expires" closed_again "$CLI_NS"
# Spent marks outlive the daemon: restart it, replay bob's knock.
daemon_stop d
daemon_start d "$TMP/sesamed.conf" || { daemon_show d; finish; }
replay "$CLI_NS"
check "after a restart of sesamed, the replayed knock still opens nothing" \
	not reach "$SRV4" 22 1
check "... and is logged as a replay" wait_until 2 test "$(replays bob)" -ge 1
rknock "$CLI_NS" "$TMP/bob.seq" --time-offset $((-PERIOD))
check "a clock one period behind opens" wait_until 2 reach "$SRV4" 22

# A door bound to the knocker's address: the client names the address it
# is seen from, and the server's Open port 8080 (inside the range).
wknock() {  # NS SECRET [ARGS...]
	local ns=$1 sec=$2; shift 2
	in_ns "$ns" "$SESAME" knock --secret-file "$sec" --door web --period $PERIOD \
		--exclude 8080 "$@" "$SRV4"
}
fresh_period
wknock "$CLI_NS" "$TMP/alice.seq" --bind-address "$CLI4"
check "a bound sequence opens for the address it was made for" \
	wait_until 2 reach "$SRV4" 8080
wknock "$third_NS" "$TMP/alice.seq" --bind-address "$CLI4" --time-offset $PERIOD
check "the same secret's sequence bound to another address opens nothing" \
	not reach "$SRV4" 8080 1 "$third_NS"
wknock "$third_NS" "$TMP/alice.seq" --bind-address 198.18.0.3 --time-offset $((-PERIOD))
check "bound to the third host's own address, it opens there" \
	wait_until 2 reach "$SRV4" 8080 1 "$third_NS"

st=$(in_srv "$SESAME" status --socket "$TMP/d.control" 2>&1)
check "sesame status names the rotating door" \
	grep -q "door ssh: rotating sequences of 4 knocks, every $PERIOD s" <<<"$st"
check "sesamed is still running" daemon_alive d
check "the spent marks are in StateDir" test -s "$TMP/d.state/rotating-spent"
check "and stops cleanly" daemon_stop d
chmod 644 "$TMP/secrets"
: >"$TMP/empty"; chmod 600 "$TMP/empty"
printf '[e]\n\tSequence_Secrets = %s\n\tOpen = 22/tcp\n' "$TMP/empty" >"$TMP/empty.conf"
out=$("$SESAMED" -t -c "$TMP/empty.conf" 2>&1)
check "sesamed -t warns about a door with no client yet" \
	test $? -eq 0 -a -n "$(grep 'empty.conf:2: warning: door e: no client' <<<"$out")"
printf '[n]\n\tSequence_Secrets = %s\n\tSequence_Ports = 20-30\n\tOpen = 22/tcp\n' \
	"$TMP/empty" >"$TMP/narrow.conf"
out=$("$SESAMED" -t -c "$TMP/narrow.conf" 2>&1)
check "sesamed -t refuses a range /etc/services leaves too few ports in" \
	test $? -ne 0 -a -n "$(grep 'narrow.conf:1: door n: only .* ports of Sequence_Ports 20-30' <<<"$out")"
check "sesamed -t refuses a secrets file others may read" \
	not "$SESAMED" -t -c "$TMP/sesamed.conf"
daemon_show d 30
finish
