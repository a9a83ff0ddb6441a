#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Client profiles end to end: a real sshd behind sesamed's closed nft
# gate; `ssh -o ProxyCommand='sesame connect %n %p' NAME` logs in with one
# command through a knock profile, then through a native SPA profile whose
# key is the profile's own (sesame keygen NAME); plain ssh times out.
# `sesame open --test` puts no packet on the wire (while a real open does).
# Bad profiles each give one file:line line and exit 1.  sesame sequence
# never gives a port below 1024, one from /etc/services, or a repeat.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_daemon.sh"
. "$(dirname "$0")/lib_sshd.sh"
ns_setup
check "sshd listens on $SRV4:22" sshd_start
export HOME=$TMP/home
unset XDG_CONFIG_HOME
CONF=$HOME/.config/sesame/client.conf
mkdir -p "$HOME/.config/sesame" "$TMP/state"

SEQ=$("$SESAME" sequence -n 3)
check "sesame sequence prints a Sequence line" \
	grep -qE '^Sequence = [0-9]+,[0-9]+,[0-9]+$' <<<"$SEQ"
# The SPA key of profile spassh, made the way a user makes it.
check "sesame keygen spassh writes keys/spassh.key" \
	bash -c "'$SESAME' keygen spassh >'$TMP/spassh.line' 2>/dev/null"
check "... mode 0600" test "$(stat -c %a "$HOME/.config/sesame/keys/spassh.key")" = 600
install -m 0600 "$TMP/spassh.line" "$TMP/spa_keys"

cat >"$CONF" <<EOF
# the same Sequence line as the server's
[knockssh]
	Host     = $SRV4
	$SEQ
	Delay    = 20
[spassh]
	Host     = $SRV4
	Open     = tcp/22
EOF
chmod 600 "$CONF"

ssh_to() {  # NAME [ssh options...]: runs 'echo ok' there; output in $TMP/ssh.out
	local name=$1; shift
	in_cli timeout 20 ssh -F none -i "$TMP/client_key" -o BatchMode=yes \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
		"$@" -l root "$name" 'echo ok' >"$TMP/ssh.out" 2>"$TMP/ssh.err"
}
proxied() {  # also says how long the whole login took (knock/SPA included)
	local t0 rc=0
	t0=$(date +%s%N)
	ssh_to "$1" -o "ProxyCommand=$SESAME connect %n %p" || rc=$?
	diag "ssh $1 through sesame connect: $(( ($(date +%s%N) - t0) / 1000000 )) ms"
	return $rc
}

# 1. A knock door.
cat >"$TMP/knock.conf" <<EOF
[options]
	NftTable = sesame_cli
[knockssh]
	$SEQ
	Seq_Timeout  = 5
	Open         = 22/tcp
	Open_Timeout = 30
EOF
daemon_start k "$TMP/knock.conf" || { daemon_show k; finish; }
check "without the proxy, ssh times out (the gate is closed)" \
	not ssh_to "$SRV4" -o ConnectTimeout=3
check "... with 'timed out'" grep -q "timed out" "$TMP/ssh.err"
check "ssh -o ProxyCommand='sesame connect %n %p' knockssh 'echo ok' exits 0" proxied knockssh
check "... and prints ok" test "$(cat "$TMP/ssh.out")" = ok
check "... sesame connect said nothing on stderr" test ! -s "$TMP/ssh.err"
check "... sesamed saw the knock sequence" log_has k "door knockssh: $CLI4"
t0=$(date +%s%N)
ssh_to "$SRV4"
diag "for comparison, plain ssh while the door is open: $(( ($(date +%s%N) - t0) / 1000000 )) ms"
daemon_stop k

# 2. A native SPA door, the key being the profile's own file.
cat >"$TMP/spa.conf" <<EOF
[options]
	NftTable    = sesame_cli
	ReplayCache = $TMP/state/replay
	StateDir    = $TMP/state
