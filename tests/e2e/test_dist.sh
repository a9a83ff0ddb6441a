#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# What an administrator installs: the man pages (mandoc lint clean, every
# config key, daemon flag, client command and option documented), the
# example config (sesamed -t), the systemd unit (systemd-analyze security
# score), `make install DESTDIR=` (every file, the config mode 0600 and
# never overwritten), bash completion, .gitignore, and `make deb`: lintian
# without errors, then the packaged sesamed -t on the packaged config.
. "$(dirname "$0")/lib.sh"
cd "$SESAME_ROOT" || exit 1
MAN=dist/man

# --- man pages ---------------------------------------------------------
for m in "$MAN"/sesame.1 "$MAN"/sesamed.8 "$MAN"/sesamed.conf.5; do
	# The installed-manual database is the host's business, not ours.
	out=$(mandoc -T lint -W warning "$m" 2>&1 | grep -v 'mandoc.db')
	check "$m: mandoc -T lint -W warning is clean" \
		eval 'mandoc -T lint -W warning "$m" >/dev/null 2>&1 && [ -z "$out" ]'
	[ -z "$out" ] || diag "$out"
done

# Names as the man page shows them: ".It Cm Key" or ".Cm Key", ".Fl -opt".
documented() {  # FILE MACRO NAME
	grep -qE "(^|[ .])$2 $3( |$)" "$1"
}
missing=()
for k in $(sed -n 's/^[[:space:]]*{ "\([A-Za-z_0-9]*\)", K_.*/\1/p' src/common/config_keys.c); do
	documented "$MAN/sesamed.conf.5" Cm "$k" || missing+=("$k")
