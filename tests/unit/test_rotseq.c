/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of rotseq: the published test vectors (made by the
 * independent Python implementation in tests/vectors/rotseq/), the
 * properties of the rejection sampling, and the secret files. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>

#include "base64.h"
#include "portspec.h"
#include "rotseq.h"

#define VECTORS "tests/vectors/rotseq/vectors.txt"

/* The value of FIELD= in LINE, into OUT. */
static bool field(const char *line, const char *name, char *out, size_t len)
{
	char key[32];
	snprintf(key, sizeof key, " %s=", name);
	const char *p = strstr(line, key);
	if (!p && strncmp(line, key + 1, strlen(key + 1)) == 0)
		p = line - 1;
	if (!p)
		return false;
	p += strlen(key);
	size_t n = strcspn(p, " \n");
	if (n >= len)
		return false;
	memcpy(out, p, n);
	out[n] = '\0';
	return true;
}

static void check_vector(const char *line)
{
	char name[64], secret[128], door[64], counter[32], protos[16], ports[32], exclude[256],
	     length[8], bind[64], seqs[1024];
	assert_true(field(line, "name", name, sizeof name));
	assert_true(field(line, "secret", secret, sizeof secret));
	assert_true(field(line, "door", door, sizeof door));
	assert_true(field(line, "counter", counter, sizeof counter));
	assert_true(field(line, "protocols", protos, sizeof protos));
	assert_true(field(line, "ports", ports, sizeof ports));
	assert_true(field(line, "exclude", exclude, sizeof exclude));
	assert_true(field(line, "length", length, sizeof length));
	assert_true(field(line, "bind", bind, sizeof bind));
	assert_true(field(line, "seq", seqs, sizeof seqs));

	uint8_t key[ROTSEQ_SECRET_MAX];
	long klen = base64_decode(secret, strlen(secret), key, sizeof key);
	assert_true(klen > 0);
	/* The counter the vector gives is the one time/period makes. */
	char t[32], period[16];
	assert_true(field(line, "time", t, sizeof t));
	assert_true(field(line, "period", period, sizeof period));
	assert_int_equal(rotseq_counter(strtoll(t, NULL, 10), (unsigned)atoi(period)),
			 strtoull(counter, NULL, 10));

	uint8_t *ex = calloc(1, ROTSEQ_BITMAP_BYTES);
	assert_non_null(ex);
	if (strcmp(exclude, "-") != 0) {
		for (char *s = strtok(exclude, ","); s; s = strtok(NULL, ","))
			rotseq_bit_set(ex, (uint16_t)atoi(s));
	}
	uint16_t lo, hi;
	assert_true(rotseq_parse_range(ports, &lo, &hi));
	struct rotseq_set set;
	assert_int_equal(rotseq_set_build(lo, hi, ex, &set), 0);
	enum rotseq_protos pr;
	assert_true(rotseq_parse_protos(protos, &pr));
	struct addr b, *bp = NULL;
	if (strcmp(bind, "-") != 0) {
		assert_true(addr_parse(bind, &b));
		bp = &b;
	}
	struct port_proto want[CONFIG_SEQ_MAX], got[CONFIG_SEQ_MAX];
	char err[64];
	int n = portspec_parse_list(seqs, false, PROTO_TCP, want, CONFIG_SEQ_MAX, err, sizeof err);
	assert_int_equal(n, atoi(length));
	assert_int_equal(rotseq_derive(key, (size_t)klen, door, strtoull(counter, NULL, 10), bp,
				       &set, pr, (size_t)n, got), 0);
	for (int i = 0; i < n; i++) {
		if (got[i].port != want[i].port || got[i].proto != want[i].proto)
			fail_msg("vector %s: step %d is %u/%s, expected %u/%s", name, i,
				 got[i].port, port_proto_name(got[i].proto), want[i].port,
				 port_proto_name(want[i].proto));
	}
	rotseq_set_fini(&set);
	free(ex);
}

static void published_vectors(void **state)
{
	(void)state;
	FILE *f = fopen(VECTORS, "r");
	assert_non_null(f);
	char line[2048];
	int n = 0;
	while (fgets(line, sizeof line, f)) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		check_vector(line);
		n++;
	}
	fclose(f);
	assert_true(n >= 10);
}

