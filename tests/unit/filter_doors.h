/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Doors built as structs for the capture filter's unit tests
 * (test_capture.c, test_capture_filter.c): a name, the default timeout,
 * then the sequence a port at a time. */
#ifndef SESAME_TEST_FILTER_DOORS_H
#define SESAME_TEST_FILTER_DOORS_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "config.h"

static inline void door_init(struct door *d, const char *name)
{
	memset(d, 0, sizeof *d);
	snprintf(d->name, sizeof d->name, "%s", name);
	d->seq_timeout_ms = 25000;
}

static inline void door_seq(struct door *d, uint16_t port, uint8_t proto)
{
	assert_true(d->seq_len < CONFIG_SEQ_MAX);
	d->seq[d->seq_len].port = port;
	d->seq[d->seq_len].proto = proto;
	d->seq_len++;
}

#endif
