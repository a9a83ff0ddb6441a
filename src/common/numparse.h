/* SPDX-License-Identifier: GPL-2.0-or-later */
/* numparse — locale-independent number parsing for config and argv.
 * Never atoi: "abc", "", "12x", "-1" and out-of-range values are refused. */
#ifndef SESAME_NUMPARSE_H
#define SESAME_NUMPARSE_H

#include <stdbool.h>
#include <stddef.h>

/* Decimal digits only (no sign, no spaces, no 0x), value in [min, max]. */
bool parse_ulong(const char *s, unsigned long min, unsigned long max,
		 unsigned long *out);
/* A port 1..65535. */
bool parse_port(const char *s, unsigned *out);
/* snprintf that always terminates and reports truncation as false. */
bool snprintf_safe(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
