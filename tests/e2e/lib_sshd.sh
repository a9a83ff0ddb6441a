# SPDX-License-Identifier: GPL-2.0-or-later
# tests/e2e/lib_sshd.sh — a real OpenSSH server in the server namespace,
# for the demos.  Source after lib.sh.
#
#   sshd_start   throw-away host and client keys under $TMP, sshd on
#                $SRV4:22 in a private mount namespace (sshd wants its own
#                /run/sshd; the machine's /run is not touched).  Returns 1
#                if it does not listen within 3 s ($TMP/sshd.log says why).
#   ssh from the client: ssh -i "$TMP/client_key" root@$SRV4 ...
sshd_start() {
	ssh-keygen -q -t ed25519 -N '' -f "$TMP/host_key" || return 1
	ssh-keygen -q -t ed25519 -N '' -f "$TMP/client_key" || return 1
	cp "$TMP/client_key.pub" "$TMP/authorized_keys"
	cat >"$TMP/sshd_config" <<-CONF
		Port 22
		ListenAddress $SRV4
		HostKey $TMP/host_key
		PidFile $TMP/sshd.pid
		AuthorizedKeysFile $TMP/authorized_keys
		PermitRootLogin prohibit-password
		PasswordAuthentication no
		KbdInteractiveAuthentication no
		UsePAM no
		StrictModes no
	CONF
	bg "$SRV_NS" unshare -m sh -c \
		'mount -t tmpfs tmpfs /run && mkdir -m 0755 /run/sshd && exec "$(command -v sshd)" -D -e -f "$1"' \
		_ "$TMP/sshd_config" >"$TMP/sshd.log" 2>&1
	wait_until 3 listening "$SRV_NS" 22
}
