#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The config corpus against Debian's knockd: the knockd-*.conf examples in
# tests/configs/good are valid for knockd itself (so "the same file works in
# both" is tested, not assumed), and knockd silently accepts some of the
# values sesame refuses (the reason sesame is strict).  knockd only parses
# here: it runs in a fresh namespace on an interface that does not exist,
# so it exits right after reading its config and never sees a packet.
. "$(dirname "$0")/lib.sh"
command -v knockd >/dev/null || { not_ok "knockd is installed"; finish; }
ns_setup

corpus=$SESAME_ROOT/tests/configs
mkdir -p "$TMP/good" "$TMP/bad"
cp "$corpus"/good/* "$TMP/good/"
cp "$corpus"/bad/* "$TMP/bad/"
# Keep knockd's log inside this test's directory.
sed -i "s|/tmp/sesame-example-knockd.log|$TMP/knockd.log|" "$TMP"/good/*.conf

# knockd_parse FILE: knockd's verdict on FILE, its output in $TMP/out.
knockd_parse() {
	(cd "$(dirname "$1")" && timeout 5 ip netns exec "$SRV_NS" \
		knockd -c "$1" -i nosuchif0 -D) >"$TMP/out" 2>&1
	# Parsed completely: knockd got as far as opening the interface.
	grep -q "could not open nosuchif0" "$TMP/out"
}

for f in "$TMP"/good/knockd-*.conf; do
	name=$(basename "$f")
	if knockd_parse "$f" && ! grep -qiE "syntax error|unrecognized|error:" "$TMP/out"; then
		ok "knockd accepts good/$name"
	else
		not_ok "knockd accepts good/$name"
		sed 's/^/# /' "$TMP/out" | tail -n 5
	fi
done
# knockd read every door of the multi-door example.
knockd_parse "$TMP/good/knockd-multi-door.conf"
check "knockd sees the three doors of knockd-multi-door.conf" \
	test "$(grep "^config: new section: " "$TMP/out" | grep -vc "'options'")" -eq 3
# ... and takes the first unused one-time sequence, like sesame.
knockd_parse "$TMP/good/knockd-one-time.conf"
check "knockd reads the one-time file next to the config" \
	grep -q "new sequence for door opencloseSMTP: 6101:tcp,6202:udp,6303:tcp" "$TMP/out"

# Values sesame refuses and knockd takes silently.
knockd_parse "$TMP/bad/seq-timeout-abc.conf"
check "knockd takes Seq_Timeout = abc as 0 (sesame: error)" \
	grep -q "seq_timeout: 0$" "$TMP/out"
knockd_parse "$TMP/bad/sequence-port-word.conf"
check "knockd turns port 'abc' into port 0 (sesame: error)" \
	grep -q "sequence: 7000:tcp,0:tcp,9000:tcp$" "$TMP/out"
knockd_parse "$TMP/bad/duplicate-door.conf"
check "knockd takes two doors named openSSH (sesame: error)" \
	test "$(grep -c "new section: 'openSSH'" "$TMP/out")" -eq 2
# Both refuse a key outside any section.
check "knockd refuses a key outside any section too" \
	not knockd_parse "$TMP/bad/key-outside-section.conf"
finish
