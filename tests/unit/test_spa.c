/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the native SPA codec (spa.c): the documented test vectors
 * of docs/spa-protocol.md byte for byte, round trips, and refusal of every
 * changed, shortened or lengthened packet. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include <openssl/evp.h>

#include "spa.h"

static size_t unhex(const char *s, uint8_t *out, size_t max)
{
	size_t n = strlen(s) / 2;
	assert_true(n <= max);
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		assert_int_equal(sscanf(s + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
	return n;
}

/* The vectors of docs/spa-protocol.md section 6 (keep them in sync):
 * version 2 first, then the legacy version 1. */
struct vector {
	uint8_t version;
	uint16_t dport;                 /* v2 */
	const char *door;               /* v2; NULL: none */
	const char *key, *keyid, *nonce;
	uint64_t ts;
	const char *addr;               /* NULL: none */
	size_t nports;
	struct port_proto ports[2];
	const char *packet;
};

static const struct vector vectors[] = {
	{
		2, 62201, NULL,
		"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
		"d6919210e16206d8", "b0b1b2b3b4b5b6b7b8b9babb", 1767225603, NULL,
		1, { { 22, PROTO_TCP } },
		"02d6919210e16206d8b0b1b2b3b4b5b6b7b8b9babb000000006955b903977d21"
		"a8fde8898743769686af4ad3302ec152b08de53dc44f1e0268f402ca210b5bc9"
		"a737ac03e5ad078501fc92e6d234bddbf16fb93d2132e1ac5aa4e3a961ade743"
		"007e748747083752de6ed6f08125a17b2d70f1892a3914e79d958b44ba05c124",
	},
	{
		2, 62202, "ssh",
		"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
		"d6919210e16206d8", "c0c1c2c3c4c5c6c7c8c9cacb", 1767225604, "198.18.0.7",
		2, { { 22, PROTO_TCP }, { 53, PROTO_UDP } },
		"02d6919210e16206d8c0c1c2c3c4c5c6c7c8c9cacb000000006955b9041d3e3d"
		"8433cd173ebd27acbc727cff5fa0a9014e70c4dfaba5b6bcfca9673781b47467"
		"74b4b80159f376e54ce8c9943d7accaa009a91c99b5abe7e5e37ee3bac68e30d"
		"58f4169caf341f2a27a5e704a375409a2cb873ba4a26a4fabad2e11dfd8d55e0",
	},
	{
		2, 62201, "gw1-ssh",
		"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
		"b020fbb641a03ba1", "666666666666666666666666", 1767225605, "2001:db8:5e5::7",
		0, { { 0, 0 } },
		"02b020fbb641a03ba1666666666666666666666666000000006955b905acf749"
		"1c7556ae0d1bca309082c97ec9d41be02727dcc501e0c50c72221cc9d35ceb35"
		"867781a2b1c8857ff7db5fa0678a1bfd10f9b3763b9ebbec9df0a052e8419194"
		"12c1baefd2a411e892f29f3997b7dd2826e0cf4e21e2f902ec2aa6116500e6ec",
	},
	{
		1, 0, NULL,
		"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
		"d6919210e16206d8", "a0a1a2a3a4a5a6a7a8a9aaab", 1767225600, NULL,
		2, { { 22, PROTO_TCP }, { 53, PROTO_UDP } },
		"01d6919210e16206d8a0a1a2a3a4a5a6a7a8a9aaab000000006955b9000cab785f"
		"4de6c2ada00ff314fcfafdfb9d5cd3a9456a55b2b4d8dbb17162c30c6c80168aae"
		"c9ff8ac6ccf5bd1d5178464ac44a38090c6b8127540b404c2aa5c8b1fb674e38e9"
		"92f022f0d2890db0a97e00990f75056e9fa7f585effea3cc7f5ca2c067",
	},
	{
		1, 0, NULL,
		"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
		"d6919210e16206d8", "000000000000000000000000", 1767225601, "198.18.0.7",
		1, { { 443, PROTO_TCP } },
		"01d6919210e16206d8000000000000000000000000000000006955b9011c7e5031"
		"aae6a6d113615c61af434e27f8b0f24ee7ad5b5cecf8fc122a35755c7208086dd1"
		"ee3c5d9d815824640e003c9ba0f65ede5d59ce0d2a4a7f31955acd42f22ddca74a"
		"92d56ca78aef298e723b60237f083b9d8ac119653472a7c43d35ec56ef",
	},
	{
		1, 0, NULL,
		"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
		"b020fbb641a03ba1", "555555555555555555555555", 1767225602, "2001:db8:5e5::7",
		0, { { 0, 0 } },
		"01b020fbb641a03ba1555555555555555555555555000000006955b90265a5f319"
		"3221dcdabc9d0106ecdda985a3c9c2ea36b7b9cd59508519c6dc643a9443f0381f"
		"604b8652dba66a793f765a4a11aebabdedc6ef5d222953c9f8587886c4dea38aa8"
		"87dbfd7b5f55973ec768c601096073ba03ec414723821d691e92d36524",
	},
};

static void vector_request(const struct vector *v, struct spa_request *req)
{
	memset(req, 0, sizeof *req);
	req->version = v->version;
	req->dport = v->dport;
	if (v->door)
		spa_door_tag(v->door, req->door_tag);
	req->timestamp = v->ts;
	if (v->addr)
		assert_true(addr_parse(v->addr, &req->addr));
	req->nports = v->nports;
	memcpy(req->ports, v->ports, sizeof v->ports);
}

static void test_vectors_encode_byte_exact(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
		const struct vector *v = &vectors[i];
		uint8_t key[32], id[8], nonce[12], want[SPA_PACKET_LEN], got[SPA_PACKET_LEN], kid[8];
		assert_int_equal(unhex(v->key, key, sizeof key), 32);
		assert_int_equal(unhex(v->keyid, id, sizeof id), 8);
		assert_int_equal(unhex(v->nonce, nonce, sizeof nonce), 12);
		assert_int_equal(unhex(v->packet, want, sizeof want), SPA_PACKET_LEN);
		spa_key_id(key, kid);
		assert_memory_equal(kid, id, 8);
		struct spa_request req;
		vector_request(v, &req);
		assert_int_equal(spa_encode(NULL, key, nonce, &req, got), 0);
		assert_memory_equal(got, want, SPA_PACKET_LEN);
	}
}

static void test_vectors_decode(void **state)
{
	(void)state;
	struct spa_aead *c = spa_aead_new();
	assert_non_null(c);
	for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
		const struct vector *v = &vectors[i];
		uint8_t key[32], pkt[SPA_PACKET_LEN];
		unhex(v->key, key, sizeof key);
		unhex(v->packet, pkt, sizeof pkt);
		struct spa_header h;
		assert_int_equal(spa_parse_header(pkt, sizeof pkt, &h), 0);
		assert_int_equal(h.timestamp, v->ts);
		struct spa_request want, got;
		vector_request(v, &want);
		assert_int_equal(spa_open(c, key, pkt, sizeof pkt, &got), 0);
		assert_int_equal(got.timestamp, want.timestamp);
		assert_int_equal(h.version, v->version);
		assert_int_equal(got.version, v->version);
		assert_int_equal(got.dport, want.dport);
		assert_memory_equal(got.door_tag, want.door_tag, SPA_DOOR_TAG_LEN);
		assert_int_equal(got.addr.family, want.addr.family);
		if (want.addr.family)
			assert_true(addr_equal(&got.addr, &want.addr));
		assert_int_equal(got.nports, want.nports);
		for (size_t j = 0; j < want.nports; j++) {
			assert_int_equal(got.ports[j].port, want.ports[j].port);
			assert_int_equal(got.ports[j].proto, want.ports[j].proto);
		}
	}
	spa_aead_free(c);
}

