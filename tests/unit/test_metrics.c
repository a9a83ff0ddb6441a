/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of metrics: a renewed grant is one grant to expire, a
 * revoked one never expires, the workers' reports add up across workers,
 * and the Prometheus text names every door of the config. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "log.h"
#include "loop.h"
#include "metrics.h"

static struct config cfg;
static struct door doors[2];

static void setup_cfg(void)
{
	memset(doors, 0, sizeof doors);
	snprintf(doors[0].name, sizeof doors[0].name, "ssh");
	doors[0].seq_len = 3;
	snprintf(doors[1].name, sizeof doors[1].name, "Open \"x\"");
	doors[1].spa_format = SPA_FORMAT_SESAME;
	memset(&cfg, 0, sizeof cfg);
	cfg.doors = doors;
	cfg.ndoors = 2;
}

/* The value of the sample line starting with SERIES, or -1. */
static long long value(const char *text, const char *series)
{
	size_t n = strlen(series);
	for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (strncmp(p, series, n) == 0 && p[n] == ' ')
			return atoll(p + n + 1);
	return -1;
}

static char *render(struct metrics *m)
{
	struct strbuf sb = STRBUF_INIT;
	metrics_render(m, &cfg, true, 5, &sb);
	assert_false(strbuf_failed(&sb));
	char *s = strdup(strbuf_str(&sb));
	strbuf_fini(&sb);
	return s;
}

static void grants_end_once(void **state)
{
	(void)state;
	log_to_stderr(false);
	setup_cfg();
	struct metrics *m;
	assert_int_equal(metrics_new(NULL, &m), 0);
	struct addr a, b;
	assert_true(addr_parse("198.18.0.2", &a));
	assert_true(addr_parse("2001:db8::2", &b));
	uint64_t now = loop_now_ms();
	metrics_granted(m, "ssh", &a, now + 60000);
	metrics_granted(m, "ssh", &a, now + 1);         /* a renewal: same grant */
	metrics_granted(m, "ssh", &b, now - 1);         /* already over */
	char *t = render(m);
	assert_int_equal(value(t, "sesame_grants_total{door=\"ssh\"}"), 3);
	assert_int_equal(value(t, "sesame_grants_expired_total{door=\"ssh\"}"), 1);
	free(t);
	metrics_revoked(m, "ssh", &a);
	t = render(m);
	assert_int_equal(value(t, "sesame_grants_revoked_total{door=\"ssh\"}"), 1);
	assert_int_equal(value(t, "sesame_grants_expired_total{door=\"ssh\"}"), 1);
	/* A label value with a quote is escaped. */
	assert_int_equal(value(t, "sesame_grants_total{door=\"Open \\\"x\\\"\"}"), 0);
	free(t);
	metrics_free(m);
}

static void workers_add_up(void **state)
{
	(void)state;
	setup_cfg();
	struct metrics *m;
	assert_int_equal(metrics_new(NULL, &m), 0);
	struct ps_msg k, s;
	memset(&k, 0, sizeof k);
	k.type = PS_KNOCKS;
	k.knocks[0].stage[2] = 4;
	k.knocks[0].wrong = 2;
	memset(&s, 0, sizeof s);
	s.type = PS_STATUS;
	s.counters.frames = 10;
	s.counters.spa_refused[SPA_R_AUTH] = 3;
	metrics_worker_knocks(m, &cfg, &k);
	metrics_worker_status(m, &s);
	metrics_worker_knocks(m, &cfg, &k);             /* a newer report replaces */
	metrics_worker_status(m, &s);
	metrics_worker_ended(m);                        /* the next worker starts at 0 */
	k.knocks[0].stage[2] = 1;
	s.counters.frames = 5;
	metrics_worker_knocks(m, &cfg, &k);
	metrics_worker_status(m, &s);
	metrics_worker_restarted(m);
	char *t = render(m);
	assert_int_equal(value(t, "sesame_knocks_total{door=\"ssh\",stage=\"3\"}"), 5);
	assert_int_equal(value(t, "sesame_knocks_total{door=\"ssh\",stage=\"1\"}"), 0);
	assert_int_equal(value(t, "sesame_knocks_wrong_total{door=\"ssh\"}"), 4);
	assert_int_equal(value(t, "sesame_packets_total"), 15);
	assert_int_equal(value(t, "sesame_spa_refused_total{reason=\"bad_mac\"}"), 6);
	assert_int_equal(value(t, "sesame_worker_restarts_total"), 1);
	/* An SPA door has no knock series. */
	assert_null(strstr(t, "sesame_knocks_total{door=\"Open"));
	free(t);
	metrics_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(grants_end_once),
		cmocka_unit_test(workers_add_up),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