/* xorshift: reproducible pseudo-random test input. */
static uint64_t rnd_state = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

/* Over many keys, counters and sets: every step is in the set, no port
 * twice, the protocol as asked, and each allowed port turns up. */
static void sampling_properties(void **state)
{
	(void)state;
	uint8_t *ex = calloc(1, ROTSEQ_BITMAP_BYTES);
	assert_non_null(ex);
	for (int round = 0; round < 200; round++) {
		memset(ex, 0, ROTSEQ_BITMAP_BYTES);
		uint16_t lo = (uint16_t)(1 + rnd() % 60000);
		uint16_t hi = (uint16_t)(lo + 40 + rnd() % 100);
		for (int k = 0; k < 30; k++)
			rotseq_bit_set(ex, (uint16_t)(lo + rnd() % (uint64_t)(hi - lo + 1)));
		struct rotseq_set set;
		assert_int_equal(rotseq_set_build(lo, hi, ex, &set), 0);
		assert_true(set.n >= 11);
		enum rotseq_protos pr = (enum rotseq_protos)(round % 3);
		size_t len = 2 + rnd() % 31;
		if (len > set.n)
			len = set.n;
		uint8_t key[16];
		for (size_t i = 0; i < sizeof key; i++)
			key[i] = (uint8_t)rnd();
		struct port_proto out[CONFIG_SEQ_MAX];
		assert_int_equal(rotseq_derive(key, sizeof key, "door", rnd() >> 20, NULL, &set,
					       pr, len, out), 0);
		for (size_t i = 0; i < len; i++) {
			assert_true(out[i].port >= lo && out[i].port <= hi);
			assert_false(rotseq_bit(ex, out[i].port));
			if (pr == ROTSEQ_TCP)
				assert_int_equal(out[i].proto, PROTO_TCP);
			else if (pr == ROTSEQ_UDP)
				assert_int_equal(out[i].proto, PROTO_UDP);
			else
				assert_true(out[i].proto == PROTO_TCP || out[i].proto == PROTO_UDP);
			for (size_t j = 0; j < i; j++)
				assert_int_not_equal(out[i].port, out[j].port);
		}
		rotseq_set_fini(&set);
	}
	/* A set of exactly LENGTH ports: the sequence is a permutation. */
	struct rotseq_set set;
	assert_int_equal(rotseq_set_build(5000, 5003, NULL, &set), 0);
	struct port_proto out[4];
	assert_int_equal(rotseq_derive((const uint8_t *)"0123456789abcdef", 16, "d", 7, NULL,
				       &set, ROTSEQ_TCP, 4, out), 0);
	unsigned seen = 0;
	for (int i = 0; i < 4; i++)
		seen |= 1u << (out[i].port - 5000);
	assert_int_equal(seen, 0xf);
	/* Bad arguments. */
	assert_int_equal(rotseq_derive((const uint8_t *)"0123456789abcdef", 16, "d", 7, NULL,
				       &set, ROTSEQ_TCP, 5, out), -EINVAL);
	assert_int_equal(rotseq_derive((const uint8_t *)"0123456789abcdef", 16, "d", 7, NULL,
				       &set, ROTSEQ_TCP, 1, out), -EINVAL);
	rotseq_set_fini(&set);
	free(ex);
}

/* Neighbouring counters, doors, keys and addresses give other sequences. */
static void inputs_matter(void **state)
{
	(void)state;
	struct rotseq_set set;
	assert_int_equal(rotseq_set_build(1024, 65535, NULL, &set), 0);
	const uint8_t *k = (const uint8_t *)"0123456789abcdef0123";
	struct port_proto a[4], b[4];
	struct addr x, y;
	assert_true(addr_parse("198.18.0.2", &x));
	assert_true(addr_parse("198.18.0.3", &y));
	assert_int_equal(rotseq_derive(k, 20, "ssh", 100, NULL, &set, ROTSEQ_TCP, 4, a), 0);
	assert_int_equal(rotseq_derive(k, 20, "ssh", 101, NULL, &set, ROTSEQ_TCP, 4, b), 0);
	assert_true(a[0].port != b[0].port || a[1].port != b[1].port);
	assert_int_equal(rotseq_derive(k, 20, "ssh2", 100, NULL, &set, ROTSEQ_TCP, 4, b), 0);
	assert_true(a[0].port != b[0].port || a[1].port != b[1].port);
	assert_int_equal(rotseq_derive(k, 19, "ssh", 100, NULL, &set, ROTSEQ_TCP, 4, b), 0);
	assert_true(a[0].port != b[0].port || a[1].port != b[1].port);
	assert_int_equal(rotseq_derive(k, 20, "ssh", 100, &x, &set, ROTSEQ_TCP, 4, a), 0);
	assert_int_equal(rotseq_derive(k, 20, "ssh", 100, &y, &set, ROTSEQ_TCP, 4, b), 0);
	assert_true(a[0].port != b[0].port || a[1].port != b[1].port);
	rotseq_set_fini(&set);
}