/* The vectors printed in docs/spa-protocol.md are the ones checked here. */
static void test_vectors_match_the_document(void **state)
{
	(void)state;
	const char *root = getenv("SESAME_ROOT");
	char path[512];
	snprintf(path, sizeof path, "%s/docs/spa-protocol.md", root ? root : ".");
	FILE *f = fopen(path, "r");
	if (!f)
		fail_msg("cannot read %s (run from the source tree or set SESAME_ROOT)", path);
	enum { NVEC = sizeof vectors / sizeof vectors[0] };
	char line[256], hex[NVEC][SPA_PACKET_LEN * 2 + 1];
	size_t nvec = 0, cont = 0, len = 0;
	while (fgets(line, sizeof line, f)) {
		const char *p = line;
		if (strncmp(line, "packet ", 7) == 0) {
			assert_true(nvec < NVEC);
			cont = 4;
			len = 0;
			p += 7;
		}
		if (!cont)
			continue;
		for (; *p; p++) {
			if ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')) {
				assert_true(len < SPA_PACKET_LEN * 2);
				hex[nvec][len++] = *p;
			}
		}
		if (--cont == 0) {
			hex[nvec][len] = '\0';
			nvec++;
		}
	}
	fclose(f);
	assert_int_equal(nvec, NVEC);
	for (size_t i = 0; i < NVEC; i++)
		assert_string_equal(hex[i], vectors[i].packet);
}

