#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Interop: Debian's fwknop client (2.6.10) opens a sesamed door with
# SPA_Format = fwknop (native nftables gate).  The same packet replayed is
# refused, also after a restart; a tampered HMAC, wrong keys, a packet
# without an HMAC, a command message, a NAT message and a port outside
# Open are refused, each with its reason in the log.  sesame's own
# --fwknop client opens the door too.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_daemon.sh"
. "$(dirname "$0")/lib_fwknop.sh"
ns_setup
tcp_service 2222
tcp_service 2223
mkdir -p "$TMP/state" "$TMP/home"
chmod 700 "$TMP/state"
cat >"$TMP/sesamed.conf" <<CONF
[options]
	ReplayCache   = $TMP/state/replay
	StateDir      = $TMP/state
	ControlSocket = $TMP/state/control
[fwk]
	SPA_Port               = 62201
	SPA_Format             = fwknop
	Fwknop_Key_Base64      = $FWK_KEY
	Fwknop_HMAC_Key_Base64 = $FWK_HMAC
	Fwknop_HMAC_Digest     = sha256
	Open                   = 2222/tcp
	Open_Timeout           = 3
CONF
# The host's own policy drops 2223; sesame's gate guards 2222.
firewall_nft - <<'NFT'
table inet host {
	chain input {
		type filter hook input priority 0;
		tcp dport 2223 drop
	}
}
NFT
daemon_start d "$TMP/sesamed.conf" || { daemon_show d; finish; }

# fwk ARGS...: Debian's client, no rc file, its HOME in $TMP; -v output
# (with "Final SPA Data") into $TMP/fwknop.out.
fwk() {
	in_cli env HOME="$TMP/home" fwknop --no-rc-file --no-save-args -D "$SRV4" -v "$@" \
		>"$TMP/fwknop.out" 2>&1
}
wire() { sed -n 's/^ *Final SPA Data: //p' "$TMP/fwknop.out" | head -n 1; }
send_raw() { in_cli bash -c 'printf %s "$1" | nc -u -w1 -q0 "$2" 62201' _ "$1" "$SRV4" >/dev/null 2>&1; }
refusals() { grep -cE "door fwk: $CLI4: SPA refused: $1" "$(daemon_log d)"; }
# refused_again REGEX N: a refusal matching REGEX is logged beyond the N seen before.
refused_again() { wait_until 3 _more "$1" "$2"; }
_more() { [ "$(refusals "$1")" -gt "$2" ]; }
# sesamed logs one line per (source, reason) per second: a second refusal
# for the same reason is only visible a second later.
next_second() { sleep 1.1; }
KEYS=(--key-base64-rijndael "$FWK_KEY" --key-base64-hmac "$FWK_HMAC" --use-hmac)

check "guarded port closed before" not reach "$SRV4" 2222
check "fwknop -A tcp/2222 -a $CLI4 --use-hmac (base64 keys) exits 0" \
	fwk -A tcp/2222 -a "$CLI4" "${KEYS[@]}"
pkt=$(wire)
check "the client printed its packet" test -n "$pkt"
check "fwknop's packet opens the door" wait_until 3 reach "$SRV4" 2222
check "sesamed logged the grant with fwknop's user" \
	log_has d "door fwk: $CLI4: SPA accepted: fwknop user root"
check "the grant expires after Open_Timeout" wait_until 6 not reach "$SRV4" 2222

n=$(refusals "replayed packet")
send_raw "$pkt"
check "the same packet replayed: refused as a replay" refused_again "replayed packet" "$n"
check "... and the port stays closed" not reach "$SRV4" 2222

daemon_stop d
check "sesamed stopped" not daemon_alive d
daemon_start d "$TMP/sesamed.conf" || { daemon_show d; finish; }
n=$(refusals "replayed packet")
send_raw "$pkt"
check "replayed after a restart: refused as a replay" refused_again "replayed packet" "$n"
check "... and the port stays closed" not reach "$SRV4" 2222

