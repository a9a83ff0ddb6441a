#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Client profiles of the rotating and one-time kinds, against a real
# sesamed gate and a real sshd: the secret made by `sesame keygen
# --sequence` and its printed profile line; `sesame open --test NAME`
# prints exactly the knocks that `sesame open NAME` then sends, which open
# the door; `ssh -o ProxyCommand='sesame connect %n %p' NAME` logs in the
# next period (a rotating sequence opens once); a profile whose Door or
# Sequence_Exclude does not match the server opens nothing; a One_Time_File
# profile keeps in step with the server's knockd-format file.  Bad
# profiles give one file:line line and exit 1.
# Sequence_Period is 5 s to keep the test short.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_daemon.sh"
. "$(dirname "$0")/lib_knock.sh"
. "$(dirname "$0")/lib_sshd.sh"
ns_setup
check "sshd listens on $SRV4:22" sshd_start
export HOME=$TMP/home
unset XDG_CONFIG_HOME
CONF=$HOME/.config/sesame/client.conf
mkdir -p "$HOME/.config/sesame" "$TMP/state"
PERIOD=5

# The secret, made the way a user makes it: the default path, the
# printed lines pasted into the server's file and the profile.
check "sesame keygen --sequence alice exits 0" \
	bash -c "'$SESAME' keygen --sequence alice >'$TMP/alice.lines' 2>/dev/null"
check "... prints the server's line first" grep -qE '^alice [A-Za-z0-9+/=]{40,}$' \
	<(head -n1 "$TMP/alice.lines")
check "... says which client.conf section the profile line goes in" \
	grep -q '^# client.conf: in \[DOOR\] with Host = SERVER' "$TMP/alice.lines"
PROFILE_LINE=$(tail -n1 "$TMP/alice.lines")
check "... and ends with the profile line: $PROFILE_LINE" \
	grep -qE '^Sequence_Secret_File = /.*/alice\.seq$' <<<"$PROFILE_LINE"
# The first two lines into the server's file: the comment is ignored there.
head -n2 "$TMP/alice.lines" >"$TMP/secrets"
chmod 600 "$TMP/secrets"

cat >"$TMP/sesamed.conf" <<EOF
[options]
	NftTable = sesame_prof
[rotssh]
	Sequence_Secrets   = $TMP/secrets
	Sequence_Period    = $PERIOD
	Sequence_Length    = 5
	Sequence_Protocols = mixed
	Sequence_Ports     = 20000-29999
	Seq_Timeout        = 5
	Open               = 22/tcp
	Open_Timeout       = 30
[other]
	Sequence     = 7000,8000
	Open         = 25000/tcp
EOF
check "sesamed -t accepts the doors" "$SESAMED" -t -c "$TMP/sesamed.conf"
rot_settings="Sequence_Period = $PERIOD
	Sequence_Length = 5
	Sequence_Protocols = mixed
	Sequence_Ports = 20000-29999"
# [rotssh] is named after the door; [work] names it with Door; the two
# others differ from the server in one setting each.
cat >"$CONF" <<EOF
[rotssh]
	Host = $SRV4
	$PROFILE_LINE
	$rot_settings
	Sequence_Exclude = 25000
[work]
	Host = $SRV4
	Door = rotssh
	$PROFILE_LINE
	$rot_settings
	Sequence_Exclude = 25000
	Delay = 10
[wrongdoor]
	Host = $SRV4
	$PROFILE_LINE
	$rot_settings
	Sequence_Exclude = 25000
[noexclude]
	Host = $SRV4
	Door = rotssh
	$PROFILE_LINE
	$rot_settings
EOF
chmod 600 "$CONF"
daemon_start d "$TMP/sesamed.conf" || { daemon_show d; finish; }