static void sample(uint8_t key[32], uint8_t pkt[SPA_PACKET_LEN])
{
	for (int i = 0; i < 32; i++)
		key[i] = (uint8_t)(i * 7 + 3);
	uint8_t nonce[12] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
	struct spa_request req = { .timestamp = 1800000000, .nports = SPA_PORTS_MAX,
				   .dport = 65535 };
	spa_door_tag("ssh", req.door_tag);
	for (size_t i = 0; i < SPA_PORTS_MAX; i++)
		req.ports[i] = (struct port_proto){ (uint16_t)(1000 + i), i % 2 ? PROTO_UDP : PROTO_TCP };
	assert_true(addr_parse("2001:db8::1", &req.addr));
	assert_int_equal(spa_encode(NULL, key, nonce, &req, pkt), 0);
}

static void test_round_trip_full(void **state)
{
	(void)state;
	uint8_t key[32], pkt[SPA_PACKET_LEN];
	sample(key, pkt);
	struct spa_request got;
	assert_int_equal(spa_open(NULL, key, pkt, sizeof pkt, &got), 0);
	assert_int_equal(got.nports, SPA_PORTS_MAX);
	assert_int_equal(got.ports[15].port, 1015);
	assert_int_equal(got.ports[15].proto, PROTO_UDP);
	assert_int_equal(got.addr.family, AF_INET6);
	assert_int_equal(got.timestamp, 1800000000);
	assert_int_equal(got.version, SPA_VERSION);
	assert_int_equal(got.dport, 65535);
	uint8_t tag[SPA_DOOR_TAG_LEN];
	spa_door_tag("ssh", tag);
	assert_memory_equal(got.door_tag, tag, sizeof tag);
}

/* Door tags: one per name, never the all-zero "any door". */
static void test_door_tags(void **state)
{
	(void)state;
	uint8_t a[SPA_DOOR_TAG_LEN], b[SPA_DOOR_TAG_LEN], zero[SPA_DOOR_TAG_LEN] = { 0 };
	spa_door_tag("ssh", a);
	spa_door_tag("SSH", b);
	assert_memory_not_equal(a, b, sizeof a);
	assert_memory_not_equal(a, zero, sizeof a);
	spa_door_tag("", b);
	assert_memory_not_equal(b, zero, sizeof b);
}

/* A version 2 packet relabelled version 1 (which names no port) does not
 * authenticate: the version byte is part of the associated data. */
static void test_no_downgrade(void **state)
{
	(void)state;
	uint8_t key[32], pkt[SPA_PACKET_LEN];
	sample(key, pkt);
	pkt[0] = SPA_VERSION_LEGACY;
	struct spa_request got;
	assert_int_equal(spa_open(NULL, key, pkt, sizeof pkt, &got), -EBADMSG);
}

