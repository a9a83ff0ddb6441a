#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Knocks count only from an address that can be a knocker and only when
# sent to this host: a full sequence from a spoofed unspecified,
# loopback, multicast, broadcast or own source opens nothing; a sequence
# to an address that is not the host's (traffic a router only forwards)
# opens nothing, unless the door's Target names that address.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_daemon.sh"
ns_setup
cat >"$TMP/sesamed.conf" <<EOF
[plain]
	Sequence = 7001,7002,7003
	Command  = echo plain %IP% >> $TMP/opened
[routed]
	Sequence = 7101,7102,7103
	Target   = 198.18.0.77
	Command  = echo routed %IP% >> $TMP/opened
EOF
daemon_start d "$TMP/sesamed.conf" || { daemon_show d; finish; }
srvmac=$(ip -n "$SRV_NS" -br link show br0 | awk '{print $3}')
climac=$(ip -n "$CLI_NS" -br link show eth0 | awk '{print $3}')

# One TCP SYN per port as a raw Ethernet frame from the client's eth0:
# any source address (spoofed), to the server's MAC.  Refuses to run
# outside a network namespace made with `ip netns add`.
frames() {  # src dst port...
	in_cli python3 - "$climac" "$srvmac" "$@" <<'PY'
import os, socket, struct, subprocess, sys
ns = subprocess.run(['ip', 'netns', 'identify', str(os.getpid())],
                    capture_output=True, text=True).stdout.strip()
if not ns:
    sys.exit('refusing to send outside an ip netns namespace')
def mac(s): return bytes(int(x, 16) for x in s.split(':'))
def csum(b):
    if len(b) % 2: b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
cli, srv, src, dst = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(('eth0', 0))
for port in sys.argv[5:]:
    sa, da = socket.inet_aton(src), socket.inet_aton(dst)
    tcp = struct.pack('!HHIIBBHHH', 40000, int(port), 1, 0, 5 << 4, 0x02, 1024, 0, 0)
    tcp = tcp[:16] + struct.pack('!H', csum(sa + da + struct.pack('!BBH', 0, 6, len(tcp)) + tcp)) + tcp[18:]
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(tcp), 1, 0, 64, 6, 0, sa, da)
    ip = ip[:10] + struct.pack('!H', csum(ip)) + ip[12:]
    s.send(mac(srv) + mac(cli) + b'\x08\x00' + ip + tcp)
PY
}
nothing() { sleep 0.5; [ "$(lines "$TMP/opened")" -eq 0 ]; }

for src in 0.0.0.0 127.0.0.1 224.0.0.1 255.255.255.255 "$SRV4" 198.18.0.255; do
	frames "$src" "$SRV4" 7001 7002 7003
	check "a sequence from source $src opens nothing" nothing
done
check "the refusal is logged once" \
	test "$(grep -c "refused: not a knocker's address" "$TMP/d.log")" -eq 1

# Forwarded: to an address on the link that is not the server's.
frames "$CLI4" 198.18.0.77 7001 7002 7003
check "a sequence to an address not ours (forwarded) opens nothing" nothing
frames "$CLI4" 198.18.0.77 7101 7102 7103
check "... unless the door's Target names it" has_lines "$TMP/opened" 1
check "... (the routed door, for the client)" grep -qx "routed $CLI4" "$TMP/opened"
frames "$CLI4" "$SRV4" 7001 7002 7003
check "the same frames to the host's address open" has_lines "$TMP/opened" 2
check "... (the plain door)" grep -qx "plain $CLI4" "$TMP/opened"
daemon_stop d
check "the refused packets are counted at exit" \
	log_has d "packets refused for their source address: 18"
daemon_show d 20
finish
