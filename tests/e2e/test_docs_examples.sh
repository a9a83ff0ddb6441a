#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Every config example of the docs runs: each sesamed/knockd config shown in
# README.md, docs/*.md and the man pages (dist/man/*.5, *.8) goes through
# `sesamed -t`, which must accept it without a warning.  docs_examples.awk finds them: a
# fenced block in markdown, or a `.Bd -literal` block in a man page, whose
# first line that is not blank or a comment is a [section] header.  Two
# kinds of such blocks are not sesamed configs and are left out: client
# profiles (they name a Host) and systemd units ([Unit], [Service], ...).
#
# An example that is wrong on purpose carries a marker on the line just
# before it, and is then checked to be *refused*, so the marker cannot
# hide a typo:
#   <!-- example: refused: REASON -->     (markdown)
#   .\" example: refused: REASON          (mdoc)
# Files an example names (SPA_Keys, One_Time_Sequences, Sequence_Secrets,
# Fleet_Key_File, Fleet_Password_File, LogFile's directory) are created for it: each example runs in a directory of its
# own under $TMP, with those absolute paths moved there.
. "$(dirname "$0")/lib.sh"
cd "$SESAME_ROOT" || exit 1

awk -f tests/e2e/docs_examples.awk README.md docs/*.md dist/man/*.5 dist/man/*.8 \
	>"$TMP/examples"
n=$(grep -c '^@@@ ' "$TMP/examples")
check "the docs hold config examples ($n)" test "$n" -ge 10

# The files an example names are made for it: SPA_Keys (a private key
# file), One_Time_Sequences (one sequence), Sequence_Secrets (one client's
# secret line), Fleet_Key_File (a fleet key), Fleet_Password_File (a
# password), the directory of LogFile.
# Absolute paths move under the example's directory, so that the test
# reads and writes nothing outside $TMP (sesamed -t opens none of them
# for writing anyway).
KEYS='SPA_Keys|One_Time_Sequences|Sequence_Secrets|Fleet_Key_File|Fleet_Password_File|LogFile'
prepare() {  # dir conf
	local dir=$1 conf=$2 key val path
	sed -i -E "s#^([[:space:]]*($KEYS)[[:space:]]*=[[:space:]]*)/#\\1$dir/#I" "$conf"
	while IFS='=' read -r key val; do
		key=$(tr -d ' \t' <<<"$key" | tr 'A-Z' 'a-z')
		val=$(sed 's/^[ \t]*//; s/[ \t]*$//' <<<"$val")
		case $val in /*) path=$val ;; *) path=$dir/$val ;; esac
		mkdir -p "$(dirname "$path")"
		case $key in
		spa_keys)
			"$SESAME" keygen --name docs -o - 2>/dev/null >"$path"
			chmod 600 "$path" ;;
		one_time_sequences) echo "7000,8000,9000" >"$path" ;;
		sequence_secrets)
			"$SESAME" keygen --sequence docs -o "$dir/docs.seq" 2>/dev/null |
				head -n 1 >"$path"
			chmod 600 "$path" ;;
		fleet_key_file) "$SESAME" keygen --fleet -o "$path" 2>/dev/null ;;
		fleet_password_file)
			echo docs-password >"$path"
			chmod 600 "$path" ;;
		esac
	done < <(grep -iE "^[[:space:]]*($KEYS)[[:space:]]*=" "$conf")
	# Inline fwknop keys: a config that holds them must be private.
	chmod 600 "$conf"
}

# Accepted, and without a warning: an example shows how to write it.
runs() {  # conf
	local out
	out=$("$SESAMED" -t -c "$1" 2>&1) && ! grep -q 'warning:' <<<"$out" ||
		{ while read -r l; do diag "$l"; done <<<"$out"; return 1; }
}
refused() { ! "$SESAMED" -t -c "$1" >/dev/null 2>&1; }

i=0
while IFS= read -r head; do
	i=$((i + 1))
	where=${head#@@@ }; where=${where%% *}
	reason=""
	case $head in *" refused "*) reason=${head#* refused } ;; esac
	dir=$TMP/ex$i
	mkdir -p "$dir"
	awk -v want="$i" '/^@@@ /{ k++; next } k == want' "$TMP/examples" >"$dir/sesamed.conf"
	if grep -qiE '^[[:space:]]*Host[[:space:]]*=' "$dir/sesamed.conf" ||
		grep -qiE '^[[:space:]]*\[(Unit|Service|Install|Timer|Socket|Definition|INCLUDES)\]' "$dir/sesamed.conf"; then
		continue
	fi
	prepare "$dir" "$dir/sesamed.conf"
	if [ -n "$reason" ]; then
		check "$where: refused on purpose ($reason)" refused "$dir/sesamed.conf"
	else
		check "$where: sesamed -t accepts it" runs "$dir/sesamed.conf"
	fi
done < <(grep '^@@@ ' "$TMP/examples")
finish
