#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Must show 1: the ArchWiki iptables `recent` ruleset (no daemon) in the
# server; `sesame knock` in the wrong order leaves port 22 closed, in the
# right order opens it, for the knocker only and for 5 seconds.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_knock.sh"
RULES=$(dirname "$0")/knock_archwiki.rules
ns_setup
ns_add_host other 3

check "the ArchWiki ruleset loads with iptables-restore" firewall_iptables "$RULES"
check "a real TCP service listens on port 22" tcp_service 22
check "port 22 is closed before knocking" not reach "$SRV4" 22

check "sesame knock in the wrong order exits 0" in_cli "$SESAME" knock "$SRV4" 8881 9991 7777
check "wrong order 8881 9991 7777: port 22 stays closed" not reach "$SRV4" 22
in_lists() { in_srv grep -l "src=$CLI4 " /proc/net/xt_recent/SSH0 /proc/net/xt_recent/SSH1 /proc/net/xt_recent/SSH2; }
check "wrong order: the client is in no list (the sequence was reset)" not in_lists

t0=$(ms_now)
check "sesame knock 8881 7777 9991 exits 0" in_cli "$SESAME" knock "$SRV4" 8881 7777 9991
diag "three knocks took $(( $(ms_now) - t0 )) ms including ip netns exec"
check "the kernel put the client in list SSH2" in_srv grep -q "src=$CLI4 " /proc/net/xt_recent/SSH2
check "right order: port 22 is open for the client" reach "$SRV4" 22
check "port 22 stays closed for another host" not reach "$SRV4" 22 1 "$other_NS"
sleep 5
check "port 22 closes again after the 5 s window" not reach "$SRV4" 22

check "a knock with -d 200 between hits opens it too" in_cli "$SESAME" knock -d 200 "$SRV4" 8881 7777 9991
check "open after the delayed knock" reach "$SRV4" 22
finish
