/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer harness of the fwknop codec.  The first input byte picks what
 * the rest is:
 *   0: a wire packet, decoded with fixed keys (the HMAC gate itself);
 *   1: a plaintext, sealed here with the right keys (OpenSSL's own KDF
 *      and HMAC) and then decoded, so the fuzzer reaches the field parser
 *      behind the HMAC;
 *   2: client fields, encoded and decoded again: what fwknop_encode()
 *      writes, fwknop_decode() must read back identically.
 * Seeds: fuzz/corpus/fwknop/ (the vectors' packets and plaintexts). */
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
	if (fwknop_decode((const uint8_t *)wire, (size_t)wl, &keys, &d) != FWKNOP_OK ||
	    strcmp(d.message, m.message) != 0 || strcmp(d.username, m.username) != 0 ||
	    d.timestamp != m.timestamp || d.client_timeout != m.client_timeout ||
	    d.nports != np)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	switch (data[0] % 3) {
	case 0: decode_wire(data + 1, size - 1); break;
	case 1: seal_and_decode(data + 1, size - 1); break;
	case 2: encode_roundtrip(data + 1, size - 1); break;
	}
	return 0;
}