static void test_every_flipped_bit_refused(void **state)
{
	(void)state;
	uint8_t key[32], pkt[SPA_PACKET_LEN];
	sample(key, pkt);
	struct spa_aead *c = spa_aead_new();
	for (size_t bit = 0; bit < 8 * SPA_PACKET_LEN; bit++) {
		uint8_t bad[SPA_PACKET_LEN];
		memcpy(bad, pkt, sizeof bad);
		bad[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		struct spa_request got;
		int rc = spa_open(c, key, bad, sizeof bad, &got);
		if (bit < 8)
			assert_int_equal(rc, -EPROTONOSUPPORT);
		else
			assert_int_equal(rc, -EBADMSG);
	}
	spa_aead_free(c);
}

static void test_sizes_refused(void **state)
{
	(void)state;
	uint8_t key[32], pkt[SPA_PACKET_LEN + 64];
	sample(key, pkt);
	memset(pkt + SPA_PACKET_LEN, 0, 64);
	struct spa_request got;
	struct spa_header h;
	for (size_t n = 0; n < sizeof pkt; n++) {
		if (n == SPA_PACKET_LEN)
			continue;
		assert_int_equal(spa_parse_header(pkt, n, &h), -EMSGSIZE);
		assert_int_equal(spa_open(NULL, key, pkt, n, &got), -EMSGSIZE);
	}
	assert_int_equal(spa_open(NULL, key, pkt, SPA_PACKET_LEN, &got), 0);
}

static void test_wrong_key_refused(void **state)
{
	(void)state;
	uint8_t key[32], pkt[SPA_PACKET_LEN];
	sample(key, pkt);
	key[31] ^= 0x80;
	struct spa_request got;
	assert_int_equal(spa_open(NULL, key, pkt, sizeof pkt, &got), -EBADMSG);
}

static void test_bad_requests_not_encoded(void **state)
{
	(void)state;
	uint8_t key[32] = { 0 }, nonce[12] = { 0 }, pkt[SPA_PACKET_LEN];
	struct spa_request req = { .timestamp = 1, .nports = SPA_PORTS_MAX + 1 };
	assert_int_equal(spa_encode(NULL, key, nonce, &req, pkt), -EINVAL);
	req.nports = 1;
	req.ports[0] = (struct port_proto){ 0, PROTO_TCP };
	assert_int_equal(spa_encode(NULL, key, nonce, &req, pkt), -EINVAL);
	req.ports[0] = (struct port_proto){ 22, 1 };
	assert_int_equal(spa_encode(NULL, key, nonce, &req, pkt), -EINVAL);
	req.ports[0] = (struct port_proto){ 22, PROTO_TCP };
	req.addr.family = 99;
	assert_int_equal(spa_encode(NULL, key, nonce, &req, pkt), -EINVAL);
	req.addr.family = 0;
	/* Version 2 names its port; version 1 cannot name a port or door. */
	assert_int_equal(spa_encode(NULL, key, nonce, &req, pkt), -EINVAL);
	req.dport = 62201;
	assert_int_equal(spa_encode(NULL, key, nonce, &req, pkt), 0);
	req.version = SPA_VERSION_LEGACY;
	assert_int_equal(spa_encode(NULL, key, nonce, &req, pkt), -EINVAL);
	req.dport = 0;
	spa_door_tag("ssh", req.door_tag);
	assert_int_equal(spa_encode(NULL, key, nonce, &req, pkt), -EINVAL);
	memset(req.door_tag, 0, sizeof req.door_tag);
	assert_int_equal(spa_encode(NULL, key, nonce, &req, pkt), 0);
	req.version = 3;
	assert_int_equal(spa_encode(NULL, key, nonce, &req, pkt), -EINVAL);
}

/* Seals an arbitrary body, as a hostile key holder could. */
static void seal_raw(const uint8_t key[32], uint8_t version, const uint8_t body[SPA_BODY_LEN],
		     uint8_t pkt[SPA_PACKET_LEN])
{
	uint8_t nonce[12] = { 9 };
	pkt[0] = version;
	spa_key_id(key, pkt + 1);
	memcpy(pkt + 9, nonce, 12);
	memset(pkt + 21, 0, 8);
	pkt[28] = 1;
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n;
	assert_int_equal(EVP_EncryptInit_ex(c, EVP_chacha20_poly1305(), NULL, key, nonce), 1);
	assert_int_equal(EVP_EncryptUpdate(c, NULL, &n, pkt, SPA_HEADER_LEN), 1);
	assert_int_equal(EVP_EncryptUpdate(c, pkt + SPA_HEADER_LEN, &n, body, SPA_BODY_LEN), 1);
	assert_int_equal(EVP_EncryptFinal_ex(c, pkt + SPA_HEADER_LEN + n, &n), 1);
	assert_int_equal(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, 16, pkt + SPA_HEADER_LEN + SPA_BODY_LEN), 1);
	EVP_CIPHER_CTX_free(c);
}

/* A version 2 body with only its port set (62201). */
static void v2_body(uint8_t body[SPA_BODY_LEN])
{
	memset(body, 0, SPA_BODY_LEN);
	body[66] = 0xf2;
	body[67] = 0xf9;
}

