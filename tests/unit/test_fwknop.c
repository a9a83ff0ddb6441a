/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the fwknop codec against packets made by the real fwknop
 * 2.6.10 client (tests/vectors/fwknop/), plus tampering, truncation,
 * wrong keys and malformed plaintexts sealed by an independent builder
 * (OpenSSL's own EVP_BytesToKey and HMAC(), not the codec's). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "base64.h"
#include "fwknop.h"

#include "fwknop_vectors.h"

/* --- the vectors ------------------------------------------------------- */

static void vectors_decode_and_verify(void **state)
{
	(void)state;
	size_t checked = 0;
	for (size_t i = 0; i < nvecs; i++) {
		const struct vec *v = &vecs[i];
		struct vkeys vk;
		struct fwknop_msg m;
		vec_keys(v, &vk);
		int rc = decode_str(v->wire, &vk.k, &m);
		if (!strcmp(v->expect, "no_hmac")) {
			if (rc != FWKNOP_ERR_NO_HMAC)
				fail_msg("%s: rc %d (%s)", v->name, rc, fwknop_strerror(rc));
			checked++;
			continue;
		}
		if (rc != FWKNOP_OK)
			fail_msg("%s: rc %d (%s)", v->name, rc, fwknop_strerror(rc));
		assert_string_equal(m.rand, v->rand);
		assert_string_equal(m.username, v->user);
		assert_int_equal(m.timestamp, strtoull(v->ts, NULL, 10));
		assert_string_equal(m.version, v->version);
		assert_int_equal(m.type, leading_num(v->type));
		assert_string_equal(m.message, v->message);
		if (!strcmp(v->nat, "<NULL>"))
			assert_false(m.has_nat);
		else {
			assert_true(m.has_nat);
			assert_string_equal(m.nat_access, v->nat);
		}
		assert_false(m.has_server_auth);
		assert_string_equal(v->auth, "<NULL>");
		assert_int_equal(m.client_timeout, leading_num(v->timeout));
		assert_int_equal(m.digest, leading_num(v->digest_type));
		/* The address part of every message, and the ports of every
		 * message but the command one. */
		assert_memory_equal(m.message, m.addr_text, strlen(m.addr_text));
		if (m.type != FWKNOP_MSG_COMMAND)
			assert_true(m.nports >= 1);
		/* The window is the caller's: relaxed here for the fixed times. */
		assert_true(fwknop_time_ok(&m, m.timestamp + 120, 120));
		assert_true(fwknop_time_ok(&m, m.timestamp - 120, 120));
		assert_false(fwknop_time_ok(&m, m.timestamp + 121, 120));
		assert_false(fwknop_time_ok(&m, m.timestamp - 121, 120));
		checked++;
	}
	assert_int_equal(checked, nvecs);
}

/* The salt is the 8 bytes after "Salted__" of the restored ciphertext. */
static void wire_salt(const char *wire, size_t hlen, uint8_t salt[8])
{
	char text[FWKNOP_WIRE_MAX + 16];
	uint8_t ct[FWKNOP_WIRE_MAX];
	size_t n = strlen(wire) - hlen;
	snprintf(text, sizeof text, "U2FsdGVkX1%.*s", (int)n, wire);
	long len = base64_decode(text, strlen(text), ct, sizeof ct);
	assert_true(len >= 32);
	assert_memory_equal(ct, "Salted__", 8);
	memcpy(salt, ct + 8, 8);
}

static size_t b64len_of(enum hmac_digest d)
{
	static const size_t sz[] = { 0, 16, 20, 32, 48, 64, 32, 64 };
	return base64_encoded_len(sz[d], false);
}

/* Rebuild each packet from the client's own field dump (not from our
 * decoder's output), with the salt and random field of the vector: the
 * bytes must be the client's. */
