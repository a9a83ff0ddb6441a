#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Snapshots of `sesame rules` output: a change to the generated rules shows
# up as a diff to review (regenerate with SNAPSHOT_UPDATE=1).  Each snapshot
# must also pass the firewall's own syntax check (nft -c, *tables-restore
# --test) in a namespace.
. "$(dirname "$0")/lib.sh"
D=$SESAME_ROOT/tests/rules
_new_ns "$SRV_NS"
snap() {  # NAME ARGS...
	local name=$1; shift
	"$SESAME" rules "$@" >"$TMP/$name" 2>"$TMP/$name.err"
	if [ "${SNAPSHOT_UPDATE:-0}" = 1 ]; then cp "$TMP/$name" "$D/$name"; fi
	check "snapshot $name" diff -u "$D/$name" "$TMP/$name"
	case $name in
	*.nft) check "$name passes nft -c" in_srv nft -c -f "$TMP/$name" ;;
	*.ipt4) check "$name passes iptables-restore --test" in_srv iptables-restore --test "$TMP/$name" ;;
	*.ipt6) check "$name passes ip6tables-restore --test" in_srv ip6tables-restore --test "$TMP/$name" ;;
	esac
}
snap mixed.nft -c "$D/mixed.conf"
snap mixed.ipt4 --format iptables -c "$D/mixed.conf"
snap mixed.ipt6 --format iptables --family 6 -c "$D/mixed.conf"
snap knockd.nft -c "$D/knockd.conf" --open 22/tcp --timeout 10
snap knockd.ipt4 --format iptables -c "$D/knockd.conf" --open 22/tcp --timeout 10
snap two.nft -c "$D/two.conf"
snap two.ipt4 --format iptables -c "$D/two.conf"
snap forward.nft -c "$D/forward.conf"
snap knockd-forward.nft -c "$D/knockd.conf" --open 22/tcp --forward-to 198.19.1.2:22
finish
