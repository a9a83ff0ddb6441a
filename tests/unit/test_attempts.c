/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the bounded attempt table: lookups, lists, eviction order,
 * and a randomized comparison against a naive model. */
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "attempts.h"

static struct addr v4(uint32_t n)
{
	struct addr a = { .family = AF_INET };
	a.bytes[0] = 10;
	a.bytes[1] = (uint8_t)(n >> 16);
	a.bytes[2] = (uint8_t)(n >> 8);
	a.bytes[3] = (uint8_t)n;
	return a;
}

static struct addr v6(uint32_t n)
{
	struct addr a = { .family = AF_INET6 };
	a.bytes[0] = 0x20;
	a.bytes[1] = 0x01;
	a.bytes[2] = 0x0d;
	a.bytes[3] = 0xb8;
	memcpy(a.bytes + 12, &n, 4);
	return a;
}

static struct attempts *table(size_t limit, size_t ndoors)
{
	struct attempts *t = NULL;
	assert_int_equal(attempts_new(limit, ndoors, &t), 0);
	return t;
}

static void bad_sizes_refused(void **state)
{
	(void)state;
	struct attempts *t = NULL;
	assert_int_equal(attempts_new(0, 1, &t), -EINVAL);
	assert_int_equal(attempts_new((size_t)1 << 40, 1, &t), -EINVAL);
	assert_null(t);
	t = table(1, 0);        /* no doors at all is legal, if useless */
	assert_int_equal(attempts_count(t, 0), 0);
	assert_null(attempts_oldest(t, 0));
	attempts_free(t);
	attempts_free(NULL);
}

static void add_find_remove(void **state)
{
	(void)state;
	struct attempts *t = table(8, 3);
	struct addr a = v4(1), b = v4(2), c6 = v6(1);
	struct attempt *x = attempts_add(t, &a, 0, 100, 1000, NULL, NULL);
	struct attempt *y = attempts_add(t, &a, 2, 101, 1001, NULL, NULL);
	struct attempt *z = attempts_add(t, &c6, 0, 102, 1002, NULL, NULL);
	assert_ptr_equal(attempts_find(t, &a, 0), x);
	assert_ptr_equal(attempts_find(t, &a, 2), y);
	assert_ptr_equal(attempts_find(t, &c6, 0), z);
	assert_null(attempts_find(t, &a, 1));
	assert_null(attempts_find(t, &b, 0));
	/* Same bytes, other family: another source. */
	struct addr a6 = { .family = AF_INET6 };
	memcpy(a6.bytes, a.bytes, 4);
	assert_null(attempts_find(t, &a6, 0));
	assert_int_equal(x->stage, 1);
	assert_int_equal(x->sport, 100);
	assert_int_equal(x->start_ms, 1000);
	assert_int_equal(attempts_count(t, 0), 2);
	assert_int_equal(attempts_count(t, 2), 1);
	assert_int_equal(attempts_used(t), 3);

	attempts_advance(t, x, 200);
	assert_int_equal(x->stage, 2);
	assert_int_equal(x->sport, 200);
	attempts_remove(t, x);
	assert_null(attempts_find(t, &a, 0));
	assert_ptr_equal(attempts_find(t, &a, 2), y);
	assert_int_equal(attempts_count(t, 0), 1);
	assert_int_equal(attempts_used(t), 2);
	attempts_free(t);
}

static void door_lists_in_start_order(void **state)
{
	(void)state;
	struct attempts *t = table(16, 2);
	struct attempt *p[5];
	for (uint32_t i = 0; i < 5; i++) {
		struct addr a = v4(i);
		p[i] = attempts_add(t, &a, 1, 0, 10 * i, NULL, NULL);
	}
	assert_null(attempts_oldest(t, 0));
	assert_ptr_equal(attempts_oldest(t, 1), p[0]);
	/* A restart moves the attempt to the end: it is now the youngest. */
	attempts_restart(t, p[0], 9, 100);
	attempts_remove(t, p[2]);
	struct attempt *want[] = { p[1], p[3], p[4], p[0] };
	const struct attempt *it = attempts_oldest(t, 1);
	for (size_t k = 0; k < 4; k++, it = attempts_next(t, it))
		assert_ptr_equal(it, want[k]);
	assert_null(it);
	assert_int_equal(p[0]->start_ms, 100);
	assert_int_equal(p[0]->stage, 1);
	attempts_free(t);
}