static void vectors_reencode_identical(void **state)
{
	(void)state;
	size_t checked = 0;
	for (size_t i = 0; i < nvecs; i++) {
		const struct vec *v = &vecs[i];
		if (strcmp(v->expect, "ok") != 0)
			continue;
		struct vkeys vk;
		vec_keys(v, &vk);
		struct fwknop_msg m;
		memset(&m, 0, sizeof m);
		set_str(m.rand, sizeof m.rand, v->rand);
		set_str(m.username, sizeof m.username, v->user);
		m.timestamp = strtoull(v->ts, NULL, 10);
		set_str(m.version, sizeof m.version, v->version);
		m.type = (enum fwknop_msg_type)leading_num(v->type);
		set_str(m.message, sizeof m.message, v->message);
		if (strcmp(v->nat, "<NULL>") != 0) {
			m.has_nat = true;
			set_str(m.nat_access, sizeof m.nat_access, v->nat);
		}
		m.client_timeout = (uint32_t)leading_num(v->timeout);
		m.digest = (enum hmac_digest)leading_num(v->digest_type);

		uint8_t salt[8];
		wire_salt(v->wire, b64len_of(vk.k.hmac_digest), salt);
		char out[FWKNOP_WIRE_MAX + 1];
		long n = fwknop_encode(&m, &vk.k, salt, out, sizeof out);
		if (n < 0)
			fail_msg("%s: encode %ld (%s)", v->name, n, fwknop_strerror((int)n));
		assert_int_equal((size_t)n, strlen(v->wire));
		if (strcmp(out, v->wire) != 0)
			fail_msg("%s: re-encoded packet differs\n got  %s\n want %s", v->name, out, v->wire);
		checked++;
	}
	assert_int_equal(checked, 17);
}

/* The live packet of v01_wire.txt, decoded by fwknopd in
 * v01_wire_fwknopd_offline_decode.txt. */
static void live_wire_vector(void **state)
{
	(void)state;
	char wire[FWKNOP_WIRE_MAX + 2];
	FILE *f = fopen(VEC_DIR "v01_wire.txt", "r");
	assert_non_null(f);
	size_t n = fread(wire, 1, sizeof wire - 1, f);
	fclose(f);
	wire[n] = '\0';
	/* The file ends with a newline; the packet had none. */
	if (n > 0 && wire[n - 1] == '\n')
		wire[--n] = '\0';
	assert_int_equal(n, 204);
	struct fwknop_keys k = {
		(const uint8_t *)"fwknoptestkey", 13,
		(const uint8_t *)"fwknophmackey", 13, HMAC_SHA256,
	};
	struct fwknop_msg m;
	assert_int_equal(decode_str(wire, &k, &m), FWKNOP_OK);
	assert_string_equal(m.rand, "7709117041151448");
	assert_int_equal(m.timestamp, 1795781261);
	assert_string_equal(m.message, "198.18.1.2,tcp/22");
	assert_true(fwknop_msg_is_access(&m));
	assert_false(m.addr_any);
	assert_int_equal(m.addr.family, AF_INET);
	assert_int_equal(m.nports, 1);
	assert_int_equal(m.ports[0].port, 22);
	assert_int_equal(m.ports[0].proto, PROTO_TCP);
}

