# SPDX-License-Identifier: GPL-2.0-or-later
# Prints every config example of a markdown file or an mdoc page as
#   @@@ FILE:LINE [refused REASON]
#   ...lines...
# Markdown: a fenced block whose first line that is neither blank nor a
# '#' comment is a [section] header.  mdoc: a .Bd -literal block, same test.
# A marker on the line just before the block says the example is wrong on
# purpose (test_docs_examples.sh then checks that sesamed -t refuses it):
#   <!-- example: refused: REASON -->   (markdown)
#   .\" example: refused: REASON         (mdoc)
function flush(   i, first, t) {
	first = ""
	for (i = 1; i <= n; i++) {
		t = buf[i]; sub(/^[ \t]+/, "", t)
		if (t == "" || t ~ /^[#;]/) continue
		first = t; break
	}
	if (first ~ /^\[[^]]+\][ \t]*$/) {
		printf "@@@ %s:%d%s\n", FILENAME, start, skip != "" ? " refused " skip : ""
		for (i = 1; i <= n; i++) print buf[i]
	}
	n = 0
}
FNR == 1 { inblk = 0; prev = ""; mdoc = FILENAME ~ /\.[1-8]$/ }
{
	line = $0
	if (!mdoc) {
		if (!inblk && line ~ /^[ \t]*```/) {
			inblk = 1; start = FNR + 1; n = 0
			skip = ""
			if (prev ~ /<!-- example: refused:/) { skip = prev; sub(/.*example: refused: */, "", skip); sub(/ *-->.*/, "", skip) }
			prev = line; next
		}
		if (inblk && line ~ /^[ \t]*```/) { inblk = 0; flush(); prev = line; next }
		if (inblk) buf[++n] = line
		prev = line; next
	}
	if (!inblk && line ~ /^\.Bd -literal/) {
		inblk = 1; start = FNR + 1; n = 0; skip = ""
		if (prev ~ /^\.\\" example: refused:/) { skip = prev; sub(/.*example: refused: */, "", skip) }
		prev = line; next
	}
	if (inblk && line ~ /^\.Ed/) { inblk = 0; flush(); prev = line; next }
	if (inblk) {
		if (line ~ /^\.\\"/) { prev = line; next }
		gsub(/\\&/, "", line); gsub(/\\e/, "\\", line); gsub(/\\-/, "-", line)
		gsub(/\\\(aq/, "'", line); gsub(/\\\(dq/, "\"", line)
		buf[++n] = line
	}
	prev = line
}
