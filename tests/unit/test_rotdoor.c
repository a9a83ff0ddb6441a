/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of rotdoor: rotating doors fed with knocks derived by
 * rotseq, at chosen wall-clock times — the window c-1..c+1, spent once
 * (across a restart too), wrong secrets, many clients, bound addresses,
 * and the id a grant's sequence goes by in the fleet. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <openssl/sha.h>

#include "base64.h"
#include "config.h"
#include "log.h"
#include "rotdoor.h"
#include "rotseq.h"

#define PERIOD 30
#define T0     1700000010ull            /* inside step 56666667 */

static char dir[64];
static char secrets[128];

static const uint8_t key_alice[16] = "alice's secret!";
static const uint8_t key_bob[20] = "bob's longer secret";

static void write_secrets(size_t extra)
{
	FILE *f = fopen(secrets, "w");
	assert_non_null(f);
	char b64[128];
	base64_encode(key_alice, sizeof key_alice, b64, sizeof b64, true);
	fprintf(f, "alice %s\n", b64);
	base64_encode(key_bob, sizeof key_bob, b64, sizeof b64, true);
	fprintf(f, "bob %s\n", b64);
	for (size_t i = 0; i < extra; i++) {
		uint8_t k[16];
		for (size_t j = 0; j < sizeof k; j++)
			k[j] = (uint8_t)(i * 31 + j * 7 + 1);
		base64_encode(k, sizeof k, b64, sizeof b64, true);
		fprintf(f, "client%zu %s\n", i, b64);
	}
	fclose(f);
	chmod(secrets, 0600);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/sesame-rotdoor-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(secrets, sizeof secrets, "%s/secrets", dir);
	write_secrets(0);
	log_set_level(LOG_DEBUG);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

/* A config of one rotating door DOOR, its spent marks in StateDir
 * dir/STATE (one per gateway). */
static struct config *load_at(const char *state, const char *door, const char *extra)
{
	char text[1024];
	snprintf(text, sizeof text, "[options]\nStateDir = %s/%s\n[%s]\n"
		 "sequence_secrets = %s\nsequence_period = %d\nopen = 22\n%s",
		 dir, state, door, secrets, PERIOD, extra);
	struct config *cfg = NULL;
	assert_int_equal(config_parse("t.conf", text, strlen(text), NULL, NULL, &cfg), 0);
	return cfg;
}

static struct config *load(const char *extra)
{
	return load_at("state", "r", extra);
}

/* The sequence the client with KEY knocks at step C (from ADDR when the
 * door binds addresses). */
static void expected(const struct config *cfg, const uint8_t *key, size_t klen, uint64_t c,
		     const struct addr *bind, struct port_proto *out)
{
	const struct door *d = &cfg->doors[0];
	struct rotseq_set set;
	assert_int_equal(rotseq_door_set(cfg, d, ROTSEQ_SERVICES, &set), 0);
	assert_int_equal(rotseq_derive(key, klen, d->name, c, bind, &set,
				       (enum rotseq_protos)d->rot_protos, d->rot_length, out), 0);
	rotseq_set_fini(&set);
}

static uint64_t mono = 1000;
static uint8_t knock_flags = TCPF_SYN;
static struct rotdoor_spent last_spent;        /* of knock()'s last grant */

/* Knocks SEQ from SRC at wall time UNIX_S; returns the grants. */
static size_t knock(struct rotdoors *r, const char *src, const struct port_proto *seq,
		    size_t len, uint64_t unix_s)
{
	struct knock_event ev = { 0 };
	assert_true(addr_parse(src, &ev.saddr));
	assert_true(addr_parse("198.18.0.1", &ev.daddr));
	struct grant g[4];
	struct rotdoor_spent sp[4];
	size_t n = 0;
	memset(&last_spent, 0, sizeof last_spent);
	for (size_t i = 0; i < len; i++) {
		ev.dport = seq[i].port;
		ev.proto = seq[i].proto;
		ev.sport = (uint16_t)(40000 + i);
		ev.tcpflags = knock_flags;
		n += rotdoors_feed(r, &ev, mono += 10, unix_s, g + n, sp + n, 4 - n);
	}
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(g[i].door, 0);
		assert_true(addr_equal(&g[i].addr, &ev.saddr));
		last_spent = sp[i];
	}
	return n;
}