static void message_semantics(void **state)
{
	(void)state;
	struct vkeys vk;
	struct fwknop_msg m;

	struct vec *v = vec_named("v03_");
	vec_keys(v, &vk);
	assert_int_equal(decode_str(v->wire, &vk.k, &m), FWKNOP_OK);
	assert_int_equal(m.nports, 2);
	assert_int_equal(m.ports[0].proto, PROTO_TCP);
	assert_int_equal(m.ports[0].port, 22);
	assert_int_equal(m.ports[1].proto, PROTO_UDP);
	assert_int_equal(m.ports[1].port, 53);

	v = vec_named("v04_");
	vec_keys(v, &vk);
	assert_int_equal(decode_str(v->wire, &vk.k, &m), FWKNOP_OK);
	assert_int_equal(m.type, FWKNOP_MSG_CLIENT_TIMEOUT_ACCESS);
	assert_true(fwknop_msg_is_access(&m));
	assert_int_equal(m.client_timeout, 45);
	assert_int_equal(m.ports[0].port, 8080);

	const char *refused[] = { "v05_", "v06_", "v07_", "v08_" };
	for (size_t i = 0; i < 4; i++) {
		v = vec_named(refused[i]);
		vec_keys(v, &vk);
		assert_int_equal(decode_str(v->wire, &vk.k, &m), FWKNOP_OK);
		assert_false(fwknop_msg_is_access(&m));
	}
	v = vec_named("v08_");
	vec_keys(v, &vk);
	assert_int_equal(decode_str(v->wire, &vk.k, &m), FWKNOP_OK);
	assert_int_equal(m.type, FWKNOP_MSG_COMMAND);
	assert_string_equal(fwknop_msg_type_name(m.type), "command");
	assert_string_equal(m.addr_text, "198.18.1.2");

	v = vec_named("v09_");
	vec_keys(v, &vk);
	assert_int_equal(decode_str(v->wire, &vk.k, &m), FWKNOP_OK);
	assert_true(m.addr_any);
	assert_int_equal(m.addr.family, 0);
	assert_string_equal(m.addr_text, "0.0.0.0");

	v = vec_named("x08_");
	vec_keys(v, &vk);
	assert_int_equal(decode_str(v->wire, &vk.k, &m), FWKNOP_OK);
	assert_string_equal(m.username, "alice.smith");
}

static void replay_key_matches_worked_example(void **state)
{
	(void)state;
	struct vec *v = vec_named("v01_");
	uint8_t d[FWKNOP_REPLAY_KEY_LEN];
	char b64[64];
	fwknop_replay_key((const uint8_t *)v->wire, strlen(v->wire), d);
	assert_true(base64_encode(d, sizeof d, b64, sizeof b64, false) > 0);
	assert_string_equal(b64, "232lIKBd19mWPkdhPj1Rzt7GazB/kDENGI2dLNEH/AM");
}

/* --- refusals ------------------------------------------------------------ */

