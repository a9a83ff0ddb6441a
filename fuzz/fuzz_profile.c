/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_profile — the client's profile files on arbitrary bytes: the first
 * byte chooses client.conf (profile_parse, then every profile's command
 * line and lookup) or ~/.fwknoprc (fwknoprc_parse of stanza "srv").
 * Messages are formatted and not printed. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	struct profile_diag d = { .cmd = "fuzz", .quiet = true };
	const char *text = (const char *)data + 1;
	size_t len = size - 1;
	if (data[0] & 1) {
		struct profile p;
		memset(&p, 0xa5, sizeof p);
		int rc = fwknoprc_parse("/home/u/.fwknoprc", text, len, "srv", &d, &p);
		if (rc == 1) {
			struct profile_argv a;
			int argc = profile_argv(&p, true, true, &a);
			for (int i = 0; i < argc; i++)
				if (!a.argv[i] || strlen(a.argv[i]) > sizeof p)
					__builtin_trap();
		} else if (rc < 0 && d.errors == 0) {
			__builtin_trap();       /* refused without a word */
		}
		return 0;
	}
	struct profile *all = NULL;
	size_t n = 0;
	int rc = profile_parse("/home/u/.config/sesame/client.conf", text, len, &d, &all, &n);
	if (rc == 0) {
		for (size_t i = 0; i < n; i++) {
			struct profile_argv a;
			int argc = profile_argv(&all[i], i & 1, i & 2, &a);
			if (argc < 2 || a.argv[argc] != NULL)
				__builtin_trap();
			if (profile_find(all, n, all[i].name) == NULL)
				__builtin_trap();
			(void)profile_runner(&all[i]);
		}
		profile_free_all(all, n);
	} else if (all || d.errors == 0) {
		__builtin_trap();
	}
	return 0;
}
