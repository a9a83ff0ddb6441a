/* SPDX-License-Identifier: GPL-2.0-or-later */
/* portspec — the two ways a port and protocol are written:
 *   knock style  "8881", "8881:tcp", "7777:udp"   (knockd Sequence, knock)
 *   open style   "22/tcp", "tcp/22", "22"          (Open, sesame spa --open)
 * Strict: port 1..65535, protocol tcp or udp (any case), nothing else. */
#ifndef SESAME_PORTSPEC_H
#define SESAME_PORTSPEC_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

/* One knock-style item; DEFAULT_PROTO when there is no suffix. */
bool portspec_parse_knock(const char *s, uint8_t default_proto, struct port_proto *out);
/* One open-style item. */
bool portspec_parse_open(const char *s, uint8_t default_proto, struct port_proto *out);

/* A comma-separated list (spaces around items allowed), knock or open
 * style.  Returns the count, or -1 with a message in ERR naming the bad
 * item (or "too many ports"). */
int portspec_parse_list(const char *s, bool open_style, uint8_t default_proto,
			struct port_proto *out, size_t max, char *err, size_t errlen);

#endif