static void tampered_truncated_wrong_keys(void **state)
{
	(void)state;
	struct vec *v = vec_named("v01_");
	struct vkeys vk;
	struct fwknop_msg m;
	vec_keys(v, &vk);
	size_t len = strlen(v->wire);
	char w[FWKNOP_WIRE_MAX + 32];

	/* Every single character changed, anywhere: refused. */
	for (size_t i = 0; i < len; i++) {
		strcpy(w, v->wire);
		w[i] = w[i] == 'A' ? 'B' : 'A';
		int rc = decode_str(w, &vk.k, &m);
		assert_true(rc < 0);
		/* Ciphertext or HMAC text: the HMAC catches it. */
		assert_int_equal(rc, FWKNOP_ERR_HMAC);
	}
	/* Every truncation: refused. */
	for (size_t n = 0; n < len; n++)
		assert_true(fwknop_decode((const uint8_t *)v->wire, n, &vk.k, &m) < 0);
	/* Bytes appended, prefix restored by an attacker, non-base64 bytes. */
	snprintf(w, sizeof w, "%sA", v->wire);
	assert_true(decode_str(w, &vk.k, &m) < 0);
	snprintf(w, sizeof w, "U2FsdGVkX1%s", v->wire);
	assert_true(decode_str(w, &vk.k, &m) < 0);
	strcpy(w, v->wire);
	w[5] = '=';
	assert_int_equal(decode_str(w, &vk.k, &m), FWKNOP_ERR_CHARSET);
	w[5] = '\n';
	assert_int_equal(decode_str(w, &vk.k, &m), FWKNOP_ERR_CHARSET);
	uint8_t big[FWKNOP_WIRE_MAX + 1];
	memset(big, 'A', sizeof big);
	assert_int_equal(fwknop_decode(big, sizeof big, &vk.k, &m), FWKNOP_ERR_SIZE);

	/* Wrong HMAC key: HMAC.  Wrong Rijndael key, right HMAC key: the
	 * HMAC passes and decryption or parsing fails. */
	struct fwknop_keys k = vk.k;
	k.hmac_key = (const uint8_t *)"fwknophmackeX";
	assert_int_equal(decode_str(v->wire, &k, &m), FWKNOP_ERR_HMAC);
	k = vk.k;
	k.key = (const uint8_t *)"fwknoptestkeX";
	int rc = decode_str(v->wire, &k, &m);
	assert_true(rc == FWKNOP_ERR_DECRYPT || rc == FWKNOP_ERR_FORMAT || rc == FWKNOP_ERR_DIGEST);
	/* A digest other than the packet's: refused. */
	k = vk.k;
	k.hmac_digest = HMAC_SHA3_256;
	assert_int_equal(decode_str(v->wire, &k, &m), FWKNOP_ERR_HMAC);
	k.hmac_digest = HMAC_SHA512;
	assert_true(decode_str(v->wire, &k, &m) < 0);
	/* No HMAC key: nothing is decoded. */
	k = vk.k;
	k.hmac_key = NULL;
	k.hmac_key_len = 0;
	assert_int_equal(decode_str(v->wire, &k, &m), FWKNOP_ERR_NO_HMAC_KEY);
	k = vk.k;
	k.hmac_digest = HMAC_NONE;
	assert_int_equal(decode_str(v->wire, &k, &m), FWKNOP_ERR_ARG);
	k = vk.k;
	k.key_len = 0;
	assert_int_equal(decode_str(v->wire, &k, &m), FWKNOP_ERR_ARG);
	assert_true(strlen(fwknop_strerror(FWKNOP_ERR_NO_HMAC)) > 10);
}

/* --- an independent sealer for malformed plaintexts --------------------- */

static const uint8_t tkey[] = "fwknoptestkey";
static const uint8_t thkey[] = "fwknophmackey";

/* Encrypts PT with OpenSSL's EVP_BytesToKey and HMACs it with HMAC(),
 * into the fwknop wire form.  KEY/KEYLEN: the Rijndael key to use. */
static void seal_raw(const uint8_t *pt, size_t ptlen, const uint8_t *key, size_t keylen,
		     char *out, size_t outlen)
{
	uint8_t salt[8], k[32], iv[16], ct[2048];
	assert_int_equal(RAND_bytes(salt, sizeof salt), 1);
	assert_int_equal(EVP_BytesToKey(EVP_aes_256_cbc(), EVP_md5(), salt, key, (int)keylen,
					1, k, iv), 32);
	memcpy(ct, "Salted__", 8);
	memcpy(ct + 8, salt, 8);
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n1 = 0, n2 = 0;
	assert_int_equal(EVP_EncryptInit_ex(c, EVP_aes_256_cbc(), NULL, k, iv), 1);
	assert_true(ptlen + 32 < sizeof ct - 16);
	assert_int_equal(EVP_EncryptUpdate(c, ct + 16, &n1, pt, (int)ptlen), 1);
	assert_int_equal(EVP_EncryptFinal_ex(c, ct + 16 + n1, &n2), 1);
	EVP_CIPHER_CTX_free(c);
	char text[4096];
	long tl = base64_encode(ct, 16 + (size_t)n1 + (size_t)n2, text, sizeof text, false);
	assert_true(tl > 10);
	uint8_t h[32];
	unsigned hl = 0;
	HMAC(EVP_sha256(), thkey, 13, (const uint8_t *)text, (size_t)tl, h, &hl);
	char hb[64];
	assert_true(base64_encode(h, hl, hb, sizeof hb, false) > 0);
	assert_true(snprintf(out, outlen, "%s%s", text + 10, hb) < (int)outlen);
}

