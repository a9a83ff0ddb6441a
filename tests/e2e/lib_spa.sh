# SPDX-License-Identifier: GPL-2.0-or-later
# tests/e2e/lib_spa.sh — SPA helpers for e2e tests.  Source after lib.sh.
#
#   spa_payloads PCAP OUTDIR   writes the UDP payload of every packet in
#                              PCAP (Ethernet, v4/v6) to OUTDIR/N.bin
#   spa_send NS HOST PORT FILE [MUTATION]
#                              sends FILE's bytes as one UDP datagram from NS;
#                              MUTATION: flip:BYTE (xor 0x01 into byte BYTE),
#                              cut:N (first N bytes), grow:N (N zero bytes more)

spa_payloads() {
	python3 - "$1" "$2" <<'PY'
import os, struct, sys
data = open(sys.argv[1], 'rb').read()
out = sys.argv[2]
os.makedirs(out, exist_ok=True)
magic = struct.unpack('<I', data[:4])[0]
end = '<' if magic in (0xa1b2c3d4, 0xa1b23c4d) else '>'
if struct.unpack(end + 'I', data[:4])[0] not in (0xa1b2c3d4, 0xa1b23c4d):
    sys.exit('not a pcap file')
if struct.unpack(end + 'I', data[20:24])[0] != 1:
    sys.exit('not an Ethernet capture')
off, n = 24, 0
while off + 16 <= len(data):
    incl = struct.unpack(end + 'I', data[off + 8:off + 12])[0]
    frame = data[off + 16:off + 16 + incl]
    off += 16 + incl
    etype = struct.unpack('>H', frame[12:14])[0]
    ip = frame[14:]
    if etype == 0x0800 and ip[9] == 17:
        udp = ip[(ip[0] & 15) * 4:]
    elif etype == 0x86dd and ip[6] == 17:
        udp = ip[40:]
    else:
        continue
    ulen = struct.unpack('>H', udp[4:6])[0]
    open(os.path.join(out, '%d.bin' % n), 'wb').write(udp[8:ulen])
    n += 1
print(n)
PY
}

spa_send() {
	local ns=$1 host=$2 port=$3 file=$4 mut=${5:-}
	ip netns exec "$ns" python3 - "$host" "$port" "$file" "$mut" <<'PY'
import socket, sys
host, port, path, mut = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
b = bytearray(open(path, 'rb').read())
if mut.startswith('flip:'):
    b[int(mut[5:])] ^= 1
elif mut.startswith('cut:'):
    b = b[:int(mut[4:])]
elif mut.startswith('grow:'):
    b += bytes(int(mut[5:]))
fam = socket.AF_INET6 if ':' in host else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
s.sendto(bytes(b), (host, port))
PY
}