static void eviction_least_advanced_oldest(void **state)
{
	(void)state;
	struct attempts *t = table(4, 1);
	struct addr a[8];
	for (uint32_t i = 0; i < 8; i++)
		a[i] = v4(i);
	struct attempt *x0 = attempts_add(t, &a[0], 0, 0, 0, NULL, NULL);
	attempts_add(t, &a[1], 0, 0, 1, NULL, NULL);
	struct attempt *x2 = attempts_add(t, &a[2], 0, 0, 2, NULL, NULL);
	attempts_add(t, &a[3], 0, 0, 3, NULL, NULL);
	attempts_advance(t, x0, 0);             /* a0 at stage 2 */
	attempts_advance(t, x2, 0);
	attempts_advance(t, x2, 0);             /* a2 at stage 3 */

	struct attempt ev;
	bool did;
	attempts_add(t, &a[4], 0, 0, 4, &ev, &did);
	assert_true(did);
	assert_true(addr_equal(&ev.addr, &a[1]));       /* oldest stage 1 */
	assert_null(attempts_find(t, &a[1], 0));
	attempts_add(t, &a[5], 0, 0, 5, &ev, &did);
	assert_true(addr_equal(&ev.addr, &a[3]));
	attempts_add(t, &a[6], 0, 0, 6, &ev, &did);
	assert_true(addr_equal(&ev.addr, &a[4]));
	/* Only progress left besides the newest stage-1: still stage 1 goes. */
	attempts_add(t, &a[7], 0, 0, 7, &ev, &did);
	assert_true(addr_equal(&ev.addr, &a[5]));
	assert_int_equal(ev.stage, 1);
	assert_non_null(attempts_find(t, &a[0], 0));
	assert_non_null(attempts_find(t, &a[2], 0));
	/* Make every attempt advanced: then stage 2 goes before stage 3. */
	attempts_advance(t, attempts_find(t, &a[6], 0), 0);
	attempts_advance(t, attempts_find(t, &a[7], 0), 0);
	attempts_add(t, &a[1], 0, 0, 8, &ev, &did);
	assert_true(did);
	assert_int_equal(ev.stage, 2);
	assert_true(addr_equal(&ev.addr, &a[0]));       /* first into stage 2 */
	assert_non_null(attempts_find(t, &a[2], 0));
	assert_int_equal(attempts_used(t), 4);
	/* Not full: no eviction. */
	attempts_remove(t, attempts_find(t, &a[1], 0));
	attempts_add(t, &a[3], 0, 0, 9, &ev, &did);
	assert_false(did);
	attempts_free(t);
}

