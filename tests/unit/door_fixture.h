/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared fixtures of the door unit tests: configs built as structs,
 * synthetic knock_events, fake time, and log capture to a scratch file.
 * Included by tests/unit/test_door*.c (each its own binary). */
#ifndef SESAME_TEST_DOOR_FIXTURE_H
#define SESAME_TEST_DOOR_FIXTURE_H

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "addr.h"
#include "door.h"
#include "log.h"

#define T PROTO_TCP
#define U PROTO_UDP

static inline struct config *cfg_new(size_t ndoors)
{
	struct config *c = calloc(1, sizeof *c);
	assert_non_null(c);
	c->state_limit = 1024;
	c->ndoors = ndoors;
	c->doors = calloc(ndoors, sizeof *c->doors);
	assert_non_null(c->doors);
	return c;
}

static inline void cfg_free(struct config *c)
{
	for (size_t i = 0; i < c->ndoors; i++)
		free(c->doors[i].one_time_file);
	free(c->doors);
	free(c);
}

/* Door I: NAME, timeout MS, then N port/proto pairs. */
static inline struct door *door_set(struct config *c, size_t i, const char *name,
			     unsigned timeout_ms, size_t n, ...)
{
	struct door *d = &c->doors[i];
	snprintf(d->name, sizeof d->name, "%s", name);
	d->seq_timeout_ms = timeout_ms;
	va_list ap;
	va_start(ap, n);
	for (size_t k = 0; k < n; k++) {
		d->seq[k].port = (uint16_t)va_arg(ap, int);
		d->seq[k].proto = (uint8_t)va_arg(ap, int);
	}
	va_end(ap);
	d->seq_len = n;
	return d;
}

static inline struct addr ip(const char *s)
{
	struct addr a;
	assert_true(addr_parse(s, &a));
	return a;
}

static inline struct knock_event ev_full(const char *src, uint16_t sport, const char *dst,
				  uint16_t dport, uint8_t proto, uint8_t flags)
{
	struct knock_event e;
	memset(&e, 0, sizeof e);
	e.saddr = ip(src);
	e.daddr = ip(dst);
	e.sport = sport;
	e.dport = dport;
	e.proto = proto;
	e.tcpflags = proto == PROTO_TCP ? flags : 0;
	return e;
}

/* A SYN (or a datagram) from SRC:SPORT to DPORT on the default server. */
static inline struct knock_event ev(const char *src, uint16_t sport, uint16_t dport, uint8_t proto)
{
	return ev_full(src, sport, strchr(src, ':') ? "2001:db8:5e5::1" : "198.18.0.1",
		       dport, proto, TCPF_SYN);
}

static struct grant gr[8];

static inline size_t feed(struct doors *d, struct knock_event e, uint64_t now)
{
	memset(gr, 0xa5, sizeof gr);
	return doors_feed(d, &e, now, gr, 8);
}

/* Log capture: every test logs to a scratch file, read back by log_has. */
static char logpath[] = "/tmp/test_door_log.XXXXXX";
/* One-time sequence files go into a scratch directory. */
static char otdir[] = "/tmp/test_door_ot.XXXXXX";
static bool otdir_made;

static inline int log_setup(void **state)
{
	(void)state;
	int fd = mkstemp(logpath);
	assert_true(fd >= 0);
	close(fd);
	/* TEST_DOOR_STDERR=1 shows the decisions while debugging. */
	log_to_stderr(getenv("TEST_DOOR_STDERR") != NULL);
	log_set_level(LOG_DEBUG);
	return log_to_file(logpath);
}

static inline int log_teardown(void **state)
{
	(void)state;
	log_close();
	unlink(logpath);
	if (otdir_made)
		rmdir(otdir);
	return 0;
}

static inline void log_reset(void)
{
	assert_int_equal(truncate(logpath, 0), 0);
}

static inline bool log_has(const char *needle)
{
	FILE *f = fopen(logpath, "r");
	assert_non_null(f);
	char line[1024];
	bool found = false;
	while (!found && fgets(line, sizeof line, f))
		found = strstr(line, needle) != NULL;
	fclose(f);
	return found;
}

static inline struct doors *doors_make(const struct config *c)
{
	struct doors *d = NULL;
	assert_int_equal(doors_new(c, &d), 0);
	assert_non_null(d);
	return d;
}

static inline size_t log_count(const char *needle)
{
	FILE *f = fopen(logpath, "r");
	assert_non_null(f);
	char line[1024];
	size_t n = 0;
	while (fgets(line, sizeof line, f))
		n += strstr(line, needle) != NULL;
	fclose(f);
	return n;
}



static inline char *ot_file(const char *name, const char *text)
{
	if (!otdir_made)
		assert_non_null(mkdtemp(otdir));
	otdir_made = true;
	char *path = NULL;
	assert_true(asprintf(&path, "%s/%s", otdir, name) > 0);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static inline char *slurp(const char *path)
{
	static char buf[4096];
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

#endif
