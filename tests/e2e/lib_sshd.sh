# SPDX-License-Identifier: GPL-2.0-or-later
# tests/e2e/lib_sshd.sh — a real OpenSSH server in a namespace, for the
# demos.  Source after lib.sh.
#
#   sshd_start [NS ADDR TAG]
#                throw-away host key and (once) client key under $TMP, sshd
#                on ADDR:22 (default: the server namespace, $SRV4) in a
#                private mount namespace (sshd wants its own /run/sshd; the
#                machine's /run is not touched).  TAG names its files
#                ($TMP/TAG.log ...; default sshd) so several can run.
#                Returns 1 if it does not listen within 3 s ($TMP/TAG.log
#                says why).
#   ssh from the client: ssh -i "$TMP/client_key" root@ADDR ...
sshd_start() {
	local ns=${1:-$SRV_NS} addr=${2:-$SRV4} tag=${3:-sshd}
	ssh-keygen -q -t ed25519 -N '' -f "$TMP/$tag.host_key" || return 1
	if [ ! -f "$TMP/client_key" ]; then
		ssh-keygen -q -t ed25519 -N '' -f "$TMP/client_key" || return 1
		cp "$TMP/client_key.pub" "$TMP/authorized_keys"
	fi
	cat >"$TMP/$tag.config" <<-CONF
		Port 22
		ListenAddress $addr
		HostKey $TMP/$tag.host_key
		PidFile $TMP/$tag.pid
		AuthorizedKeysFile $TMP/authorized_keys
		PermitRootLogin prohibit-password
		PasswordAuthentication no
		KbdInteractiveAuthentication no
		UsePAM no
		StrictModes no
	CONF
	bg "$ns" unshare -m sh -c \
		'mount -t tmpfs tmpfs /run && mkdir -m 0755 /run/sshd && exec "$(command -v sshd)" -D -e -f "$1"' \
		_ "$TMP/$tag.config" >"$TMP/$tag.log" 2>&1
	wait_until 3 listening "$ns" 22
}
