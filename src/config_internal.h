/* config_internal — shared between config.c and config_lint.c only. */
#ifndef SESAME_CONFIG_INTERNAL_H
#define SESAME_CONFIG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <syslog.h>

#include "config.h"

/* Formats "NAME:LINE: [warning: ]MSG" (or "NAME: ..." when LINE is 0) and
 * hands it to DIAG, or prints it to stderr when DIAG is NULL. */
void config_report(config_diag_fn diag, void *ctx, int level,
		   const char *name, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

/* Letters, digits, '_' and '-', first a letter or '_', 1..MAX bytes: safe
 * as (part of) an nft table, set or chain name and an iptables list. */
bool config_name_valid(const char *s, size_t max);

/* Checks the files a loaded config names that knockd reads at start
 * (One_Time_Sequences).  Returns 0 or -EINVAL (reported). */
int config_check_files(const struct config *cfg, config_diag_fn diag, void *ctx);

#endif