[spassh]
	SPA_Port     = 62201
	SPA_Keys     = $TMP/spa_keys
	Open         = 22/tcp
	Open_Timeout = 30
EOF
daemon_start s "$TMP/spa.conf" || { daemon_show s; finish; }
check "without the proxy, ssh times out again" not ssh_to "$SRV4" -o ConnectTimeout=3

# --test sends nothing; the real open right after it does (the capture works).
capture_start dry "udp port 62201 or (tcp and not port 22)"
check "sesame open --test spassh exits 0" \
	in_cli "$SESAME" open --test spassh >"$TMP/dry.out" 2>&1
check "... prints the packet's fields and size" \
	grep -qE "would send one 128-byte UDP datagram to $SRV4 port 62201" "$TMP/dry.out"
check "... names the profile's key" grep -qE "key +$(id -un)@" "$TMP/dry.out"
check "sesame open --test knockssh exits 0 and lists the knocks" \
	bash -c "ip netns exec '$CLI_NS' '$SESAME' open --test knockssh | grep -qE '^  tcp [0-9]+ \(one SYN\)'"
sleep 0.3
capture_stop dry
check "no packet on the wire after both dry runs" test "$(capture_count dry)" -eq 0
capture_start wet "udp port 62201"
in_cli "$SESAME" open spassh
capture_stop wet
check "a real 'sesame open spassh' is one datagram on the same capture" \
	test "$(capture_count wet)" -eq 1
in_srv nft flush set inet sesame_cli spassh_v4

check "ssh -o ProxyCommand='sesame connect %n %p' spassh 'echo ok' exits 0" proxied spassh
check "... and prints ok" test "$(cat "$TMP/ssh.out")" = ok
check "... sesamed accepted the profile's key" log_has s "door spassh: $CLI4: SPA accepted"

# The same from an ssh config: 'Host spassh' + ProxyCommand, then plain ssh.
in_srv nft flush set inet sesame_cli spassh_v4
cat >"$TMP/ssh_config" <<EOF
Host spassh
	ProxyCommand $SESAME connect %n %p
	User root
	IdentityFile $TMP/client_key
	BatchMode yes
	StrictHostKeyChecking no
	UserKnownHostsFile /dev/null
	LogLevel ERROR
EOF
check "with Host spassh + ProxyCommand in the ssh config, 'ssh spassh echo ok' prints ok" \
	bash -c "ip netns exec '$CLI_NS' timeout 20 ssh -F '$TMP/ssh_config' spassh 'echo ok' | grep -qx ok"
daemon_stop s

# 3. With the gate closed and no daemon, connect fails with one line.
cat >>"$CONF" <<EOF
[nobody]
	Host     = $SRV4
	Port     = 22
	Sequence = 1111
EOF
firewall_nft - <<'NFT'
table inet closed {
	chain input {
		type filter hook input priority 0;
		tcp dport 22 drop
	}
}
NFT
check "connect to a door that does not open fails (exit 1)" \
	not in_cli "$SESAME" connect -w 2 nobody </dev/null 2>"$TMP/c.err"
check "... with one line on stderr" test "$(wc -l <"$TMP/c.err")" -eq 1
check "... that says why" grep -qE "^sesame connect: $SRV4 port 22: Connection timed out" "$TMP/c.err"

# 4. Bad profiles: one file:line message each, exit 1.
bad() {  # EXPECTED-REGEX: the profile file is $TMP/bad.conf
	local rc=0
	"$SESAME" open -F "$TMP/bad.conf" --test x >/dev/null 2>"$TMP/bad.err" || rc=$?
	if [ "$rc" != 1 ] || [ "$(wc -l <"$TMP/bad.err")" != 1 ] ||
		! grep -qE "^sesame open: $1" "$TMP/bad.err"; then
		diag "status $rc: $(cat "$TMP/bad.err")"
		return 1
	fi
}
badconf() { cat >"$TMP/bad.conf"; chmod "${1:-600}" "$TMP/bad.conf"; }
printf '[x]\n\tSequence = 1,2,3\n' | badconf
check "missing Host: file:line, exit 1" bad "$TMP/bad.conf:1: profile x: needs Host"
printf '[x]\n\tHost = h\n\tSequence = 1,2\n\tSPA_Key = /k\n' | badconf
check "both Sequence and SPA_Key: file:line of the second" \
	bad "$TMP/bad.conf:4: profile x: SPA_Key and Sequence \(line 3\) both given"
