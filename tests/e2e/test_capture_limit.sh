#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A capture filter longer than the kernel takes (4,096 BPF instructions:
# here 120 doors on 360 scattered ports) would make libpcap filter in user
# space after a mere warning, every frame of the interface reaching the
# worker under a lock that holds no filter: sesamed refuses to start
# instead, and says why.  The same doors on adjacent ports (one port
# range) start.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_daemon.sh"
ns_setup

# doors_conf NAME STEP: 120 doors of three ports each, STEP apart.
doors_conf() {
	local name=$1 step=$2 i p
	{
		echo "[options]"
		echo "	ControlSocket = $TMP/$name.control"
		echo "	StateDir      = $TMP/$name.state"
		for i in $(seq 0 119); do
			p=$((20000 + step * 3 * i))
			echo "[d$i]"
			echo "	Sequence = $p,$((p + step)),$((p + 2 * step))"
			echo "	Open     = 2222/tcp"
		done
	} >"$TMP/$name.conf"
	echo "$TMP/$name.conf"
}

c=$(doors_conf scattered 2)
out=$(in_srv timeout 60 "$SESAMED" -c "$c" -i "$SRV_IF" 2>&1); rc=$?
check "a filter over the kernel's limit: the start is refused (exit 1)" [ "$rc" -eq 1 ]
check "... and the reason is given" grep -q "the kernel did not take the capture filter" <<<"$out"
[ "$rc" -eq 1 ] || diag "rc $rc: $(tail -n 3 <<<"$out")"

c=$(doors_conf adjacent 1)
in_srv "$SESAMED" -c "$c" -i "$SRV_IF" >"$TMP/adjacent.log" 2>&1 &
pid=$!
check "the same doors on adjacent ports start" \
	wait_until 10 grep -q "capturing on" "$TMP/adjacent.log"
kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
finish
