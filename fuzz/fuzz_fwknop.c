/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer harness of the fwknop codec.  The first input byte picks what
 * the rest is (its value modulo 4):
 *   0: a wire packet, decoded with fixed keys (the HMAC gate itself);
 *   1: a plaintext, sealed here with the right keys (OpenSSL's own KDF
 *      and HMAC) and then decoded, so the fuzzer reaches the field parser
 *      behind the HMAC;
 *   2: client fields, encoded and decoded again: what fwknop_encode()
 *      writes, fwknop_decode() must read back identically, field by field
 *      (ports, address, type, user, times, version, digest);
 *   3: the fields of a plaintext (type, user, message text, NAT text,
 *      server auth, timeout) with a correct inner digest computed here,
 *      sealed and decoded, so the fuzzer reaches the message parser and
 *      its error paths; what decodes must encode and decode back the same.
 * A broken property aborts.  Seeds: fuzz/corpus/fwknop/ (the vectors'
 * packets and plaintexts, and structured field lists). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "base64.h"
#include "fwknop.h"

static const uint8_t key[] = "fwknoptestkey";
static const uint8_t hkey[] = "fwknophmackey";
static const struct fwknop_keys keys = { key, 13, hkey, 13, HMAC_SHA256 };

static void must(bool ok)
{
	if (!ok)
		abort();
}

/* Every field two messages must agree on after an encode/decode trip. */
static void same_msg(const struct fwknop_msg *a, const struct fwknop_msg *b)
{
	must(strcmp(a->rand, b->rand) == 0 && strcmp(a->username, b->username) == 0 &&
	     a->timestamp == b->timestamp && strcmp(a->version, b->version) == 0 &&
	     a->type == b->type && strcmp(a->message, b->message) == 0 &&
	     a->has_nat == b->has_nat && strcmp(a->nat_access, b->nat_access) == 0 &&
	     a->has_server_auth == b->has_server_auth &&
	     strcmp(a->server_auth, b->server_auth) == 0 &&
	     a->client_timeout == b->client_timeout && a->digest == b->digest &&
	     strcmp(a->addr_text, b->addr_text) == 0 && a->addr_any == b->addr_any &&
	     a->addr.family == b->addr.family && a->nports == b->nports);
	if (a->addr.family)
		must(addr_equal(&a->addr, &b->addr));
	for (size_t i = 0; i < a->nports; i++)
		must(a->ports[i].port == b->ports[i].port && a->ports[i].proto == b->ports[i].proto);
}

static void decode_wire(const uint8_t *p, size_t n)
{
	struct fwknop_msg m;
	if (fwknop_decode(p, n, &keys, &m) == FWKNOP_OK) {
		/* Every string the decoder hands out is terminated and printable. */
		if (strlen(m.username) > FWKNOP_USER_MAX || strlen(m.message) > FWKNOP_MSG_MAX ||
		    strlen(m.rand) != FWKNOP_RAND_LEN || m.nports > FWKNOP_PORTS_MAX)
			abort();
		uint8_t d[FWKNOP_REPLAY_KEY_LEN];
		fwknop_replay_key(p, n, d);
		/* What decoded encodes again and decodes to the same fields. */
		static const uint8_t salt[8] = { 4, 4, 4, 4, 4, 4, 4, 4 };
		char wire[FWKNOP_WIRE_MAX + 1];
		long wl = fwknop_encode(&m, &keys, salt, wire, sizeof wire);
		struct fwknop_msg again;
		if (wl > 0) {
			must(fwknop_decode((const uint8_t *)wire, (size_t)wl, &keys, &again) ==
			     FWKNOP_OK);
			same_msg(&m, &again);
		}
	}
}

