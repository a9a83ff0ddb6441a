/* SPDX-License-Identifier: GPL-2.0-or-later */
/* knock_send — the sending half of `sesame knock`, shared by its plain,
 * rotating and one-time forms (cmd_knock.c, cmd_knock_rotating.c). */
#ifndef SESAME_KNOCK_SEND_H
#define SESAME_KNOCK_SEND_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

/* Resolves HOST (FAMILY: AF_UNSPEC, AF_INET or AF_INET6) and sends one
 * packet per hit, DELAY_MS apart, printing each with VERBOSE.  Returns
 * the exit status (0, or 1 after printing why). */
int knock_send(const char *host, int family, const struct port_proto *hits, size_t n,
	       unsigned delay_ms, bool verbose);

/* True when ARGV asks for a rotating (--secret-file) or one-time
 * (--one-time) knock, which cmd_knock_rotating() handles. */
bool knock_rotating_wanted(int argc, char **argv);
int cmd_knock_rotating(int argc, char **argv);

#endif