sleep_ms() { sleep "$(( $1 / 1000 )).$(printf '%03d' $(( $1 % 1000 )))"; }
period_left() { echo $(( PERIOD * 1000 - $(date +%s%N) / 1000000 % (PERIOD * 1000) )); }
next_period() { sleep_ms $(( $(period_left) + 100 )); }
fresh_period() { [ "$(period_left)" -ge 2500 ] || next_period; }
ssh_to() {  # NAME [ssh options...]: runs 'echo ok' there; output in $TMP/ssh.out
	local name=$1; shift
	in_cli timeout 20 ssh -F none -i "$TMP/client_key" -o BatchMode=yes \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
		"$@" -l root "$name" 'echo ok' >"$TMP/ssh.out" 2>"$TMP/ssh.err"
}
completes() { grep -c "sequence complete (client alice" "$(daemon_log d)"; }
# The knocks of a capture as "tcp PORT" / "udp PORT" lines, in order.
knocks_of() {
	tcpdump -n -r "$TMP/$1.pcap" 2>/dev/null | sed -nE \
		-e "s/.* > $SRV4\.([0-9]+): Flags \[S\].*/tcp \1/p" \
		-e "s/.* > $SRV4\.([0-9]+): UDP.*/udp \1/p"
}
# Does sshd's banner come back through the gate (within a second)?
sshd_open() { in_cli timeout 2 nc -w 1 -d "$SRV4" 22 </dev/null 2>/dev/null | grep -q '^SSH-'; }
RANGE="src host $CLI4 and dst portrange 20000-29999"

check "port 22 is closed before any knock" not sshd_open
check "without the proxy, ssh times out (the gate is closed)" \
	not ssh_to "$SRV4" -o ConnectTimeout=3

# 1. Settings that differ from the server's open nothing.
fresh_period
kcap_start wrong "$RANGE"
in_cli "$SESAME" open wrongdoor
in_cli "$SESAME" open noexclude
kcap_stop wrong
check "a profile with another Door knocks (5 packets) ..." \
	test "$(capture_count wrong)" -eq 10
check "... but neither it nor one without the server's Sequence_Exclude opens" \
	not sshd_open

# 2. open --test prints what open then sends, and that opens.
fresh_period
kcap_start dry "$RANGE"
check "sesame open --test work exits 0" \
	bash -c "ip netns exec '$CLI_NS' '$SESAME' open --test work >'$TMP/dry.out'"
kcap_stop dry
check "... sends nothing" test "$(capture_count dry)" -eq 0
sed -nE 's/^  (tcp|udp) ([0-9]+) .*/\1 \2/p' "$TMP/dry.out" >"$TMP/dry.knocks"
check "... and lists 5 knocks in 20000-29999, 10 ms apart" \
	bash -c "[ \$(wc -l <'$TMP/dry.knocks') -eq 5 ] && grep -q '10 ms apart' '$TMP/dry.out' &&
		! grep -qvE ' 2[0-9]{4}$' '$TMP/dry.knocks'"
kcap_start wet "$RANGE"
in_cli "$SESAME" open work
kcap_stop wet
knocks_of wet >"$TMP/wet.knocks"
check "sesame open work sends exactly the knocks --test listed" \
	cmp -s "$TMP/dry.knocks" "$TMP/wet.knocks"
check "... which open port 22 (profile Door = rotssh)" wait_until 2 sshd_open
check "... sesamed says alice's sequence completed" wait_until 2 test "$(completes)" -eq 1

# 3. ssh through sesame connect, in the next period (a sequence opens once).
in_srv nft flush set inet sesame_prof rotssh_v4
check "the grant is gone" not sshd_open
next_period
check "ssh -o ProxyCommand='sesame connect %n %p' rotssh 'echo ok' exits 0" \
	ssh_to rotssh -o "ProxyCommand=$SESAME connect %n %p"
check "... and prints ok" test "$(cat "$TMP/ssh.out")" = ok
check "... sesame connect said nothing on stderr" test ! -s "$TMP/ssh.err"
check "... through a second rotating knock (door name from the section)" \
	test "$(completes)" -eq 2
daemon_stop d

