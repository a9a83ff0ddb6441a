/* SPDX-License-Identifier: GPL-2.0-or-later */
/* numparse — see numparse.h. */
#include "numparse.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

bool parse_ulong(const char *s, unsigned long min, unsigned long max,
		 unsigned long *out)
{
	if (!s || !*s)
		return false;
	unsigned long v = 0;
	for (const char *p = s; *p; p++) {
		/* Byte comparison, not isdigit(): no locale, no sign chars. */
		if (*p < '0' || *p > '9')
			return false;
		unsigned d = (unsigned)(*p - '0');
		/* v * 10 + d > max, written so that it cannot overflow. */
		if (d > max || v > (max - d) / 10)
			return false;
		v = v * 10 + d;
	}
	if (v < min)
		return false;
	*out = v;
	return true;
}

bool parse_port(const char *s, unsigned *out)
{
	unsigned long v;
	if (!parse_ulong(s, 1, 65535, &v))
		return false;
	*out = (unsigned)v;
	return true;
}

bool snprintf_safe(char *buf, size_t len, const char *fmt, ...)
{
	if (len == 0)
		return false;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return n >= 0 && (size_t)n < len;
}
