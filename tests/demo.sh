#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/demo.sh — `make demo`: the user's story, played in two network
# namespaces on this machine (nothing leaves it), with no daemon at all: the
# firewall alone does the knock checking, using iptables' `recent` module
# (the ArchWiki scheme, tests/e2e/knock_archwiki.rules).
#
#   server 198.18.0.1: sshd on port 22, dropped unless knocked
#   client 198.18.0.2: ssh, and `sesame knock`
#
# Exits 0 only when every step of the story happened as told.
. "$(dirname "$0")/e2e/lib.sh"
. "$(dirname "$0")/e2e/lib_sshd.sh"
RULES=$(dirname "$0")/e2e/knock_archwiki.rules

bold= plain=
if [ -t 1 ]; then bold=$(tput bold 2>/dev/null) plain=$(tput sgr0 2>/dev/null); fi
say()  { printf '\n%s==> %s%s\n' "$bold" "$*" "$plain"; }
show() { printf '    $ %s\n' "$*"; }
good() { printf '    %s\n' "$*"; }
fail() { printf '\n%sDEMO FAILED: %s%s\n' "$bold" "$*" "$plain"; exit 1; }

[ -x "$SESAME" ] || fail "no $SESAME: run 'make' first"

say "Two network namespaces joined by a virtual link: server $SRV4, client $CLI4"
ns_setup
ns_add_host other 3
good "(a third host, 198.18.0.3, watches from the side)"

say "Server: firewall from the ArchWiki port-knocking article (iptables 'recent')"
good "knock TCP 8881, 7777, 9991 in this order -> port 22 opens for your address, 5 s"
firewall_iptables "$RULES" || fail "iptables-restore refused the ruleset"

# A real sshd when we can: its own host key and root key under $TMP.  It
# needs /run/sshd; a private mount namespace with a tmpfs on /run gives
# it one without touching this machine's /run.  SESAME_DEMO_NO_SSHD=1
# plays the story with the stand-in service instead.
SSHD=no
start_sshd() {
	[ "${SESAME_DEMO_NO_SSHD:-0}" = 1 ] && return 1
	command -v sshd >/dev/null && command -v ssh >/dev/null || return 1
	sshd_start
}
if start_sshd; then
	SSHD=yes
	say "Server: sshd listening on port 22"
else
	say "Server: no sshd here; a small TCP service on port 22 stands in for it"
	tcp_service 22 || fail "cannot start the TCP service"
fi

# try_22 NS: one connection attempt to port 22 from NS; prints what the
# user would see and succeeds when the service answered.
try_22() {
	local ns=$1 out
	if [ "$SSHD" = yes ]; then
		show "ssh root@$SRV4 'echo hello from \$(ip -br -4 addr show br0)'"
		out=$(ip netns exec "$ns" ssh -F /dev/null -i "$TMP/client_key" -o BatchMode=yes \
			-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
			-o LogLevel=ERROR -o ConnectTimeout=2 "root@$SRV4" \
			'echo hello from $(ip -br -4 addr show br0 | tr -s " ")' 2>&1)
		good "${out:-(nothing)}"
		[[ $out == "hello from br0 UP $SRV4/24"* ]]
	else
		show "nc -w 2 $SRV4 22"
		out=$(ip netns exec "$ns" timeout 3 nc -w 2 -d "$SRV4" 22 </dev/null 2>&1)
		good "${out:-connection timed out}"
		[ "$out" = sesame-e2e-banner ]
	fi
}

knock() {
	show "sesame knock -v $SRV4 $*"
	in_cli "$SESAME" knock -v "$SRV4" "$@" | sed 's/^/    /'
	[ "${PIPESTATUS[0]}" = 0 ]
}

say "Client: before knocking, port 22 is closed (the SYN is silently dropped)"
try_22 "$CLI_NS" && fail "port 22 answered before any knock"
good "=> port 22 is closed: connection timed out"

say "Client: knocking in the wrong order: 8881 9991 7777"
knock 8881 9991 7777 || fail "sesame knock failed"
try_22 "$CLI_NS" && fail "a wrong sequence opened port 22"
good "=> port 22 is still closed"

say "Client: knocking 8881 7777 9991"
t0=$(date +%s%N)
knock 8881 7777 9991 || fail "sesame knock failed"
good "(three packets, $(( ($(date +%s%N) - t0) / 1000000 )) ms; each one a single TCP SYN)"
try_22 "$CLI_NS" || fail "port 22 did not open after the right knock"
good "=> port 22 is open for $CLI4"

say "Another host (198.18.0.3) did not knock: for it, port 22 is still closed"
try_22 "$other_NS" && fail "port 22 opened for a host that did not knock"
good "=> closed for 198.18.0.3"

say "Five seconds later the door has closed again for new connections"
sleep 5
try_22 "$CLI_NS" && fail "port 22 stayed open after its 5 s"
good "=> port 22 is closed"

say "The story worked.  Cleaning up the namespaces."
exit 0
