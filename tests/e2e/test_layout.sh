#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The source tree's process boundary, checked from outside the compiler:
# which folder may include which headers, and that the client binary holds
# no daemon code.  The Makefile already compiles each role with only its
# own include paths; this catches a path smuggled in by hand
# ("../parent/x.h") and a Makefile that stops enforcing the cut.
set -u
cd "$(dirname "$0")/../.."
BUILD=${SESAME_BUILD:-build}
n=0 bad=0
ok()    { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); bad=$((bad + 1)); echo "not ok $n - $*"; }

# Role of a source path: common, sesame, sesamed, parent, worker.
role() {
	case $1 in
	src/common/*) echo common ;;
	src/sesame/*) echo sesame ;;
	src/sesamed/parent/*) echo parent ;;
	src/sesamed/worker/*) echo worker ;;
	src/sesamed/*) echo sesamed ;;
	*) echo none ;;
	esac
}
# The folders a role may take headers from.
allowed() {
	case $1 in
	common)  echo "src/common" ;;
	sesame)  echo "src/common src/sesame" ;;
	sesamed) echo "src/common src/sesamed" ;;
	worker)  echo "src/common src/sesamed src/sesamed/worker" ;;
	parent)  echo "src/common src/sesamed src/sesamed/parent" ;;
	esac
}
# The only worker headers the parent uses: opening the worker's capture as
# root before the fork, and the entry point its forked child runs.
parent_exceptions="worker/worker.h worker/capture.h"

stray=$(find src -maxdepth 1 -type f -name '*.[ch]')
[ -z "$stray" ] && ok "no source file outside the role folders" \
	|| notok "source files outside the role folders: $stray"

viol=()
while IFS= read -r f; do
	r=$(role "$f")
	[ "$r" = none ] && { viol+=("$f: not in a role folder"); continue; }
	dir=$(dirname "$f")
	while IFS= read -r inc; do
		# Quoted includes resolve next to the including file first.
		if [ -f "$dir/$inc" ] && [ "$(dirname "$(realpath -m "$dir/$inc")")" = "$(realpath "$dir")" ]; then
			continue
		fi
		if [ "$r" = parent ] && [[ " $parent_exceptions " == *" $inc "* ]]; then
			continue
		fi
		found=
		for a in $(allowed "$r"); do
			[[ $inc == */* ]] && break
			[ -f "$a/$inc" ] && { found=$a; break; }
		done
		[ -n "$found" ] || viol+=("$f includes \"$inc\" ($r may use: $(allowed "$r"))")
	done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f")
done < <(find src -type f -name '*.[ch]' | sort)
if [ ${#viol[@]} -eq 0 ]; then
	ok "every #include stays inside its role's folders"
else
	notok "includes across the process boundary"
	printf '#   %s\n' "${viol[@]}"
fi

# A planted violation must be caught: the check above is run on a scratch
# copy of one worker file that includes a parent header.
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/src/sesamed/worker" "$tmp/src/sesamed/parent"
echo '#include "gate_nft.h"' >"$tmp/src/sesamed/worker/planted.c"
touch "$tmp/src/sesamed/parent/gate_nft.h"
planted=$(cd "$tmp" && for a in $(allowed worker); do [ -f "$a/gate_nft.h" ] && echo found; done)
[ -z "$planted" ] && ok "a worker file including a parent header would be refused" \
	|| notok "the allowed-folder rule lets a worker include a parent header"

# The client links libcommon.a and its own objects only: no symbol that a
# daemon object defines may be defined in build/sesame.
if [ -x "$BUILD/sesame" ] && [ -f "$BUILD/libdaemon.a" ]; then
	daemon_syms=$(nm -g --defined-only "$BUILD/libdaemon.a" 2>/dev/null | awk 'NF == 3 && $2 ~ /[TDBR]/ {print $3}' | sort -u)
	client_syms=$(nm --defined-only "$BUILD/sesame" 2>/dev/null | awk 'NF == 3 {print $3}' | sort -u)
	both=$(comm -12 <(echo "$daemon_syms") <(echo "$client_syms"))
	[ -n "$daemon_syms" ] && [ -z "$both" ] && ok "the client binary holds no daemon object ($(echo "$daemon_syms" | wc -l) daemon symbols checked)" \
		|| notok "daemon symbols in the client: ${both:-(no daemon symbols found)}"
	daemon_objs=$(ar t "$BUILD/libdaemon.a" | wc -l)
	common_objs=$(ar t "$BUILD/libcommon.a" | wc -l)
	[ "$daemon_objs" -gt 0 ] && [ "$common_objs" -gt 0 ] && ok "daemon ($daemon_objs objects) and common ($common_objs) archives built apart" \
		|| notok "archives missing: daemon $daemon_objs, common $common_objs"
else
	notok "no $BUILD/sesame or $BUILD/libdaemon.a to check (build first)"
fi

echo "1..$n"
[ "$bad" -eq 0 ]
