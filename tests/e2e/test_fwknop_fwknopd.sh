#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Interop: `sesame spa --fwknop` against Debian's fwknopd (2.6.10, pcap on
# the bridge, iptables backend) in the server namespace.  The right keys
# open the guarded port (HMAC sha256, and sha3_512 with a second fwknopd);
# wrong keys and a wrong HMAC digest open nothing,
# and fwknopd refuses a replay of the accepted packet.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_fwknop.sh"
if ! "$SESAME" spa --fwknop -h >/dev/null 2>&1; then
	# cmd_spa.c must call cmd_spa_fwknop() through a strong reference: a
	# weak one does not pull cmd_spa_fwknop.o out of libsesame.a.
	not_ok "sesame spa hands --fwknop to cmd_spa_fwknop ($("$SESAME" spa --fwknop -h 2>&1 | head -n 1))"
	finish
fi
ns_setup
tcp_service 2222
tcp_service 2223
firewall_iptables <<IPT
*filter
:INPUT ACCEPT [0:0]
-A INPUT -p tcp --dport 2222 -j DROP
-A INPUT -p tcp --dport 2223 -j DROP
COMMIT
IPT
check "guarded ports closed before" not reach "$SRV4" 2222
check "fwknopd started (pcap on $SRV_IF, iptables backend)" fwknopd_start fwknopd
spa_seen() { grep -c 'SPA Packet from IP' "$FWKD_LOG"; }
seen_at_least() { [ "$(spa_seen)" -ge "$1" ]; }
fspa() { in_cli "$SESAME" spa --fwknop "$SRV4" "$@"; }

check "wrong Rijndael and HMAC keys: sesame exits 0" \
	fspa --key-base64 "$FWK_WRONG_KEY" --hmac-key-base64 "$FWK_WRONG_HMAC" --open tcp/2222
check "right keys, sha512 HMAC (fwknopd expects sha256): sesame exits 0" \
	fspa --key-base64 "$FWK_KEY" --hmac-key-base64 "$FWK_HMAC" --hmac-digest sha512 --open tcp/2222
check "fwknopd saw both packets" wait_until 5 seen_at_least 2
check "fwknopd refused both for their HMAC" test "$(grep -c 'HMAC_COMPAREFAIL' "$FWKD_LOG")" -eq 2
check "still closed" not reach "$SRV4" 2222

capture_start spa udp port 62201
check "right keys (--source): sesame exits 0" \
	fspa --key-base64 "$FWK_KEY" --hmac-key-base64 "$FWK_HMAC" --open tcp/2222 -v 2>"$TMP/spa.err"
check "port 2222 opens" wait_until 5 reach "$SRV4" 2222
check "fwknopd's rule is for the client's source address" \
	bash -c "ip netns exec $SRV_NS iptables -S FWKNOP_INPUT | grep -q -- '-s $CLI4/32 .*--dport 2222'"
check "port 2223 (not asked for) stays closed" not reach "$SRV4" 2223
capture_stop spa
check "exactly one SPA datagram on the wire" test "$(capture_count spa)" -eq 1

# The same datagram again, from the client: fwknopd's digest cache refuses it.
pkt=$(sed -n 's/^sesame spa: packet: //p' "$TMP/spa.err")
check "the client printed its packet (-v)" test -n "$pkt"
in_cli bash -c 'printf %s "$1" | nc -u -w1 -q0 "$2" 62201' _ "$pkt" "$SRV4" >/dev/null 2>&1
check "fwknopd refused it as a replay" wait_until 5 grep -q "Replay detected from source IP: $CLI4" "$FWKD_LOG"

# --allow names the address (fwknop -a); udp and tcp in one message.
check "--allow $CLI4 --open tcp/2223,udp/5353: sesame exits 0" \
	fspa --key-base64 "$FWK_KEY" --hmac-key-base64 "$FWK_HMAC" --allow "$CLI4" --open tcp/2223,udp/5353
check "port 2223 opens" wait_until 5 reach "$SRV4" 2223
check "fwknopd granted udp/5353 too" \
	bash -c "ip netns exec $SRV_NS iptables -S FWKNOP_INPUT | grep -q -- '-s $CLI4/32 -p udp .*--dport 5353'"

# Client argument errors: non-zero exit, the reason on stderr, nothing sent.
fails_with() {  # REGEX ARGS...
	local re=$1; shift
	! fspa "$@" 2>"$TMP/err" && grep -qE -e "$re" "$TMP/err"
}
K=(--key-base64 "$FWK_KEY")
H=(--hmac-key-base64 "$FWK_HMAC")
capture_start bad udp port 62201
check "no --hmac-key-base64: refused" fails_with "needs a key .*an HMAC key .*and --open" "${K[@]}" --open tcp/2222
check "no --open: refused" fails_with "needs a key .*and --open" "${K[@]}" "${H[@]}"
check "key not base64: refused" fails_with "--key-base64: not base64" --key-base64 'not*base64' "${H[@]}" --open tcp/2222
check "unknown --hmac-digest: refused" fails_with "unknown digest 'sha224'" "${K[@]}" "${H[@]}" --hmac-digest sha224 --open tcp/2222
check "--allow with --source: refused" fails_with "exclude each other" "${K[@]}" "${H[@]}" --allow "$CLI4" --source --open tcp/2222
check "--allow with a host name: refused" fails_with "not a numeric address" "${K[@]}" "${H[@]}" --allow localhost --open tcp/2222
check "--open with port 0: refused" fails_with "--open:" "${K[@]}" "${H[@]}" --open tcp/0
capture_stop bad
check "none of them sent a packet" test "$(capture_count bad)" -eq 0

fwknopd_stop
check "fwknopd flushed its rules at exit: 2222 closed" not reach "$SRV4" 2222

# Another digest: fwknopd with HMAC_DIGEST_TYPE sha3_512.
check "fwknopd restarted with HMAC_DIGEST_TYPE sha3_512" \
	fwknopd_start fwknopd-sha3 "HMAC_DIGEST_TYPE            sha3_512"
check "sesame spa --fwknop --hmac-digest sha3_512 exits 0" \
	fspa "${K[@]}" "${H[@]}" --hmac-digest sha3_512 --open tcp/2222
check "sha3_512 HMAC: port 2222 opens" wait_until 5 reach "$SRV4" 2222
fwknopd_stop
finish
