/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_config — config_parse() and config_lint() on arbitrary bytes.
 * Diagnostics are formatted (so the message paths run) and dropped. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "config.h"

static void drop(void *ctx, int level, const char *msg)
{
	(void)level;
	/* Touch the message so a bad pointer or missing NUL shows up. */
	*(size_t *)ctx += strlen(msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t sink = 0;
	struct config *cfg = NULL;
	/* A directory in the name exercises relative path joining. */
	if (config_parse("/etc/sesame/fuzz.conf", (const char *)data, size,
			 drop, &sink, &cfg) == 0) {
		config_lint(cfg, drop, &sink);
		(void)config_wants_nft(cfg);
		for (size_t i = 0; i < cfg->ndoors; i++) {
			(void)door_is_sequence(&cfg->doors[i]);
			(void)door_is_spa(&cfg->doors[i]);
			(void)config_find_door(cfg, cfg->doors[i].name);
		}
		config_free(cfg);
	} else if (cfg) {
		__builtin_trap();       /* a failed parse must leave *out NULL */
	}
	return 0;
}
