#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Bad command lines of every `sesame` subcommand, from a table: each exits
# 1, prints nothing on stdout and exactly one line on stderr, which starts
# with "sesame CMD:" and says what was wrong in the expected words.  Every
# subcommand answers -h/--help and -V/--version the same way.
. "$(dirname "$0")/lib.sh"
ns_setup
export HOME=$TMP/home
unset XDG_CONFIG_HOME
mkdir -p "$HOME" "$TMP/dir"
"$SESAME" keygen -o "$TMP/alice.key" >/dev/null 2>&1
ln -s "$TMP/alice.key" "$TMP/link.key"
printf '[srv]\n\tHost = 198.18.0.1\n\tSequence = 7000\n' >"$TMP/client.conf"
chmod 600 "$TMP/client.conf"
printf '[a]\n\tSequence = 1,2\n\tBogus = 1\n' >"$TMP/rules.conf"

# CMD|EXPECTED WORDS (grep -F)|ARGS (split on blanks)
TABLE=(
	"knock|give ports as separate arguments: 7000 8000 9000|knock $SRV4 7000,8000,9000"
	"knock|missing HOST and PORT|knock"
	"knock|missing PORT after HOST '$SRV4'|knock $SRV4"
	"knock|unknown option '-x'|knock -x $SRV4 1"
	"knock|-4 and -6 exclude each other|knock -4 -6 $SRV4 1"
	"knock|port out of range 1-65535|knock $SRV4 70000"
	"knock|protocol must be tcp or udp|knock $SRV4 22:sctp"
	"spa|-4 and -6 exclude each other|spa -4 -6 $SRV4"
	"spa|HOST is missing|spa"
	"spa|one HOST only|spa $SRV4 $SRV6"
	"spa|missing value after '--key'|spa --key"
	"spa|unknown option '--bogus'|spa --bogus $SRV4"
	"spa|is a symbolic link; key files must not be links|spa --key $TMP/link.key $SRV4"
	"spa|bad port '0'|spa --port 0 $SRV4"
	"spa|-4 and -6 exclude each other|spa --fwknop -4 -6 $SRV4"
	"spa|needs a key (--key-file), an HMAC key (--hmac-key-file) and --open|spa --fwknop $SRV4"
	"spa|$TMP/none: cannot open|spa --fwknop --key-file $TMP/none $SRV4"
	"spa|bad --time-offset|spa --time-offset x $SRV4"
	"keygen|choose another name or remove it|keygen -o $TMP/alice.key"
	"keygen|unexpected argument 'b'|keygen a b"
	"keygen|bad server name 'a/b'|keygen a/b"
	"keygen|unknown option '-q'|keygen -q"
	"keygen|SERVER and -o both name the key file|keygen -o $TMP/x.key srv"
	"status|$TMP/dir is not a socket (a directory)|status --socket $TMP/dir"
	"status|unexpected argument 'foo'|status foo"
	"status|unknown option '--bogus'|status --bogus"
	"rules|--format must be nft or iptables|rules --format x"
	"rules|unknown option '-q'|rules -q"
	"rules|$TMP/rules.conf:3: unknown key 'Bogus'|rules -c $TMP/rules.conf"
	"open|NAME is missing|open"
	"open|$TMP/none.conf: cannot read|open -F $TMP/none.conf srv"
	"open|no profile 'nope'|open -F $TMP/client.conf nope"
	"open|--open does not apply to profile srv (a knock profile)|open -F $TMP/client.conf --open tcp/22 srv"
	"open|-4 and -6 exclude each other|open -4 -6 srv"
	"connect|NAME is missing|connect"
	"connect|bad port '0'|connect -F $TMP/client.conf srv 0"
	"connect|--wait: seconds 1-300|connect -w 0 srv"
	"sequence|-n: a count 1-32|sequence -n 0"
	"sequence|unexpected argument 'x'|sequence x"
	"sequence|missing value after '-n'|sequence -n"
	"|unknown command 'frobnicate'|frobnicate"
)

bad_line() {  # CMD WORDS ARGS...
	local cmd=$1 words=$2 rc=0 prefix; shift 2
	prefix="sesame${cmd:+ $cmd}:"
	in_cli "$SESAME" "$@" >"$TMP/out" 2>"$TMP/err" </dev/null || rc=$?
	if [ "$rc" != 1 ]; then diag "exit status $rc"; return 1; fi
	if [ -s "$TMP/out" ]; then diag "stdout: $(head -n 2 "$TMP/out")"; return 1; fi
	if [ "$(wc -l <"$TMP/err")" != 1 ]; then diag "stderr: $(cat "$TMP/err")"; return 1; fi
	case $(cat "$TMP/err") in
	"$prefix "*) ;;
	*) diag "no '$prefix' prefix: $(cat "$TMP/err")"; return 1 ;;
	esac
	grep -qF -- "$words" "$TMP/err" || { diag "stderr: $(cat "$TMP/err")"; return 1; }
}

for row in "${TABLE[@]}"; do
	IFS='|' read -r cmd words args <<<"$row"
	# shellcheck disable=SC2086
	check "sesame $args: exit 1, one line 'sesame${cmd:+ $cmd}: ...$words...'" \
		bad_line "$cmd" "$words" $args
done

for cmd in knock spa keygen rules status open connect sequence; do
	check "sesame $cmd -h and --help: usage on stdout, exit 0" \
		bash -c "'$SESAME' $cmd -h | grep -q '^usage: sesame $cmd' &&
			'$SESAME' $cmd --help | grep -q '^usage: sesame $cmd'"
	check "sesame $cmd -V and --version: the version, exit 0" \
		bash -c "'$SESAME' $cmd -V | grep -qE '^sesame [0-9]' &&
			'$SESAME' $cmd --version | grep -qE '^sesame [0-9]'"
done
check "sesame spa -h: the default key is named after the local user and host" \
	bash -c "'$SESAME' spa -h | grep -q 'USER and HOST being' && '$SESAME' spa -h | grep -q 'local login and host name'"
check "sesame spa -h documents --time-offset" bash -c "'$SESAME' spa -h | grep -q -- '--time-offset'"

# keygen -o -: the key on stdout, the server's line on stderr, no file '-'.
keygen_stdout() {
	cd "$TMP" && "$SESAME" keygen --name bob -o - >"$TMP/k.out" 2>"$TMP/k.err" &&
		grep -qE '^bob [0-9a-f]{16} [A-Za-z0-9+/]{43}=$' "$TMP/k.out" &&
		grep -qF "$(cat "$TMP/k.out")" "$TMP/k.err" && [ ! -e "$TMP/-" ]
}
check "sesame keygen -o - writes the key to stdout, the line to stderr, no file '-'" keygen_stdout
finish