static void window_and_spent(void **state)
{
	(void)state;
	struct config *cfg = load("");
	struct rotdoors *r = NULL;
	assert_int_equal(rotdoors_new(cfg, T0, &r), 0);
	uint64_t c = T0 / PERIOD;
	struct port_proto s[CONFIG_SEQ_MAX];

	/* c-2 and c+2 are outside the window. */
	expected(cfg, key_alice, 16, c - 2, NULL, s);
	assert_int_equal(knock(r, "198.18.0.2", s, 4, T0), 0);
	expected(cfg, key_alice, 16, c + 2, NULL, s);
	assert_int_equal(knock(r, "198.18.0.2", s, 4, T0), 0);
	/* c-1, c, c+1 open, each once. */
	for (int off = -1; off <= 1; off++) {
		expected(cfg, key_alice, 16, c + (uint64_t)(int64_t)off, NULL, s);
		assert_int_equal(knock(r, "198.18.0.2", s, 4, T0), 1);
		/* Again, from the same address and from another: spent. */
		assert_int_equal(knock(r, "198.18.0.2", s, 4, T0), 0);
		assert_int_equal(knock(r, "198.18.0.3", s, 4, T0), 0);
	}
	/* Bob's sequence of step c is his own. */
	expected(cfg, key_bob, 20, c, NULL, s);
	assert_int_equal(knock(r, "198.18.0.3", s, 4, T0), 1);
	/* A step later, c+2 is live and c-1 is not. */
	uint64_t t1 = T0 + PERIOD;
	expected(cfg, key_bob, 20, c - 1, NULL, s);
	assert_int_equal(knock(r, "198.18.0.3", s, 4, t1), 0);
	expected(cfg, key_bob, 20, c + 2, NULL, s);
	assert_int_equal(knock(r, "198.18.0.3", s, 4, t1), 1);

	/* Spent marks survive a restart: a new instance on the same
	 * StateDir refuses alice's step c; her step c+2 is still unspent. */
	rotdoors_free(r);
	assert_int_equal(rotdoors_new(cfg, T0, &r), 0);
	expected(cfg, key_alice, 16, c, NULL, s);
	assert_int_equal(knock(r, "198.18.0.4", s, 4, T0), 0);
	expected(cfg, key_alice, 16, c + 1, NULL, s);
	assert_int_equal(knock(r, "198.18.0.4", s, 4, T0), 0);
	rotdoors_free(r);
	assert_int_equal(rotdoors_new(cfg, t1, &r), 0);
	expected(cfg, key_alice, 16, c + 2, NULL, s);
	assert_int_equal(knock(r, "198.18.0.4", s, 4, t1), 1);
	rotdoors_free(r);
	config_free(cfg);
}

static void wrong_secret_and_order(void **state)
{
	(void)state;
	struct config *cfg = load("sequence_length = 5\n");
	struct rotdoors *r = NULL;
	assert_int_equal(rotdoors_new(cfg, T0, &r), 0);
	uint64_t c = T0 / PERIOD;
	struct port_proto s[CONFIG_SEQ_MAX];
	static const uint8_t mallory[16] = "not the secret!";
	for (int off = -1; off <= 1; off++) {
		expected(cfg, mallory, 16, c + (uint64_t)(int64_t)off, NULL, s);
		assert_int_equal(knock(r, "198.18.0.2", s, 5, T0), 0);
	}
	/* Out of order, then a step missing: nothing; then right. */
	expected(cfg, key_alice, 16, c, NULL, s);
	struct port_proto swapped[5] = { s[0], s[2], s[1], s[3], s[4] };
	assert_int_equal(knock(r, "198.18.0.2", swapped, 5, T0), 0);
	struct port_proto missing[4] = { s[0], s[1], s[3], s[4] };
	assert_int_equal(knock(r, "198.18.0.2", missing, 4, T0), 0);
	/* Without TCPFlags, only SYNs without ACK are knocks: replies to
	 * the server's own connections land in the range too. */
	knock_flags = TCPF_SYN | TCPF_ACK;
	assert_int_equal(knock(r, "198.18.0.2", s, 5, T0), 0);
	knock_flags = TCPF_ACK;
	assert_int_equal(knock(r, "198.18.0.2", s, 5, T0), 0);
	knock_flags = TCPF_SYN;
	/* Noise on other ports between the knocks does not matter. */
	struct port_proto noisy[7] = { s[0], { 1, PROTO_TCP }, s[1], s[2],
				       { 443, PROTO_TCP }, s[3], s[4] };
	assert_int_equal(knock(r, "198.18.0.2", noisy, 7, T0), 1);
	/* Too slow: Seq_Timeout (25 s) from the first knock. */
	expected(cfg, key_alice, 16, c + 1, NULL, s);
	assert_int_equal(knock(r, "198.18.0.5", s, 2, T0), 0);
	assert_int_equal(rotdoors_attempts(r, 0, mono), 1);
	mono += 26000;
	assert_int_equal(rotdoors_attempts(r, 0, mono), 0);
	assert_int_equal(knock(r, "198.18.0.5", s + 2, 3, T0), 0);
	assert_int_equal(knock(r, "198.18.0.5", s, 5, T0), 1);
	rotdoors_free(r);
	config_free(cfg);
}