# The last character of the HMAC changed: the HMAC no longer matches.
last=${pkt: -1}; [ "$last" = A ] && sub=B || sub=A
n=$(refusals "authentication failed")
send_raw "${pkt%?}$sub"
check "tampered HMAC: refused (HMAC mismatch)" \
	refused_again "authentication failed: fwknop: HMAC mismatch" "$n"
# One ciphertext character changed, HMAC text intact.
next_second
c=${pkt:20:1}; [ "$c" = A ] && sub=B || sub=A
n=$(refusals "authentication failed")
send_raw "${pkt:0:20}$sub${pkt:21}"
check "tampered ciphertext: refused (HMAC mismatch)" \
	refused_again "authentication failed: fwknop: HMAC mismatch" "$n"
check "... and the port stays closed" not reach "$SRV4" 2222

next_second
n=$(refusals "authentication failed")
fwk -A tcp/2222 -a "$CLI4" --key-base64-rijndael "$FWK_WRONG_KEY" \
	--key-base64-hmac "$FWK_WRONG_HMAC" --use-hmac
check "wrong keys: refused (authentication failed)" refused_again "authentication failed" "$n"
next_second
n=$(refusals "authentication failed")
fwk -A tcp/2222 -a "$CLI4" "${KEYS[@]}" --hmac-digest-type sha512
check "an HMAC digest other than the door's: refused" refused_again "authentication failed" "$n"
next_second
n=$(refusals "authentication failed: fwknop: packet carries no HMAC")
fwk -A tcp/2222 -a "$CLI4" --key-base64-rijndael "$FWK_KEY"
check "a packet without an HMAC: refused with that reason" \
	refused_again "authentication failed: fwknop: packet carries no HMAC" "$n"
check "... and the port stays closed" not reach "$SRV4" 2222

n=$(refusals "malformed request: fwknop command messages")
fwk -C "echo hello" -a "$CLI4" "${KEYS[@]}"
check "command message: refused as unsupported" \
	refused_again "malformed request: fwknop command messages are not supported" "$n"
next_second
n=$(refusals "malformed request: fwknop NAT access")
fwk -A tcp/2222 -a "$CLI4" -N "$SRV4:2222" "${KEYS[@]}"
check "NAT access message: refused as unsupported" \
	refused_again "malformed request: fwknop NAT access messages are not supported" "$n"
n=$(refusals "port not in the door's Open")
fwk -A tcp/2223 -a "$CLI4" "${KEYS[@]}"
check "a port outside Open: refused" refused_again "port not in the door's Open" "$n"
check "... nothing opened" not reach "$SRV4" 2222

# fwknop -s (0.0.0.0 in the message): the packet's source is opened.
check "fwknop -s exits 0" fwk -A tcp/2222 -s "${KEYS[@]}"
check "fwknop -s opens the door for the source" wait_until 3 reach "$SRV4" 2222
check "... and the grant expires" wait_until 6 not reach "$SRV4" 2222

# fwknop -f 1: a client timeout under Open_Timeout is honoured.
check "fwknop -f 1 (client-timeout access) exits 0" fwk -A tcp/2222 -a "$CLI4" -f 1 "${KEYS[@]}"
check "client-timeout access opens" wait_until 3 reach "$SRV4" 2222
check "... and closes within about 1 s" wait_until 3 not reach "$SRV4" 2222

# (fwknop 2.6.10 itself cannot send over IPv6: with -D an IPv6 address
# it exits 1 without sending.  sesame's client can; see below.)

# sesame's own fwknop client against sesamed, over IPv4 and IPv6.
check "sesame spa --fwknop exits 0" in_cli "$SESAME" spa --fwknop "$SRV4" \
	--key-base64 "$FWK_KEY" --hmac-key-base64 "$FWK_HMAC" --open tcp/2222
check "sesame spa --fwknop opens the door" wait_until 3 reach "$SRV4" 2222
check "sesame spa --fwknop -6 --allow $CLI6 exits 0" in_cli "$SESAME" spa --fwknop -6 "$SRV6" \
	--key-base64 "$FWK_KEY" --hmac-key-base64 "$FWK_HMAC" --allow "$CLI6" --open tcp/2222
check "... opens the door over IPv6" wait_until 3 reach "$SRV6" 2222

daemon_stop d
daemon_show d 80
finish