struct diags {
	char last[512];
	int errors;
};

static void collect(void *ctx, int level, const char *msg)
{
	struct diags *d = ctx;
	if (level == LOG_ERR)
		d->errors++;
	snprintf(d->last, sizeof d->last, "%s", msg);
}

static void secret_files(void **state)
{
	(void)state;
	struct diags d = { 0 };
	struct rotseq_secret *s = NULL;
	const char *good = "# clients\n\nalice AAECAwQFBgcICQoLDA0ODw==\n"
			   "  bob\tc2VzYW1lIHJvdGF0aW5nIQ==  \n";
	assert_int_equal(rotseq_secrets_parse("f", good, strlen(good), collect, &d, &s), 2);
	assert_string_equal(s[0].name, "alice");
	assert_int_equal(s[0].len, 16);
	assert_int_equal(s[0].key[15], 15);
	assert_string_equal(s[1].name, "bob");
	assert_int_equal(s[1].line, 4);
	char line[200];
	assert_int_equal(rotseq_secret_format(&s[1], line, sizeof line), 0);
	assert_string_equal(line, "bob c2VzYW1lIHJvdGF0aW5nIQ==\n");
	rotseq_secrets_free(s, 2);

	const char *bad = "alice AAECAwQFBgcICQoLDA0ODw==\n"
			  "short AAECAw==\n"
			  "alice AAECAwQFBgcICQoLDA0ODw==\n"
			  "bad$name AAECAwQFBgcICQoLDA0ODw==\n"
			  "three fields here\n"
			  "nob64 !!!!\n";
	memset(&d, 0, sizeof d);
	assert_int_equal(rotseq_secrets_parse("f", bad, strlen(bad), collect, &d, &s), -EINVAL);
	assert_int_equal(d.errors, 5);
	assert_null(s);
	assert_non_null(strstr(d.last, "f:6: secret is not valid base64"));
	/* Never the secret itself in a message. */
	assert_null(strstr(d.last, "!!!!"));
}

static void ranges_and_names(void **state)
{
	(void)state;
	uint16_t lo, hi;
	assert_true(rotseq_parse_range("1024-65535", &lo, &hi));
	assert_int_equal(lo, 1024);
	assert_int_equal(hi, 65535);
	assert_true(rotseq_parse_range("7000", &lo, &hi));
	assert_int_equal(hi, 7000);
	assert_false(rotseq_parse_range("0-10", &lo, &hi));
	assert_false(rotseq_parse_range("10-9", &lo, &hi));
	assert_false(rotseq_parse_range("10-65536", &lo, &hi));
	assert_false(rotseq_parse_range("a-b", &lo, &hi));
	assert_false(rotseq_parse_range("", &lo, &hi));
	enum rotseq_protos p;
	assert_true(rotseq_parse_protos("MIXED", &p));
	assert_int_equal(p, ROTSEQ_MIXED);
	assert_false(rotseq_parse_protos("sctp", &p));
	assert_int_equal(rotseq_counter(59, 30), 1);
	assert_int_equal(rotseq_counter(60, 30), 2);
	assert_int_equal(rotseq_counter(-5, 30), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(published_vectors),
		cmocka_unit_test(sampling_properties),
		cmocka_unit_test(inputs_matter),
		cmocka_unit_test(secret_files),
		cmocka_unit_test(ranges_and_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