printf '[x]\n\tHost = h\n\tSPA_Key = %s\n' "$TMP/none.key" | badconf
check "missing key file: file:line of SPA_Key" \
	bad "$TMP/bad.conf:3: SPA_Key: $TMP/none.key: cannot open"
"$SESAME" keygen -o "$TMP/open.key" >/dev/null 2>&1
chmod 644 "$TMP/open.key"
printf '[x]\n\tHost = h\n\tSPA_Key = %s\n' "$TMP/open.key" | badconf
check "key file readable by others: file:line, says chmod" \
	bad "$TMP/bad.conf:3: SPA_Key: $TMP/open.key: accessible by group or others.*chmod"
printf '[x]\n\tHost = h\n\tSequence = 1\n' | badconf 666
check "world-writable client.conf refused" bad "$TMP/bad.conf: writable by others"
printf '[x]\n\tHost = h\n\tSequnce = 1\n' | badconf
check "unknown key: file:line" bad "$TMP/bad.conf:3: unknown key 'Sequnce'"
printf '[x]\n\tHost = h\n\tSequence = 1,70000\n' | badconf
check "bad port in Sequence: file:line" bad "$TMP/bad.conf:3: Sequence: .*70000"
printf '[x]\n\tHost = h\n\tSequence = 1\n\tOpen = tcp/22\n' | badconf
check "Open in a knock profile: file:line" \
	bad "$TMP/bad.conf:4: profile x: Open does not apply to a knock profile"

# 5. sesame sequence -n 4, 1000 times: >= 1024, not in /etc/services, distinct.
services=$(awk '!/^#/ && $2 ~ /^[0-9]+\// { split($2, a, "/"); print a[1] }' /etc/services | sort -un)
for i in $(seq 1000); do "$SESAME" sequence -n 4; done >"$TMP/seqs"
seq_ok() {
	awk -v svc="$services" '
		BEGIN { n = split(svc, s, "\n"); for (i = 1; i <= n; i++) listed[s[i]] = 1 }
		{
			sub(/^Sequence = /, ""); k = split($0, p, ",")
			if (k != 4) { print "not 4 ports: " $0; bad = 1 }
			delete seen
			for (i = 1; i <= k; i++) {
				if (p[i] !~ /^[0-9]+$/ || p[i] < 1024 || p[i] > 65535) { print "out of range: " p[i]; bad = 1 }
				if (p[i] in listed) { print "in /etc/services: " p[i]; bad = 1 }
				if (p[i] in seen) { print "repeated: " $0; bad = 1 }
				seen[p[i]] = 1
			}
		}
		END { exit bad }' "$TMP/seqs" >"$TMP/seq.bad"
	local rc=$?
	head -n 5 "$TMP/seq.bad" | sed 's/^/# /'
	return $rc
}
check "1000 sequences: 1000 lines" test "$(wc -l <"$TMP/seqs")" -eq 1000
check "... never below 1024, never in /etc/services, never a repeat" seq_ok
check "... and random (over 3000 distinct ports among 4000)" \
	test "$(sed 's/^Sequence = //' "$TMP/seqs" | tr , '\n' | sort -u | wc -l)" -gt 3000
check "sesame sequence --udp marks every port :udp" \
	bash -c "'$SESAME' sequence -n 5 --udp | grep -qE '^Sequence = ([0-9]+:udp,){4}[0-9]+:udp$'"
finish