/* FIELDS + ":" + b64(sha256(FIELDS)). */
static size_t with_digest(const char *fields, char *pt, size_t cap)
{
	uint8_t d[32];
	unsigned dl = 0;
	char b[64];
	EVP_Digest(fields, strlen(fields), d, &dl, EVP_sha256(), NULL);
	base64_encode(d, dl, b, sizeof b, false);
	int n = snprintf(pt, cap, "%s:%s", fields, b);
	assert_true(n > 0 && (size_t)n < cap);
	return (size_t)n;
}

static int decode_fields(const char *fields, struct fwknop_msg *m)
{
	char pt[1600], wire[4096];
	size_t n = with_digest(fields, pt, sizeof pt);
	seal_raw((const uint8_t *)pt, n, tkey, 13, wire, sizeof wire);
	struct fwknop_keys k = { tkey, 13, thkey, 13, HMAC_SHA256 };
	return decode_str(wire, &k, m);
}

static void malformed_plaintexts(void **state)
{
	(void)state;
	struct fwknop_msg m;
	/* cm9vdA = "root"; MTk4LjE4LjEuMix0Y3AvMjI = "198.18.1.2,tcp/22" */
	assert_int_equal(decode_fields("1234567890123456:cm9vdA:1795779778:3.0.0:1:MTk4LjE4LjEuMix0Y3AvMjI", &m), FWKNOP_OK);
	assert_int_equal(m.ports[0].port, 22);
	/* server auth between message and timeout: "pw" = cHc */
	assert_int_equal(decode_fields("1234567890123456:cm9vdA:1795779778:3.0.0:3:MTk4LjE4LjEuMix0Y3AvMjI:cHc:30", &m), FWKNOP_OK);
	assert_true(m.has_server_auth);
	assert_string_equal(m.server_auth, "pw");
	assert_int_equal(m.client_timeout, 30);

	static const struct { const char *fields; int rc; } bad[] = {
		/* random field: 15 digits, a letter */
		{ "123456789012345:cm9vdA:1795779778:3.0.0:1:MTk4LjE4LjEuMix0Y3AvMjI", FWKNOP_ERR_FORMAT },
		{ "123456789012345x:cm9vdA:1795779778:3.0.0:1:MTk4LjE4LjEuMix0Y3AvMjI", FWKNOP_ERR_FORMAT },
		/* empty user, user not base64, user with a control byte (AQ = 0x01) */
		{ "1234567890123456::1795779778:3.0.0:1:MTk4LjE4LjEuMix0Y3AvMjI", FWKNOP_ERR_FORMAT },
		{ "1234567890123456:c*:1795779778:3.0.0:1:MTk4LjE4LjEuMix0Y3AvMjI", FWKNOP_ERR_FORMAT },
		{ "1234567890123456:AQ:1795779778:3.0.0:1:MTk4LjE4LjEuMix0Y3AvMjI", FWKNOP_ERR_FORMAT },
		/* timestamp: sign, letters, huge */
		{ "1234567890123456:cm9vdA:-1:3.0.0:1:MTk4LjE4LjEuMix0Y3AvMjI", FWKNOP_ERR_FORMAT },
		{ "1234567890123456:cm9vdA:17x:3.0.0:1:MTk4LjE4LjEuMix0Y3AvMjI", FWKNOP_ERR_FORMAT },
		{ "1234567890123456:cm9vdA:99999999999999999999999:3.0.0:1:MTk4LjE4LjEuMix0Y3AvMjI", FWKNOP_ERR_FORMAT },
		/* version, type */
		{ "1234567890123456:cm9vdA:1795779778:3.0.0a:1:MTk4LjE4LjEuMix0Y3AvMjI", FWKNOP_ERR_FORMAT },
		{ "1234567890123456:cm9vdA:1795779778:3.0.0:7:MTk4LjE4LjEuMix0Y3AvMjI", FWKNOP_ERR_FORMAT },
		{ "1234567890123456:cm9vdA:1795779778:3.0.0:01:MTk4LjE4LjEuMix0Y3AvMjI", FWKNOP_ERR_FORMAT },
		/* too few fields; NAT type without NAT field; timeout type
		 * without timeout; timeout not a number; too many fields */
		{ "1234567890123456:cm9vdA:1795779778:3.0.0:1", FWKNOP_ERR_FORMAT },
		{ "1234567890123456:cm9vdA:1795779778:3.0.0:2:MTk4LjE4LjEuMix0Y3AvMjI", FWKNOP_ERR_FORMAT },
		{ "1234567890123456:cm9vdA:1795779778:3.0.0:4:MTk4LjE4LjEuMix0Y3AvMjI", FWKNOP_ERR_FORMAT },
		{ "1234567890123456:cm9vdA:1795779778:3.0.0:3:MTk4LjE4LjEuMix0Y3AvMjI:x", FWKNOP_ERR_FORMAT },
		{ "1234567890123456:cm9vdA:1795779778:3.0.0:1:MTk4LjE4LjEuMix0Y3AvMjI:cHc:cHc", FWKNOP_ERR_FORMAT },
		{ "1234567890123456:cm9vdA:1795779778:3.0.0:3:MTk4LjE4LjEuMix0Y3AvMjI:cHc:cHc:5", FWKNOP_ERR_FORMAT },
		/* messages: "198.18.1.2" (no ports), "198.18.1.2,tcp/0",
		 * "198.18.1.2,icmp/1", "1.2.3,tcp/22", "198.18.1.2,tcp/22," */
		{ "1234567890123456:cm9vdA:1795779778:3.0.0:1:MTk4LjE4LjEuMg", FWKNOP_ERR_MESSAGE },
		{ "1234567890123456:cm9vdA:1795779778:3.0.0:1:MTk4LjE4LjEuMix0Y3AvMA", FWKNOP_ERR_MESSAGE },
		{ "1234567890123456:cm9vdA:1795779778:3.0.0:1:MTk4LjE4LjEuMixpY21wLzE", FWKNOP_ERR_MESSAGE },
		{ "1234567890123456:cm9vdA:1795779778:3.0.0:1:MS4yLjMsdGNwLzIy", FWKNOP_ERR_MESSAGE },
		{ "1234567890123456:cm9vdA:1795779778:3.0.0:1:MTk4LjE4LjEuMix0Y3AvMjIs", FWKNOP_ERR_MESSAGE },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int rc = decode_fields(bad[i].fields, &m);
		if (rc != bad[i].rc)
			fail_msg("case %zu: rc %d (%s), want %d", i, rc, fwknop_strerror(rc), bad[i].rc);
	}

	/* A wrong inner digest, an embedded NUL, 17 ports. */
	char pt[1600], wire[4096];
	struct fwknop_keys k = { tkey, 13, thkey, 13, HMAC_SHA256 };
	size_t n = with_digest("1234567890123456:cm9vdA:1795779778:3.0.0:1:MTk4LjE4LjEuMix0Y3AvMjI", pt, sizeof pt);
	pt[n - 1] = pt[n - 1] == 'A' ? 'B' : 'A';
	seal_raw((const uint8_t *)pt, n, tkey, 13, wire, sizeof wire);
	assert_int_equal(decode_str(wire, &k, &m), FWKNOP_ERR_DIGEST);
	n = with_digest("1234567890123456:cm9vdA:1795779778:3.0.0:1:MTk4LjE4LjEuMix0Y3AvMjI", pt, sizeof pt);
	pt[3] = '\0';
	seal_raw((const uint8_t *)pt, n, tkey, 13, wire, sizeof wire);
	assert_int_equal(decode_str(wire, &k, &m), FWKNOP_ERR_DECRYPT);

	char msg[400] = "198.18.1.2", b64[600], fields[800];
	for (int i = 0; i < 17; i++)
		snprintf(msg + strlen(msg), sizeof msg - strlen(msg), ",tcp/%d", 1000 + i);
	base64_encode((const uint8_t *)msg, strlen(msg), b64, sizeof b64, false);
	snprintf(fields, sizeof fields, "1234567890123456:cm9vdA:1795779778:3.0.0:1:%s", b64);
	assert_int_equal(decode_fields(fields, &m), FWKNOP_ERR_MESSAGE);
	/* 16 is the limit, and is fine. */
	*strrchr(msg, ',') = '\0';
	base64_encode((const uint8_t *)msg, strlen(msg), b64, sizeof b64, false);
	snprintf(fields, sizeof fields, "1234567890123456:cm9vdA:1795779778:3.0.0:1:%s", b64);
	assert_int_equal(decode_fields(fields, &m), FWKNOP_OK);
	assert_int_equal(m.nports, 16);
}

