/* SPDX-License-Identifier: GPL-2.0-or-later */
/* config_dump — the effective configuration as text (`sesamed
 * --dump-config`, like fwknopd -D): every key of [options] and of each
 * door with the value sesamed uses, defaults and command-line overrides
 * included, in the config file's own syntax.
 *
 * Each key is a line "\tKEY = VALUE", after a comment line "\t# KEY:
 * default" when VALUE is the default or "\t# KEY: from -X" when a flag
 * overrides the file; a key that is not set is a comment line "\t# KEY:
 * not set (MEANING)".  No comment follows a value, so the dump loads
 * again as the same config (flags' values included).  Keys
 * that do not apply to a door's kind (SPA keys on a knock door...) are
 * left out.  Secrets (fwknop keys) are never printed: their lines say
 * "(N bytes, not shown)": a reloaded dump lacks them.
 */
#ifndef SESAME_CONFIG_DUMP_H
#define SESAME_CONFIG_DUMP_H

#include <stdio.h>

#include "config.h"

/* Command-line values that replace the file's; NULL: none. */
struct config_overrides {
	const char *interface;          /* -i */
	const char *log_file;           /* -g */
	const char *pid_file;           /* -p */
};

void config_dump(const struct config *cfg, const struct config_overrides *o, FILE *out);

#endif