static void thousand_clients(void **state)
{
	(void)state;
	write_secrets(1000);
	struct config *cfg = load("sequence_protocols = mixed\n");
	struct rotdoors *r = NULL;
	assert_int_equal(rotdoors_new(cfg, T0, &r), 0);
	uint64_t c = T0 / PERIOD;
	struct port_proto s[CONFIG_SEQ_MAX];
	expected(cfg, key_bob, 20, c, NULL, s);
	assert_int_equal(knock(r, "2001:db8::2", s, 4, T0), 1);
	assert_int_equal(knock(r, "2001:db8::2", s, 4, T0), 0);
	/* The last client of the file too. */
	uint8_t k[16];
	for (size_t j = 0; j < sizeof k; j++)
		k[j] = (uint8_t)(999 * 31 + j * 7 + 1);
	expected(cfg, k, 16, c + 1, NULL, s);
	assert_int_equal(knock(r, "2001:db8::3", s, 4, T0), 1);
	rotdoors_free(r);
	config_free(cfg);
}

static void bound_address(void **state)
{
	(void)state;
	struct config *cfg = load("sequence_bind_address = yes\n");
	struct rotdoors *r = NULL;
	assert_int_equal(rotdoors_new(cfg, T0, &r), 0);
	uint64_t c = T0 / PERIOD;
	struct port_proto s[CONFIG_SEQ_MAX];
	struct addr a;
	assert_true(addr_parse("198.18.0.2", &a));
	expected(cfg, key_alice, 16, c, &a, s);
	/* Knocked from elsewhere, the sequence bound to .2 opens nothing. */
	assert_int_equal(knock(r, "198.18.0.9", s, 4, T0), 0);
	assert_int_equal(knock(r, "198.18.0.2", s, 4, T0), 1);
	/* Unbound, alice's sequence is wrong on this door. */
	expected(cfg, key_alice, 16, c + 1, NULL, s);
	assert_int_equal(knock(r, "198.18.0.2", s, 4, T0), 0);
	rotdoors_free(r);
	config_free(cfg);
}

/* The id, as docs/fleet.md gives it: SHA-256 of "sesame rotating", NUL,
 * the door's name, NUL, the secret's length (1 byte), the secret, the
 * step (8 bytes, big-endian). */
static void spec_id(const char *door, const uint8_t *key, size_t klen, uint64_t c,
		    uint8_t id[32])
{
	uint8_t buf[256];
	size_t n = 0;
	memcpy(buf, "sesame rotating", 16);
	n += 16;
	memcpy(buf + n, door, strlen(door) + 1);
	n += strlen(door) + 1;
	buf[n++] = (uint8_t)klen;
	memcpy(buf + n, key, klen);
	n += klen;
	for (int i = 7; i >= 0; i--)
		buf[n++] = (uint8_t)(c >> (8 * i));
	SHA256(buf, n, id);
}

/* What a grant spent, for the fleet: the same id on every gateway with
 * the door and the secret, whatever the address; another for another
 * step, client or door; live until the step leaves the window. */
