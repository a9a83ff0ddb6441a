# SPDX-License-Identifier: GPL-2.0-or-later
# tests/e2e/lib_fwknop.sh — shared by the fwknop interop tests (source
# after lib.sh).  Keys are the base64 pair of the shared vectors; the
# WRONG_* pair is another valid pair the servers do not know.
FWK_KEY=mVJEAbhGSj8tOMxAjZMD2MpHqh3eHkfimQjkqD85wHY=
FWK_HMAC=6uNp7CFrjEbLpi+aKjtHkoUE0U4Hok9Sck1Y/lxoHJIxzPH5wFPfTiLK6qggdsVD+AZhW7IByFz3IrxKDXI9IQ==
FWK_WRONG_KEY=AAAAAbhGSj8tOMxAjZMD2MpHqh3eHkfimQjkqD85wHY=
FWK_WRONG_HMAC=AAAA7CFrjEbLpi+aKjtHkoUE0U4Hok9Sck1Y/lxoHJIxzPH5wFPfTiLK6qggdsVD+AZhW7IByFz3IrxKDXI9IQ==

# fwknopd_start NAME [ACCESS_EXTRA_LINES]: Debian's fwknopd in the server
# namespace, pcap on br0, iptables backend, every path under $TMP/NAME.
# Sets FWKD_PID and FWKD_LOG.
fwknopd_start() {
	local name=$1 extra=${2:-}
	local dir=$TMP/$name
	mkdir -p "$dir/run"
	chmod 700 "$dir"
	cat >"$dir/fwknopd.conf" <<CONF
PCAP_INTF                   $SRV_IF
PCAP_FILTER                 udp port 62201
ENABLE_SPA_PACKET_AGING     Y
MAX_SPA_PACKET_AGE          120
ENABLE_DIGEST_PERSISTENCE   Y
PCAP_LOOP_SLEEP             10000
FWKNOP_RUN_DIR              $dir/run
FWKNOP_PID_FILE             $dir/run/fwknopd.pid
DIGEST_FILE                 $dir/run/digest.cache
FIREWALL_EXE                $(command -v iptables)
FLUSH_IPT_AT_INIT           Y
FLUSH_IPT_AT_EXIT           Y
CONF
	cat >"$dir/access.conf" <<ACC
SOURCE                      ANY
KEY_BASE64                  $FWK_KEY
HMAC_KEY_BASE64             $FWK_HMAC
FW_ACCESS_TIMEOUT           30
$extra
ACC
	chmod 600 "$dir/fwknopd.conf" "$dir/access.conf"
	FWKD_LOG=$dir/fwknopd.log
	bg "$SRV_NS" fwknopd -f -v -i "$SRV_IF" -c "$dir/fwknopd.conf" -a "$dir/access.conf" \
		-p "$dir/run/fwknopd.pid" -d "$dir/run/digest.cache" -r "$dir/run" \
		>"$FWKD_LOG" 2>&1
	FWKD_PID=$BG_PID
	wait_until 10 grep -q "Starting fwknopd main event loop" "$FWKD_LOG"
}

# fwknopd_stop: SIGTERM, then wait (it flushes its chains at exit).
fwknopd_stop() {
	kill "$FWKD_PID" 2>/dev/null
	local i
	for i in $(seq 50); do kill -0 "$FWKD_PID" 2>/dev/null || return 0; sleep 0.1; done
	kill -9 "$FWKD_PID" 2>/dev/null
}