# 4. A One_Time_File profile against a knockd-format door.
printf '7011,7012:udp,7013\n7021,7022,7023\n' >"$TMP/seqs"
cp "$TMP/seqs" "$TMP/srv_seqs"
install -m 0600 "$TMP/seqs" "$TMP/cli_seqs"
cat >"$TMP/onetime.conf" <<EOF
[options]
	NftTable = sesame_prof
[ot]
	One_Time_Sequences = $TMP/srv_seqs
	Seq_Timeout        = 5
	Open               = 22/tcp
	Open_Timeout       = 30
EOF
cat >>"$CONF" <<EOF
[ot]
	Host = $SRV4
	One_Time_File = $TMP/cli_seqs
EOF
daemon_start o "$TMP/onetime.conf" || { daemon_show o; finish; }
check "sesame open --test ot lists the first line, leaves it unused" \
	bash -c "ip netns exec '$CLI_NS' '$SESAME' open --test ot | grep -qx '  udp 7012 (one empty datagram)' &&
		cmp -s '$TMP/seqs' '$TMP/cli_seqs'"
in_cli "$SESAME" open ot
check "sesame open ot opens port 22" wait_until 2 sshd_open
check "... and client and server files are in step" \
	wait_until 2 cmp -s "$TMP/srv_seqs" "$TMP/cli_seqs"
check "... the first line marked used" grep -q '^#011,7012:udp,7013' "$TMP/cli_seqs"
daemon_stop o

# 5. Bad profiles: one file:line message each, exit 1.
bad() {  # EXPECTED-REGEX: the profile file is $TMP/bad.conf
	local rc=0
	"$SESAME" open -F "$TMP/bad.conf" --test x >/dev/null 2>"$TMP/bad.err" || rc=$?
	if [ "$rc" != 1 ] || [ "$(wc -l <"$TMP/bad.err")" != 1 ] ||
		! grep -qE "^sesame open: $1" "$TMP/bad.err"; then
		diag "status $rc: $(cat "$TMP/bad.err")"
		return 1
	fi
}
badconf() { cat >"$TMP/bad.conf"; chmod 600 "$TMP/bad.conf"; }
printf '[x]\n\tHost = h\n\tSequence = 1,2\n\t%s\n' "$PROFILE_LINE" | badconf
check "Sequence and Sequence_Secret_File in one profile: file:line of the second" \
	bad "$TMP/bad.conf:4: profile x: Sequence_Secret_File and Sequence \(line 3\) both given"
printf '[x]\n\tHost = h\n\tOne_Time_File = %s\n\t%s\n' "$TMP/cli_seqs" "$PROFILE_LINE" | badconf
check "One_Time_File and Sequence_Secret_File in one profile: file:line" \
	bad "$TMP/bad.conf:4: profile x: Sequence_Secret_File and One_Time_File \(line 3\) both given"
printf '[x]\n\tHost = h\n\tSequence_Secret_File = %s\n' "$TMP/none.seq" | badconf
check "missing secret file: file:line of Sequence_Secret_File" \
	bad "$TMP/bad.conf:3: Sequence_Secret_File: .*none\.seq"
printf '[x]\n\tHost = h\n\tOne_Time_File = %s\n' "$TMP/none.seqs" | badconf
check "missing one-time file: file:line of One_Time_File" \
	bad "$TMP/bad.conf:3: One_Time_File: $TMP/none.seqs: No such file"
printf '[x]\n\tHost = h\n\tSequence = 1,2\n\tSequence_Period = 5\n' | badconf
check "Sequence_Period in a knock profile: file:line" \
	bad "$TMP/bad.conf:4: profile x: Sequence_Period does not apply to a knock profile"
printf '[x]\n\tHost = h\n\t%s\n\tSequence_Bind_Address = yes\n' "$PROFILE_LINE" | badconf
check "Sequence_Bind_Address = yes: file:line, asks for the address" \
	bad "$TMP/bad.conf:4: Sequence_Bind_Address: 'yes' is not a numeric IPv4 or IPv6 address"
finish