static void fleet_ids(void **state)
{
	(void)state;
	struct config *a = load_at("gw1", "r", ""), *b = load_at("gw2", "r", "");
	struct config *other = load_at("gw3", "other", "");
	struct rotdoors *ra = NULL, *rb = NULL, *ro = NULL;
	assert_int_equal(rotdoors_new(a, T0, &ra), 0);
	assert_int_equal(rotdoors_new(b, T0, &rb), 0);
	assert_int_equal(rotdoors_new(other, T0, &ro), 0);
	uint64_t c = T0 / PERIOD;
	struct port_proto s[CONFIG_SEQ_MAX];
	uint8_t want[32];

	expected(a, key_alice, 16, c, NULL, s);
	assert_int_equal(knock(ra, "198.18.0.2", s, 4, T0), 1);
	struct rotdoor_spent alice_c = last_spent;
	spec_id("r", key_alice, 16, c, want);
	assert_memory_equal(alice_c.id, want, 32);
	assert_int_equal(alice_c.expire_s, (c + 2) * PERIOD);
	/* Gateway 2 has not seen it: it opens there, under the same id,
	 * from another address (the fleet's claim refuses it). */
	assert_int_equal(knock(rb, "198.18.0.3", s, 4, T0), 1);
	assert_memory_equal(last_spent.id, alice_c.id, 32);
	assert_int_equal(last_spent.expire_s, alice_c.expire_s);
	/* The next step, the previous step, another client. */
	expected(a, key_alice, 16, c + 1, NULL, s);
	assert_int_equal(knock(ra, "198.18.0.2", s, 4, T0), 1);
	assert_memory_not_equal(last_spent.id, alice_c.id, 32);
	spec_id("r", key_alice, 16, c + 1, want);
	assert_memory_equal(last_spent.id, want, 32);
	assert_int_equal(last_spent.expire_s, (c + 3) * PERIOD);
	expected(a, key_alice, 16, c - 1, NULL, s);
	assert_int_equal(knock(ra, "198.18.0.2", s, 4, T0), 1);
	assert_int_equal(last_spent.expire_s, (c + 1) * PERIOD);
	expected(a, key_bob, 20, c, NULL, s);
	assert_int_equal(knock(ra, "198.18.0.2", s, 4, T0), 1);
	spec_id("r", key_bob, 20, c, want);
	assert_memory_equal(last_spent.id, want, 32);
	assert_memory_not_equal(last_spent.id, alice_c.id, 32);
	/* Another door with the same secrets. */
	expected(other, key_alice, 16, c, NULL, s);
	assert_int_equal(knock(ro, "198.18.0.2", s, 4, T0), 1);
	spec_id("other", key_alice, 16, c, want);
	assert_memory_equal(last_spent.id, want, 32);
	assert_memory_not_equal(last_spent.id, alice_c.id, 32);
	rotdoors_free(ra);
	rotdoors_free(rb);
	rotdoors_free(ro);
	config_free(a);
	config_free(b);
	config_free(other);

	/* A door binding addresses: each address knocks its own sequence,
	 * and both spend the same thing. */
	a = load_at("gw4", "r", "sequence_bind_address = yes\n");
	b = load_at("gw5", "r", "sequence_bind_address = yes\n");
	assert_int_equal(rotdoors_new(a, T0, &ra), 0);
	assert_int_equal(rotdoors_new(b, T0, &rb), 0);
	struct addr x, y;
	assert_true(addr_parse("198.18.0.2", &x));
	assert_true(addr_parse("198.18.0.3", &y));
	expected(a, key_alice, 16, c, &x, s);
	assert_int_equal(knock(ra, "198.18.0.2", s, 4, T0), 1);
	expected(b, key_alice, 16, c, &y, s);
	assert_int_equal(knock(rb, "198.18.0.3", s, 4, T0), 1);
	assert_memory_equal(last_spent.id, alice_c.id, 32);
	rotdoors_free(ra);
	rotdoors_free(rb);
	config_free(a);
	config_free(b);
}

/* Door DOOR's sequence of client KEY at step C. */
static void expected_door(const struct config *cfg, size_t door, const uint8_t *key,
			  size_t klen, uint64_t c, struct port_proto *out)
{
	const struct door *d = &cfg->doors[door];
	struct rotseq_set set;
	assert_int_equal(rotseq_door_set(cfg, d, ROTSEQ_SERVICES, &set), 0);
	assert_int_equal(rotseq_derive(key, klen, d->name, c, NULL, &set,
				       (enum rotseq_protos)d->rot_protos, d->rot_length, out), 0);
	rotseq_set_fini(&set);
}