static void test_non_canonical_bodies_refused(void **state)
{
	(void)state;
	uint8_t key[32] = { 42 }, body[SPA_BODY_LEN], pkt[SPA_PACKET_LEN];
	struct spa_request got;
	v2_body(body);
	seal_raw(key, SPA_VERSION, body, pkt);
	assert_int_equal(spa_open(NULL, key, pkt, sizeof pkt, &got), 0);
	assert_int_equal(got.timestamp, 1);
	assert_int_equal(got.dport, 62201);
	/* Each of these is authentic but breaks a rule of section 3. */
	static const struct { size_t off; uint8_t val; } bad[] = {
		{ 0, 5 },               /* unknown family */
		{ 1, 1 },               /* address bytes without a family */
		{ 17, 17 },             /* nports above 16 */
		{ 18, 1 },              /* unused port slot not zero */
		{ 76, 1 },              /* reserved byte */
		{ 82, 1 },              /* last reserved byte */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		v2_body(body);
		body[bad[i].off] = bad[i].val;
		seal_raw(key, SPA_VERSION, body, pkt);
		assert_int_equal(spa_open(NULL, key, pkt, sizeof pkt, &got), -EINVAL);
	}
	/* Version 2 without its port. */
	memset(body, 0, sizeof body);
	seal_raw(key, SPA_VERSION, body, pkt);
	assert_int_equal(spa_open(NULL, key, pkt, sizeof pkt, &got), -EINVAL);
	/* Version 1: port and door bytes are reserved there. */
	seal_raw(key, SPA_VERSION_LEGACY, body, pkt);
	assert_int_equal(spa_open(NULL, key, pkt, sizeof pkt, &got), 0);
	assert_int_equal(got.version, SPA_VERSION_LEGACY);
	assert_int_equal(got.dport, 0);
	static const size_t v1_reserved[] = { 66, 67, 68, 75 };
	for (size_t i = 0; i < sizeof v1_reserved / sizeof v1_reserved[0]; i++) {
		memset(body, 0, sizeof body);
		body[v1_reserved[i]] = 1;
		seal_raw(key, SPA_VERSION_LEGACY, body, pkt);
		assert_int_equal(spa_open(NULL, key, pkt, sizeof pkt, &got), -EINVAL);
	}
	/* IPv4 with bytes beyond its 4; a port 0; a proto neither tcp nor udp. */
	v2_body(body);
	body[0] = 4;
	body[5] = 1;
	seal_raw(key, SPA_VERSION, body, pkt);
	assert_int_equal(spa_open(NULL, key, pkt, sizeof pkt, &got), -EINVAL);
	v2_body(body);
	body[17] = 1;
	body[20] = PROTO_TCP;
	seal_raw(key, SPA_VERSION, body, pkt);
	assert_int_equal(spa_open(NULL, key, pkt, sizeof pkt, &got), -EINVAL);
	body[19] = 22;
	body[20] = 1;
	seal_raw(key, SPA_VERSION, body, pkt);
	assert_int_equal(spa_open(NULL, key, pkt, sizeof pkt, &got), -EINVAL);
	body[20] = PROTO_UDP;
	seal_raw(key, SPA_VERSION, body, pkt);
	assert_int_equal(spa_open(NULL, key, pkt, sizeof pkt, &got), 0);
	assert_int_equal(got.ports[0].port, 22);
}

static void test_nonces_differ_ciphertexts(void **state)
{
	(void)state;
	/* Same request, two nonces: nothing but the header's nonce and key id
	 * repeats (an observer cannot tell two requests apart by content). */
	uint8_t key[32] = { 7 }, n1[12] = { 1 }, n2[12] = { 2 }, p1[SPA_PACKET_LEN], p2[SPA_PACKET_LEN];
	struct spa_request req = { .timestamp = 5, .dport = 62201, .nports = 1,
				   .ports = { { 22, PROTO_TCP } } };
	assert_int_equal(spa_encode(NULL, key, n1, &req, p1), 0);
	assert_int_equal(spa_encode(NULL, key, n2, &req, p2), 0);
	size_t same = 0;
	for (size_t i = SPA_HEADER_LEN; i < SPA_PACKET_LEN; i++)
		same += p1[i] == p2[i];
	assert_true(same < 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors_encode_byte_exact),
		cmocka_unit_test(test_vectors_decode),
		cmocka_unit_test(test_vectors_match_the_document),
		cmocka_unit_test(test_round_trip_full),
		cmocka_unit_test(test_door_tags),
		cmocka_unit_test(test_no_downgrade),
		cmocka_unit_test(test_every_flipped_bit_refused),
		cmocka_unit_test(test_sizes_refused),
		cmocka_unit_test(test_wrong_key_refused),
		cmocka_unit_test(test_bad_requests_not_encoded),
		cmocka_unit_test(test_non_canonical_bodies_refused),
		cmocka_unit_test(test_nonces_differ_ciphertexts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