done
check "sesamed.conf(5) documents every key of the parser (${missing[*]:-all there})" \
	[ ${#missing[@]} -eq 0 ]

long_opts() {  # FILE: the long options of its struct option tables
	sed -n 's/^[[:space:]]*{ *"\([a-z0-9-]*\)", *\(no\|required\|optional\)_argument.*/\1/p' "$@"
}
missing=()
for o in $(long_opts src/sesamed/parent/sesamed.c); do
	documented "$MAN/sesamed.8" Fl "-$o" || missing+=("--$o")
done
shorts=$(sed -n 's/.*getopt_long(argc, argv, "\([^"]*\)".*/\1/p' src/sesamed/parent/sesamed.c | tr -d ':')
for ((i = 0; i < ${#shorts}; i++)); do
	o=${shorts:i:1}
	grep -qE "^\.It Fl $o( |$)" "$MAN/sesamed.8" || missing+=("-$o")
done
check "sesamed(8) documents every flag of sesamed (${missing[*]:-all there})" \
	[ ${#missing[@]} -eq 0 ]

missing=()
for c in $(sed -n 's/^[[:space:]]*{ "\([a-z]*\)", *cmd_.*/\1/p' src/sesame/sesame.c); do
	grep -qE "^\.Ss $c$" "$MAN/sesame.1" || missing+=("$c")
done
for o in $(long_opts src/sesame/cmd_*.c | sort -u); do
	documented "$MAN/sesame.1" Fl "-$o" || missing+=("--$o")
done
check "sesame(1) has a section for every command and documents every option (${missing[*]:-all there})" \
	[ ${#missing[@]} -eq 0 ]

# The configuration examples of sesamed.conf(5) load (their SPA door's
# key file made here).
awk -v dir="$TMP" '
	/^\.Bd -literal/ { n++; f = sprintf("%s/example%d.conf", dir, n); getline; }
	/^\.Ed/ { f = "" }
	f != "" { print > f }' "$MAN/sesamed.conf.5"
"$SESAME" keygen -n admin@example -o "$TMP/admin.key" 2>/dev/null | tail -n1 >"$TMP/spa.keys"
chmod 0600 "$TMP/spa.keys"
for f in "$TMP"/example*.conf; do
	grep -q '^\[' "$f" || continue
	# Relative paths are taken from the config's directory: spa.keys is here.
	# shellcheck disable=SC2016
	out=$("$SESAMED" -t -c "$f" 2>&1)
	check "sesamed.conf(5) example $(basename "$f") passes sesamed -t" \
		grep -q ': OK, ' <<<"$out"
	grep -q ': OK, ' <<<"$out" || diag "$out"
done

# --- example config ----------------------------------------------------
out=$("$SESAMED" -t -c dist/sesamed.conf 2>&1)
diag "$out"
check "dist/sesamed.conf passes sesamed -t without warnings" grep -q ': OK, 1 door (1 sequence), 0 warnings' <<<"$out"
check "... with a native nft door for ssh" \
	grep -qE '^[[:space:]]*Open[[:space:]]*=[[:space:]]*22/tcp' dist/sesamed.conf
# Uncommenting the SPA door as its comment says gives a working door.
sed -e 's/^#\(\[ssh-spa\]\)/\1/' -e 's/^#\(\t[A-Z]\)/\1/' dist/sesamed.conf >"$TMP/spa.conf"
out=$("$SESAMED" -t -c "$TMP/spa.conf" 2>&1)
check "... and its commented SPA door, uncommented, passes too" \
	grep -q ': OK, 2 doors (1 sequence), 0 warnings' <<<"$out"
diag "$out"

# --- the unit ----------------------------------------------------------
DEST=$TMP/root
make --no-print-directory -s install DESTDIR="$DEST" PREFIX=/usr \
	UNITDIR=/lib/systemd/system >"$TMP/install.log" 2>&1
check "make install DESTDIR=... succeeds" [ $? -eq 0 ]
UNIT=$DEST/lib/systemd/system/sesamed.service
score_line=$(systemd-analyze security --offline=true "$UNIT" 2>&1 | grep 'Overall exposure level')
diag "$score_line"
score=$(sed -n 's/.*: \([0-9][0-9]*\.[0-9]\) .*/\1/p' <<<"$score_line")
check "systemd-analyze security --offline=true rates the unit <= 2.5 (got ${score:-nothing})" \
	awk -v s="$score" 'BEGIN { exit !(s != "" && s + 0 <= 2.5) }'
check "the unit is Type=notify and points at the man pages" \
	eval 'grep -qx "Type=notify" "$UNIT" && grep -q "^Documentation=man:sesamed(8) man:sesamed.conf(5) man:sesame(1)" "$UNIT"'
check "the unit starts the installed binary on the installed config" \
	grep -qx "ExecStart=/usr/sbin/sesamed -c /etc/sesame/sesamed.conf" "$UNIT"

# --- make install ------------------------------------------------------
missing=()
for f in usr/sbin/sesamed usr/bin/sesame usr/share/man/man8/sesamed.8 \
	usr/share/man/man1/sesame.1 usr/share/man/man5/sesamed.conf.5 \
	usr/lib/sysusers.d/sesame.conf usr/lib/tmpfiles.d/sesame.conf \
	usr/share/bash-completion/completions/sesame \
	usr/share/bash-completion/completions/sesamed etc/sesame/sesamed.conf; do
	[ -e "$DEST/$f" ] || missing+=("$f")
done
for f in dist/fail2ban/*/*.conf; do
	[ -e "$f" ] || continue
	[ -e "$DEST/etc/fail2ban/${f#dist/fail2ban/}" ] || missing+=("$f")
done
check "make install installs binaries, man pages, unit files, completion, fail2ban files, config (${missing[*]:-all there})" \
	[ ${#missing[@]} -eq 0 ]
check "the installed config is mode 0600" [ "$(stat -c %a "$DEST/etc/sesame/sesamed.conf")" = 600 ]
check "the sysusers.d entry makes the system user sesame" \
	grep -qE '^u sesame ' "$DEST/usr/lib/sysusers.d/sesame.conf"
check "the tmpfiles.d entry makes the StateDir 0700" \
	grep -qE '^d /var/lib/sesame 0700 root root' "$DEST/usr/lib/tmpfiles.d/sesame.conf"
echo "# the administrator's own" >>"$DEST/etc/sesame/sesamed.conf"
make --no-print-directory -s install DESTDIR="$DEST" PREFIX=/usr >/dev/null 2>&1
check "a second make install keeps the administrator's config" \
	grep -q "the administrator's own" "$DEST/etc/sesame/sesamed.conf"

# --- bash completion -----------------------------------------------------
# The completion functions run with stand-ins for bash-completion's
# helpers, so the test does not need that package.
complete_words() {  # LINE: what the completion offers for it
	bash -c '
		_init_completion() {
			words=("${COMP_WORDS[@]}") cword=$COMP_CWORD
			cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
		}
		_filedir() { :; }
		_known_hosts_real() { :; }
		_available_interfaces() { :; }
		. "$1"
		read -ra COMP_WORDS <<<"$2"
		[[ $2 == *" " ]] && COMP_WORDS+=("")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		"_${COMP_WORDS[0]}"
		echo "${COMPREPLY[*]}"' _ dist/completion/sesame.bash "$1"
}
check "completion: 'sesame st' -> status" [ "$(complete_words "sesame st")" = status ]
check "completion: 'sesame ' -> every command" \
	[ "$(complete_words "sesame ")" = "knock spa keygen rules status revoke -h --help -V --version" ]
check "completion: 'sesame rules --format ' -> nft iptables" \
	[ "$(complete_words "sesame rules --format ")" = "nft iptables" ]
check "completion: 'sesame status --format p' -> prometheus" \
	[ "$(complete_words "sesame status --format p")" = prometheus ]
check "completion: 'sesamed --con' -> --config" [ "$(complete_words "sesamed --con")" = --config ]
printf '[options]\n[alpha]\n[beta]\n' >"$TMP/doors.conf"
check "completion: 'sesame rules -c FILE ' -> the doors of FILE" \
	[ "$(complete_words "sesame rules -c $TMP/doors.conf ")" = "alpha beta" ]

# --- .gitignore ----------------------------------------------------------
for f in dist/sysusers.d/sesame.conf dist/tmpfiles.d/sesame.conf \
	dist/fail2ban/filter.d/sesamed.conf dist/fail2ban/jail.d/sesamed.conf; do
	check ".gitignore does not hide $f" not git check-ignore -q --no-index "$f"
done

# --- make deb ------------------------------------------------------------
VERSION=$(sed -n 's/^#define SESAME_VERSION "\(.*\)"/\1/p' src/common/version.h)
check "debian/changelog is at version $VERSION (src/common/version.h)" \
	[ "$(dpkg-parsechangelog -l debian/changelog -S Version)" = "$VERSION" ]
DEBB=$TMP/debbuild
make --no-print-directory deb BUILD="$DEBB" >"$TMP/deb.log" 2>&1
rc=$?
DEB=$DEBB/sesame_${VERSION}_$(dpkg --print-architecture).deb
check "make deb builds sesame_${VERSION}_ARCH.deb" [ $rc -eq 0 -a -f "$DEB" ]
[ $rc -eq 0 ] || sed 's/^/# /' "$TMP/deb.log" | tail -n 30
if [ -f "$DEB" ]; then
	lintian "$DEB" >"$TMP/lintian.log" 2>&1
	sed 's/^/# lintian: /' "$TMP/lintian.log"
	check "lintian reports no error" not grep -q '^E: ' "$TMP/lintian.log"
	check "the example config is a conffile" \
		eval 'dpkg-deb -I "$DEB" conffiles | grep -qx /etc/sesame/sesamed.conf'
	ROOT=$TMP/deb-root
	dpkg -x "$DEB" "$ROOT"
	check "... of mode 0600 in the package" [ "$(stat -c %a "$ROOT/etc/sesame/sesamed.conf")" = 600 ]
	missing=()
	for f in usr/sbin/sesamed usr/bin/sesame lib/systemd/system/sesamed.service \
		usr/lib/sysusers.d/sesame.conf usr/lib/tmpfiles.d/sesame.conf \
		usr/share/man/man8/sesamed.8.gz usr/share/man/man1/sesame.1.gz \
		usr/share/man/man5/sesamed.conf.5.gz usr/share/bash-completion/completions/sesame; do
		[ -e "$ROOT/$f" ] || missing+=("$f")
	done
	for f in dist/fail2ban/*/*.conf; do
		[ -e "$f" ] || continue
		[ -e "$ROOT/etc/fail2ban/${f#dist/fail2ban/}" ] || missing+=("${f#dist/}")
	done
	check "the package holds binaries, unit, sysusers/tmpfiles, man pages, completion, fail2ban files (${missing[*]:-all there})" \
		[ ${#missing[@]} -eq 0 ]
	check "the unit in the package runs /usr/sbin/sesamed" \
		grep -qx "ExecStart=/usr/sbin/sesamed -c /etc/sesame/sesamed.conf" "$ROOT/lib/systemd/system/sesamed.service"
	out=$("$ROOT/usr/sbin/sesamed" -t -c "$ROOT/etc/sesame/sesamed.conf" 2>&1)
	diag "$out"
	check "the packaged sesamed -t accepts the packaged config" grep -q ': OK, 1 door' <<<"$out"
	check "the packaged sesamed is this version" \
		[ "$("$ROOT/usr/sbin/sesamed" -V)" = "sesamed $VERSION" ]
	check "the postinst creates the sesame user" \
		eval 'dpkg-deb -I "$DEB" postinst | grep -q "systemd-sysusers.*sesame.conf"'
	check "installing does not enable or start the service (it would close port 22)" \
		not eval 'dpkg-deb -I "$DEB" postinst | grep -qE "deb-systemd-invoke (start|restart)|systemctl.*start"'

	# A real installation, maintainer scripts included, into an empty
	# root: dpkg --root with DPKG_ROOT honoured by systemd-sysusers,
	# systemd-tmpfiles and deb-systemd-helper, so the host is not touched.
	R=$TMP/dpkg-root
	mkdir -p "$R/var/lib/dpkg/info" "$R/var/lib/dpkg/updates" "$R/etc"
	: >"$R/var/lib/dpkg/status"
	echo 'root:x:0:0:root:/root:/bin/sh' >"$R/etc/passwd"
	echo 'root:x:0:' >"$R/etc/group"
	dpkg --root="$R" --force-depends --force-script-chrootless -i "$DEB" >"$TMP/dpkg.log" 2>&1
	check "dpkg --root -i installs the package" [ $? -eq 0 ]
	sed 's/^/# dpkg: /' "$TMP/dpkg.log" | grep -v '^# dpkg: *$' | tail -n 5
	check "... its postinst creates the system user sesame" \
		grep -qE '^sesame:x:[0-9]+:[0-9]+:.*:/usr/sbin/nologin$' "$R/etc/passwd"
	check "... and /var/lib/sesame, mode 0700" [ "$(stat -c %a "$R/var/lib/sesame" 2>/dev/null)" = 700 ]
	check "... and the config, mode 0600" [ "$(stat -c %a "$R/etc/sesame/sesamed.conf" 2>/dev/null)" = 600 ]
	check "... which the installed sesamed -t accepts" \
		eval '"$R/usr/sbin/sesamed" -t -c "$R/etc/sesame/sesamed.conf" 2>&1 | grep -q ": OK, 1 door"'
	dpkg --root="$R" --force-script-chrootless --purge sesame >"$TMP/dpkg.log" 2>&1
	rc=$?
	check "dpkg --purge removes it, config included" \
		eval '[ $rc -eq 0 ] && ! [ -e "$R/usr/sbin/sesamed" ] && ! [ -e "$R/etc/sesame/sesamed.conf" ]'
fi
finish