/* A pre-2.5 client padded short keys with '0' to 16 bytes: such a packet
 * (here sealed with that padded key) is named and refused. */
static void legacy_iv_refused(void **state)
{
	(void)state;
	char pt[1600], wire[4096];
	struct fwknop_msg m;
	size_t n = with_digest("1234567890123456:cm9vdA:1795779778:3.0.0:1:MTk4LjE4LjEuMix0Y3AvMjI", pt, sizeof pt);
	seal_raw((const uint8_t *)pt, n, (const uint8_t *)"fwknoptestkey000", 16, wire, sizeof wire);
	struct fwknop_keys k = { tkey, 13, thkey, 13, HMAC_SHA256 };
	assert_int_equal(decode_str(wire, &k, &m), FWKNOP_ERR_LEGACY_IV);
	/* The same plaintext with the right derivation is accepted. */
	seal_raw((const uint8_t *)pt, n, tkey, 13, wire, sizeof wire);
	assert_int_equal(decode_str(wire, &k, &m), FWKNOP_OK);
}

/* --- client side ----------------------------------------------------------- */

static void client_roundtrip(void **state)
{
	(void)state;
	struct port_proto ports[2] = { { 22, PROTO_TCP }, { 53, PROTO_UDP } };
	struct fwknop_msg m, d;
	uint8_t salt[8];
	char wire[FWKNOP_WIRE_MAX + 1];
	const enum hmac_digest all[] = { HMAC_MD5, HMAC_SHA1, HMAC_SHA256, HMAC_SHA384,
					 HMAC_SHA512, HMAC_SHA3_256, HMAC_SHA3_512 };
	uint8_t key[32], hkey[128];
	assert_int_equal(RAND_bytes(key, sizeof key), 1);
	assert_int_equal(RAND_bytes(hkey, sizeof hkey), 1);
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
		struct fwknop_keys k = { key, sizeof key, hkey, sizeof hkey, all[i] };
		assert_int_equal(fwknop_msg_access(&m, "root", 1795779778, NULL, ports, 2, 0), FWKNOP_OK);
		assert_string_equal(m.message, "0.0.0.0,tcp/22,udp/53");
		assert_int_equal(strlen(m.rand), 16);
		assert_true(m.rand[0] != '0');
		m.digest = all[(i + 3) % 7];
		assert_int_equal(RAND_bytes(salt, sizeof salt), 1);
		long n = fwknop_encode(&m, &k, salt, wire, sizeof wire);
		assert_true(n > 0);
		assert_int_equal(strncmp(wire, "U2FsdGVkX1", 10) != 0, 1);
		assert_int_equal(fwknop_decode((uint8_t *)wire, (size_t)n, &k, &d), FWKNOP_OK);
		assert_true(d.addr_any);
		assert_int_equal(d.nports, 2);
		assert_int_equal(d.digest, m.digest);
		assert_string_equal(d.rand, m.rand);
		/* Too small an output buffer is reported, not overrun. */
		assert_int_equal(fwknop_encode(&m, &k, salt, wire, (size_t)n), FWKNOP_ERR_SPACE);
	}

	struct fwknop_keys k = { key, sizeof key, hkey, 64, HMAC_SHA256 };
	assert_int_equal(fwknop_msg_access(&m, "alice", 100, "2001:db8:5e5::2", ports, 1, 45), FWKNOP_OK);
	assert_int_equal(m.type, FWKNOP_MSG_CLIENT_TIMEOUT_ACCESS);
	long n = fwknop_encode(&m, &k, salt, wire, sizeof wire);
	assert_true(n > 0);
	assert_int_equal(fwknop_decode((uint8_t *)wire, (size_t)n, &k, &d), FWKNOP_OK);
	assert_int_equal(d.client_timeout, 45);
	assert_int_equal(d.addr.family, AF_INET6);
	assert_false(d.addr_any);
	assert_string_equal(d.username, "alice");

	/* Bad client inputs. */
	assert_int_equal(fwknop_msg_access(&m, "root", 1, "host.example", ports, 1, 0), FWKNOP_ERR_ARG);
	assert_int_equal(fwknop_msg_access(&m, "root", 1, NULL, ports, 0, 0), FWKNOP_ERR_ARG);
	assert_int_equal(fwknop_msg_access(&m, "", 1, NULL, ports, 1, 0), FWKNOP_ERR_ARG);
	assert_int_equal(fwknop_msg_access(&m, "a\nb", 1, NULL, ports, 1, 0), FWKNOP_ERR_ARG);
	struct port_proto zero = { 0, PROTO_TCP };
	assert_int_equal(fwknop_msg_access(&m, "root", 1, NULL, &zero, 1, 0), FWKNOP_ERR_ARG);
	k.hmac_key_len = 0;
	assert_int_equal(fwknop_msg_access(&m, "root", 1, NULL, ports, 1, 0), FWKNOP_OK);
	assert_int_equal(fwknop_encode(&m, &k, salt, wire, sizeof wire), FWKNOP_ERR_NO_HMAC_KEY);
}