/* Resident set size in KiB, from /proc/self/statm. */
static long rss_kib(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	assert_non_null(f);
	long size, resident;
	assert_int_equal(fscanf(f, "%ld %ld", &size, &resident), 2);
	fclose(f);
	return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

/* A table sized for a flood costs its memory only when a flood comes:
 * the 4 MiB pool of StateLimit 65536 is not faulted in at creation. */
static void new_table_is_not_resident(void **state)
{
	(void)state;
	long before = rss_kib();
	struct attempts *t = table(65536, 2);
	long grown = rss_kib() - before;
	assert_true(attempts_memory(t) >= 65536 * sizeof(struct attempt));
	assert_true(grown < 1024);
	attempts_free(t);
}

static void flood_keeps_the_knocker(void **state)
{
	(void)state;
	const size_t limit = 65536;
	struct attempts *t = table(limit, 2);
	size_t mem = attempts_memory(t);
	assert_true(mem >= limit * sizeof(struct attempt));
	long rss_before = rss_kib();    /* (first: stdio allocates once) */
	struct mallinfo2 before = mallinfo2();
	uint32_t n = 0;
	for (; n < limit; n++) {
		struct addr a = v4(n);
		attempts_add(t, &a, n % 2, 1, n, NULL, NULL);
	}
	/* The pool is faulted in as it is used, and never beyond its size. */
	long rss_full = rss_kib();
	assert_true(rss_full - rss_before <= (long)(mem / 1024) + 1024);
	struct addr real = v6(7);
	struct attempt *r = attempts_add(t, &real, 1, 2, n, NULL, NULL);
	attempts_advance(t, r, 3);
	for (size_t k = 0; k < 10 * limit; k++, n++) {
		struct addr a = v4(n);
		bool did;
		attempts_add(t, &a, n % 2, 1, n, NULL, &did);
		assert_true(did);
	}
	assert_ptr_equal(attempts_find(t, &real, 1), r);
	assert_int_equal(r->stage, 2);
	assert_int_equal(attempts_used(t), limit);
	assert_int_equal(attempts_memory(t), mem);
	struct mallinfo2 after = mallinfo2();
	assert_int_equal(after.uordblks, before.uordblks);
	/* Once full, ten times more sources cost no memory at all: the
	 * daemon's RSS is bounded by StateLimit, not by the flood. */
	long grown = rss_kib() - rss_full;
	assert_true(grown < 1024);
	/* The oldest noise went first: the survivors are the newest. */
	struct addr newest = v4(n - 1), gone = v4(n - limit);
	assert_non_null(attempts_find(t, &newest, (n - 1) % 2));
	assert_null(attempts_find(t, &gone, (n - limit) % 2));
	attempts_free(t);
}

/* ---- randomized comparison with a naive model -------------------------- */

struct model {
	bool live;
	struct addr addr;
	uint32_t door;
	uint8_t stage;
	uint64_t stage_since;   /* when it entered its stage: LRU order */
	uint64_t start;
};

static uint64_t rng = 0x243f6a8885a308d3ull;
static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

static struct model *model_find(struct model *m, size_t n, const struct addr *a, uint32_t door)
{
	for (size_t i = 0; i < n; i++)
		if (m[i].live && m[i].door == door && addr_equal(&m[i].addr, a))
			return &m[i];
	return NULL;
}

static void matches_model(void **state)
{
	(void)state;
	enum { LIMIT = 37, DOORS = 3, ADDRS = 60, STEPS = 200000, M = 64 };
	struct attempts *t = table(LIMIT, DOORS);
	struct model m[M];
	memset(m, 0, sizeof m);
	uint64_t clock = 0;
	for (int step = 0; step < STEPS; step++) {
		clock++;
		struct addr a = rnd(2) ? v4(rnd(ADDRS)) : v6(rnd(ADDRS));
		uint32_t door = rnd(DOORS);
		struct attempt *x = attempts_find(t, &a, door);
		struct model *y = model_find(m, M, &a, door);
		assert_true((x == NULL) == (y == NULL));
		if (!x) {
			size_t live = 0, victim = M, slot = M;
			for (size_t i = 0; i < M; i++) {
				if (!m[i].live) {
					if (slot == M)
						slot = i;
					continue;
				}
				live++;
				if (victim == M || m[i].stage < m[victim].stage ||
				    (m[i].stage == m[victim].stage &&
				     m[i].stage_since < m[victim].stage_since))
					victim = i;
			}
			struct attempt ev;
			bool did;
			attempts_add(t, &a, door, 0, clock, &ev, &did);
			assert_int_equal(did, live == LIMIT);
			if (did) {
				assert_true(addr_equal(&ev.addr, &m[victim].addr));
				assert_int_equal(ev.door, m[victim].door);
				m[victim].live = false;
				if (slot == M)
					slot = victim;
			}
			m[slot] = (struct model){ true, a, door, 1, clock, clock };
			continue;
		}
		assert_int_equal(x->stage, y->stage);
		assert_int_equal(x->start_ms, y->start);
		switch (rnd(4)) {
		case 0:
			attempts_remove(t, x);
			y->live = false;
			break;
		case 1:
			attempts_restart(t, x, 0, clock);
			y->stage = 1;
			y->stage_since = y->start = clock;
			break;
		default:
			if (y->stage + 1 < ATTEMPT_STAGES) {
				attempts_advance(t, x, 0);
				y->stage++;
				y->stage_since = clock;
			}
		}
		/* Per door counts and start order agree with the model. */
		if (step % 1000 == 0) {
			size_t total = 0;
			for (uint32_t dr = 0; dr < DOORS; dr++) {
				size_t cnt = 0;
				for (size_t i = 0; i < M; i++)
					cnt += m[i].live && m[i].door == dr;
				assert_int_equal(attempts_count(t, dr), cnt);
				total += cnt;
				uint64_t prev = 0;
				size_t walked = 0;
				for (const struct attempt *it = attempts_oldest(t, dr); it;
				     it = attempts_next(t, it), walked++) {
					assert_true(it->start_ms >= prev);
					prev = it->start_ms;
				}
				assert_int_equal(walked, cnt);
			}
			assert_int_equal(attempts_used(t), total);
		}
	}
	attempts_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bad_sizes_refused),
		cmocka_unit_test(add_find_remove),
		cmocka_unit_test(door_lists_in_start_order),
		cmocka_unit_test(eviction_least_advanced_oldest),
		cmocka_unit_test(new_table_is_not_resident),
		cmocka_unit_test(flood_keeps_the_knocker),
		cmocka_unit_test(matches_model),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