static void seal_and_decode(const uint8_t *pt, size_t n)
{
	static const uint8_t salt[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	uint8_t k[32], iv[16], ct[1200];
	if (n > 1000)
		return;
	if (EVP_BytesToKey(EVP_aes_256_cbc(), EVP_md5(), salt, key, 13, 1, k, iv) != 32)
		abort();
	memcpy(ct, "Salted__", 8);
	memcpy(ct + 8, salt, 8);
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n1 = 0, n2 = 0;
	if (!c || EVP_EncryptInit_ex(c, EVP_aes_256_cbc(), NULL, k, iv) != 1 ||
	    EVP_EncryptUpdate(c, ct + 16, &n1, pt, (int)n) != 1 ||
	    EVP_EncryptFinal_ex(c, ct + 16 + n1, &n2) != 1)
		abort();
	EVP_CIPHER_CTX_free(c);
	char text[1700];
	long tl = base64_encode(ct, 16 + (size_t)n1 + (size_t)n2, text, sizeof text, false);
	if (tl <= 10)
		abort();
	uint8_t h[32];
	unsigned hl = 0;
	HMAC(EVP_sha256(), hkey, 13, (const uint8_t *)text, (size_t)tl, h, &hl);
	char wire[1800];
	size_t wl = (size_t)tl - 10;
	memcpy(wire, text + 10, wl);
	long bl = base64_encode(h, hl, wire + wl, sizeof wire - wl, false);
	if (bl <= 0)
		abort();
	decode_wire((const uint8_t *)wire, wl + (size_t)bl);
}

/* Splits the input on NUL bytes into username, address and a port list. */
static void encode_roundtrip(const uint8_t *p, size_t n)
{
	char buf[512];
	if (n >= sizeof buf || n < 6)
		return;
	uint32_t timeout = p[0];
	uint64_t ts = (uint64_t)p[1] << 24 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 8 | p[4];
	memcpy(buf, p + 5, n - 5);
	buf[n - 5] = '\0';
	const char *user = buf;
	const char *addr = user + strlen(user) + 1;
	if (addr >= buf + (n - 5))
		return;
	struct port_proto ports[FWKNOP_PORTS_MAX];
	size_t np = 0;
	for (const char *q = addr + strlen(addr) + 1; q < buf + (n - 5) && np < FWKNOP_PORTS_MAX; q++, np++) {
		ports[np].port = (uint16_t)((uint8_t)q[0] * 7 + 1);
		ports[np].proto = (q[0] & 1) ? PROTO_UDP : PROTO_TCP;
	}
	if (np == 0)
		return;
	struct fwknop_msg m, d;
	if (fwknop_msg_access(&m, user, ts, *addr ? addr : NULL, ports, np, timeout) != FWKNOP_OK)
		return;
	static const uint8_t salt[8] = { 9, 8, 7, 6, 5, 4, 3, 2 };
	char wire[FWKNOP_WIRE_MAX + 1];
	long wl = fwknop_encode(&m, &keys, salt, wire, sizeof wire);
	if (wl < 0)
		return;
	must(fwknop_decode((const uint8_t *)wire, (size_t)wl, &keys, &d) == FWKNOP_OK);
	same_msg(&m, &d);
	/* And what the client asked for, not only what it wrote. */
	must(d.nports == np && d.type == (timeout ? FWKNOP_MSG_CLIENT_TIMEOUT_ACCESS
						  : FWKNOP_MSG_ACCESS));
	for (size_t i = 0; i < np; i++)
		must(d.ports[i].port == ports[i].port && d.ports[i].proto == ports[i].proto);
	if (*addr) {
		struct addr want;
		if (addr_parse(addr, &want)) {
			static const uint8_t zero[16];
			bool any = memcmp(want.bytes, zero, addr_len(&want)) == 0;
			must(d.addr_any == any);
			if (!any)
				must(addr_equal(&d.addr, &want));
		}
	} else {
		must(d.addr_any);
	}
}

/* Appends S (N bytes) to the text being built; false when it is full. */
static bool put(char *buf, size_t cap, size_t *len, const char *s, size_t n)
{
	if (*len + n >= cap)
		return false;
	memcpy(buf + *len, s, n);
	*len += n;
	buf[*len] = '\0';
	return true;
}

static bool put_b64(char *buf, size_t cap, size_t *len, const char *s, size_t n)
{
	char b[1024];
	long bl = base64_encode((const uint8_t *)s, n, b, sizeof b, false);
	return bl >= 0 && put(buf, cap, len, b, (size_t)bl);
}

/* Input: type byte, timeout byte, then NUL-separated user, message text,
 * NAT text and server auth (missing ones empty).  The plaintext follows
 * fwknop.h's FIELDS with the type's optional fields and a SHA-256 inner
 * digest, so only the message and fields themselves can be wrong. */
static void fields_and_digest(const uint8_t *p, size_t n)
{
	if (n < 2 || n > 900)
		return;
	unsigned type = p[0] % 8;               /* 7: not a type */
	unsigned timeout = p[1];
	char in[901];
	memcpy(in, p + 2, n - 2);
	in[n - 2] = '\0';
	const char *part[4] = { "", "", "", "" };
	size_t np = 0;
	for (const char *q = in; np < 4 && q <= in + (n - 2); q += strlen(q) + 1)
		part[np++] = q;
	char pt[1000];
	size_t len = 0;
	char num[32];
	bool ok = put(pt, sizeof pt, &len, "1234567890123456:", 17) &&
		  put_b64(pt, sizeof pt, &len, part[0], strlen(part[0])) &&
		  put(pt, sizeof pt, &len, ":1767225600:3.0.0:", 18);
	snprintf(num, sizeof num, "%u:", type);
	ok = ok && put(pt, sizeof pt, &len, num, strlen(num)) &&
	     put_b64(pt, sizeof pt, &len, part[1], strlen(part[1]));
	if (ok && (type == 2 || type == 4 || type == 5 || type == 6))
		ok = put(pt, sizeof pt, &len, ":", 1) &&
		     put_b64(pt, sizeof pt, &len, part[2], strlen(part[2]));
	if (ok && *part[3])
		ok = put(pt, sizeof pt, &len, ":", 1) &&
		     put_b64(pt, sizeof pt, &len, part[3], strlen(part[3]));
	if (ok && (type == 3 || type == 4 || type == 6)) {
		snprintf(num, sizeof num, ":%u", timeout);
		ok = put(pt, sizeof pt, &len, num, strlen(num));
	}
	uint8_t md[32];
	unsigned mdl = 0;
	if (!ok || !EVP_Digest(pt, len, md, &mdl, EVP_sha256(), NULL))
		return;
	char b[64];
	long bl = base64_encode(md, mdl, b, sizeof b, false);
	if (bl < 0 || !put(pt, sizeof pt, &len, ":", 1) || !put(pt, sizeof pt, &len, b, (size_t)bl))
		return;
	seal_and_decode((const uint8_t *)pt, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	switch (data[0] % 4) {
	case 0: decode_wire(data + 1, size - 1); break;
	case 1: seal_and_decode(data + 1, size - 1); break;
	case 2: encode_roundtrip(data + 1, size - 1); break;
	case 3: fields_and_digest(data + 1, size - 1); break;
	}
	return 0;
}