static void digest_names(void **state)
{
	(void)state;
	enum hmac_digest d;
	assert_true(fwknop_digest_parse("sha256", &d));
	assert_int_equal(d, HMAC_SHA256);
	assert_true(fwknop_digest_parse("SHA3-512", &d));
	assert_int_equal(d, HMAC_SHA3_512);
	assert_true(fwknop_digest_parse("md5", &d));
	assert_int_equal(d, HMAC_MD5);
	assert_false(fwknop_digest_parse("sha224", &d));
	assert_false(fwknop_digest_parse("", &d));
	assert_false(fwknop_digest_parse("sha256sha256sha256", &d));
	assert_string_equal(fwknop_digest_name(HMAC_SHA3_256), "sha3_256");
}

/* The preload runs a packet of every HMAC digest through the codec; the
 * real vectors decode the same after it. */
static void preload_every_digest(void **state)
{
	(void)state;
	assert_int_equal(fwknop_preload(HMAC_NONE), FWKNOP_ERR_ARG);
	assert_int_equal(fwknop_preload((enum hmac_digest)99), FWKNOP_ERR_ARG);
	for (enum hmac_digest d = HMAC_MD5; d <= HMAC_SHA3_512; d++)
		assert_int_equal(fwknop_preload(d), FWKNOP_OK);
	vectors_decode_and_verify(state);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(vectors_decode_and_verify),
		cmocka_unit_test(vectors_reencode_identical),
		cmocka_unit_test(live_wire_vector),
		cmocka_unit_test(message_semantics),
		cmocka_unit_test(replay_key_matches_worked_example),
		cmocka_unit_test(tampered_truncated_wrong_keys),
		cmocka_unit_test(malformed_plaintexts),
		cmocka_unit_test(legacy_iv_refused),
		cmocka_unit_test(client_roundtrip),
		cmocka_unit_test(digest_names),
		cmocka_unit_test(preload_every_digest),
	};
	return cmocka_run_group_tests(tests, load_vectors, NULL);
}