/* The grants of SEQ knocked at UNIX_S; each must be DOOR's. */
static size_t knock_door(struct rotdoors *r, const char *src, const struct port_proto *seq,
			 uint64_t unix_s, uint32_t door)
{
	struct knock_event ev = { 0 };
	assert_true(addr_parse(src, &ev.saddr));
	assert_true(addr_parse("198.18.0.1", &ev.daddr));
	struct grant g[4];
	size_t n = 0;
	for (size_t i = 0; i < 4; i++) {
		ev.dport = seq[i].port;
		ev.proto = seq[i].proto;
		ev.sport = (uint16_t)(41000 + i);
		ev.tcpflags = TCPF_SYN;
		n += rotdoors_feed(r, &ev, mono += 10, unix_s, g + n, NULL, 4 - n);
	}
	for (size_t i = 0; i < n; i++)
		assert_int_equal(g[i].door, door);
	return n;
}

/* Two doors of different periods (30 and 45 s): each turns at its own
 * steps, and the ports of a door's new step are taken at once (the
 * bitmap in front of the doors is the union of theirs). */
static void doors_turn_at_their_own_steps(void **state)
{
	(void)state;
	char extra[256];
	snprintf(extra, sizeof extra, "[s]\nsequence_secrets = %s\nsequence_period = 45\n"
		 "open = 23\n", secrets);
	struct config *cfg = load(extra);
	assert_int_equal(cfg->ndoors, 2);
	struct rotdoors *r = NULL;
	assert_int_equal(rotdoors_new(cfg, T0, &r), 0);
	uint64_t c30 = T0 / PERIOD, c45 = T0 / 45;
	struct port_proto s[CONFIG_SEQ_MAX];
	expected_door(cfg, 1, key_alice, 16, c45, s);
	assert_int_equal(knock_door(r, "198.18.0.2", s, T0, 1), 1);
	expected_door(cfg, 0, key_alice, 16, c30, s);
	assert_int_equal(knock_door(r, "198.18.0.2", s, T0, 0), 1);
	/* Not live yet. */
	expected_door(cfg, 0, key_bob, 20, c30 + 2, s);
	assert_int_equal(knock_door(r, "198.18.0.3", s, T0, 0), 0);
	expected_door(cfg, 1, key_bob, 20, c45 + 2, s);
	assert_int_equal(knock_door(r, "198.18.0.3", s, T0, 1), 0);
	/* r turns, s does not. */
	uint64_t t1 = T0 + 30;
	assert_int_equal(t1 / PERIOD, c30 + 1);
	assert_int_equal(t1 / 45, c45);
	expected_door(cfg, 0, key_bob, 20, c30 + 2, s);
	assert_int_equal(knock_door(r, "198.18.0.3", s, t1, 0), 1);
	expected_door(cfg, 1, key_bob, 20, c45 + 2, s);
	assert_int_equal(knock_door(r, "198.18.0.3", s, t1, 1), 0);
	/* s turns, r does not. */
	uint64_t t2 = T0 + 45;
	assert_int_equal(t2 / PERIOD, c30 + 1);
	assert_int_equal(t2 / 45, c45 + 1);
	assert_int_equal(knock_door(r, "198.18.0.4", s, t2, 1), 1);
	/* The clock set back: both back to their earlier steps. */
	expected_door(cfg, 0, key_alice, 16, c30 - 1, s);
	assert_int_equal(knock_door(r, "198.18.0.5", s, T0, 0), 1);
	rotdoors_free(r);
	config_free(cfg);
}

/* No client yet: the door loads and stays shut. */
static void no_clients(void **state)
{
	(void)state;
	FILE *f = fopen(secrets, "w");
	assert_non_null(f);
	fputs("# nobody yet\n", f);
	fclose(f);
	struct config *cfg = load("");
	struct rotdoors *r = NULL;
	assert_int_equal(rotdoors_new(cfg, T0, &r), 0);
	struct port_proto s[CONFIG_SEQ_MAX];
	expected(cfg, key_alice, 16, T0 / PERIOD, NULL, s);
	assert_int_equal(knock(r, "198.18.0.2", s, 4, T0), 0);
	rotdoors_turn(r, T0 + 10 * PERIOD);
	assert_int_equal(rotdoors_attempts(r, 0, mono), 0);
	rotdoors_free(r);
	config_free(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(window_and_spent, setup, teardown),
		cmocka_unit_test_setup_teardown(wrong_secret_and_order, setup, teardown),
		cmocka_unit_test_setup_teardown(doors_turn_at_their_own_steps, setup, teardown),
		cmocka_unit_test_setup_teardown(thousand_clients, setup, teardown),
		cmocka_unit_test_setup_teardown(bound_address, setup, teardown),
		cmocka_unit_test_setup_teardown(no_clients, setup, teardown),
		cmocka_unit_test_setup_teardown(fleet_ids, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
