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

/* --test: prints the N hits that knock_send() would send to HOST, sends
 * nothing (not even a name lookup).  Returns the exit status. */
int knock_print_test(const char *host, int family, const struct port_proto *hits, size_t n,
		     unsigned delay_ms);

#endif
