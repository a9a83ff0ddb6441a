/* SPDX-License-Identifier: GPL-2.0-or-later */
/* spa — see spa.h and docs/spa-protocol.md.
 *
 * The body is fixed-size and canonical: every unused byte must be zero,
 * so one request has exactly one encoding and nothing hides in padding. */
#include "spa.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "be64.h"

/* Body layout (offsets inside the 83 decrypted bytes). */
enum {
	BODY_FAMILY = 0,                /* 0 none, 4 IPv4, 6 IPv6 */
	BODY_ADDR = 1,                  /* 16 bytes; IPv4 in the first 4 */
	BODY_NPORTS = 17,
	BODY_PORTS = 18,                /* SPA_PORTS_MAX x (port BE16, proto) */
	BODY_DPORT = BODY_PORTS + 3 * SPA_PORTS_MAX,    /* v2: BE16 */
	BODY_DOOR = BODY_DPORT + 2,     /* v2: door tag */
	BODY_RESERVED_V2 = BODY_DOOR + SPA_DOOR_TAG_LEN, /* zero to the end */
	BODY_RESERVED_V1 = BODY_DPORT,  /* v1: zero from here on */
};
_Static_assert(BODY_RESERVED_V2 <= SPA_BODY_LEN, "body layout overflows");
_Static_assert(SPA_BODY_LEN == 83, "body size is part of the protocol");

static const char keyid_label[] = "sesame-spa-v1 key id";
static const char door_label[] = "sesame-spa-v2 door";

struct spa_aead {
	EVP_CIPHER_CTX *ctx;
	EVP_CIPHER *cipher;
	int mode;                       /* 0: fresh, 1: set up to encrypt, 2: decrypt */
};

/* The cipher is set up once per direction; later packets only change the
 * key and nonce, which saves a good part of the per-packet cost. */
static const EVP_CIPHER *cipher_for(struct spa_aead *c, int mode)
{
	if (c->mode == mode)
		return NULL;
	c->mode = mode;
	return c->cipher;
}

/* SHA-256(LABEL || DATA), truncated to OUTLEN bytes.  SHA-256 cannot
 * fail short of memory exhaustion; zeros then (a key id of zeros matches
 * no configured key). */
static void labelled_hash(const char *label, size_t label_len, const void *data, size_t len,
			  uint8_t *out, size_t outlen)
{
	uint8_t md[32];
	unsigned int mdlen = 0;
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	if (!m || !EVP_DigestInit_ex(m, EVP_sha256(), NULL) ||
	    !EVP_DigestUpdate(m, label, label_len) ||
	    !EVP_DigestUpdate(m, data, len) ||
	    !EVP_DigestFinal_ex(m, md, &mdlen) || mdlen != sizeof md)
		memset(md, 0, sizeof md);
	EVP_MD_CTX_free(m);
	memcpy(out, md, outlen);
}

void spa_key_id(const uint8_t key[SPA_KEY_LEN], uint8_t id[SPA_KEYID_LEN])
{
	labelled_hash(keyid_label, sizeof keyid_label - 1, key, SPA_KEY_LEN, id, SPA_KEYID_LEN);
}

void spa_door_tag(const char *name, uint8_t tag[SPA_DOOR_TAG_LEN])
{
	labelled_hash(door_label, sizeof door_label - 1, name, strlen(name), tag,
		      SPA_DOOR_TAG_LEN);
	/* All zero means "no door named"; a name must never look like that
	 * (probability 2^-64, but cheap to rule out). */
	uint8_t acc = 0;
	for (size_t i = 0; i < SPA_DOOR_TAG_LEN; i++)
		acc |= tag[i];
	if (!acc)
		tag[SPA_DOOR_TAG_LEN - 1] = 1;
}

struct spa_aead *spa_aead_new(void)
{
	struct spa_aead *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->ctx = EVP_CIPHER_CTX_new();
	c->cipher = EVP_CIPHER_fetch(NULL, "ChaCha20-Poly1305", NULL);
	if (!c->ctx || !c->cipher) {
		spa_aead_free(c);
		return NULL;
	}
	return c;
}

void spa_aead_free(struct spa_aead *c)
{
	if (!c)
		return;
	EVP_CIPHER_CTX_free(c->ctx);
	EVP_CIPHER_free(c->cipher);
	free(c);
}

static bool all_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;
	for (size_t i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

static bool valid_port(const struct port_proto *pp)
{
	return pp->port != 0 && (pp->proto == PROTO_TCP || pp->proto == PROTO_UDP);
}

static uint8_t req_version(const struct spa_request *req)
{
	return req->version ? req->version : SPA_VERSION;
}

static int body_encode(const struct spa_request *req, uint8_t body[SPA_BODY_LEN])
{
	memset(body, 0, SPA_BODY_LEN);
	switch (req_version(req)) {
	case SPA_VERSION:
		if (req->dport == 0)
			return -EINVAL;
		body[BODY_DPORT] = (uint8_t)(req->dport >> 8);
		body[BODY_DPORT + 1] = (uint8_t)req->dport;
		memcpy(body + BODY_DOOR, req->door_tag, SPA_DOOR_TAG_LEN);
		break;
	case SPA_VERSION_LEGACY:
		if (req->dport != 0 || !all_zero(req->door_tag, SPA_DOOR_TAG_LEN))
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	switch (req->addr.family) {
	case 0:
		break;
	case AF_INET:
		body[BODY_FAMILY] = 4;
		memcpy(body + BODY_ADDR, &req->addr.v4, 4);
		break;
	case AF_INET6:
		body[BODY_FAMILY] = 6;
		memcpy(body + BODY_ADDR, &req->addr.v6, 16);
		break;
	default:
		return -EINVAL;
	}
	if (req->nports > SPA_PORTS_MAX)
		return -EINVAL;
	body[BODY_NPORTS] = (uint8_t)req->nports;
	for (size_t i = 0; i < req->nports; i++) {
		if (!valid_port(&req->ports[i]))
			return -EINVAL;
		uint8_t *p = body + BODY_PORTS + 3 * i;
		p[0] = (uint8_t)(req->ports[i].port >> 8);
		p[1] = (uint8_t)req->ports[i].port;
		p[2] = req->ports[i].proto;
	}
	return 0;
}

static int body_decode(const uint8_t body[SPA_BODY_LEN], uint8_t version,
		       struct spa_request *req)
{
	size_t reserved = BODY_RESERVED_V1;
	req->version = version;
	if (version == SPA_VERSION) {
		req->dport = (uint16_t)(body[BODY_DPORT] << 8 | body[BODY_DPORT + 1]);
		if (req->dport == 0)
			return -EINVAL;
		memcpy(req->door_tag, body + BODY_DOOR, SPA_DOOR_TAG_LEN);
		reserved = BODY_RESERVED_V2;
	}
	switch (body[BODY_FAMILY]) {
	case 0:
		if (!all_zero(body + BODY_ADDR, 16))
			return -EINVAL;
		req->addr.family = 0;
		break;
	case 4:
		if (!all_zero(body + BODY_ADDR + 4, 12))
			return -EINVAL;
		req->addr.family = AF_INET;
		memcpy(&req->addr.v4, body + BODY_ADDR, 4);
		break;
	case 6:
		req->addr.family = AF_INET6;
		memcpy(&req->addr.v6, body + BODY_ADDR, 16);
		break;
	default:
		return -EINVAL;
	}
	size_t n = body[BODY_NPORTS];
	if (n > SPA_PORTS_MAX)
		return -EINVAL;
	req->nports = n;
	for (size_t i = 0; i < SPA_PORTS_MAX; i++) {
		const uint8_t *p = body + BODY_PORTS + 3 * i;
		if (i >= n) {
			if (!all_zero(p, 3))
				return -EINVAL;
			continue;
		}
		req->ports[i].port = (uint16_t)(p[0] << 8 | p[1]);
		req->ports[i].proto = p[2];
		if (!valid_port(&req->ports[i]))
			return -EINVAL;
	}
	if (!all_zero(body + reserved, SPA_BODY_LEN - reserved))
		return -EINVAL;
	return 0;
}

static void header_encode(uint8_t version, const uint8_t key[SPA_KEY_LEN],
			  const uint8_t nonce[SPA_NONCE_LEN], uint64_t ts,
			  uint8_t out[SPA_HEADER_LEN])
{
	out[0] = version;
	spa_key_id(key, out + 1);
	memcpy(out + 1 + SPA_KEYID_LEN, nonce, SPA_NONCE_LEN);
	be64_put(out + 1 + SPA_KEYID_LEN + SPA_NONCE_LEN, ts);
}

int spa_encode(struct spa_aead *c, const uint8_t key[SPA_KEY_LEN],
	       const uint8_t nonce[SPA_NONCE_LEN], const struct spa_request *req,
	       uint8_t out[SPA_PACKET_LEN])
{
	uint8_t body[SPA_BODY_LEN];
	int rc = body_encode(req, body);
	if (rc < 0)
		goto out;
	struct spa_aead *tmp = NULL;
	if (!c && !(c = tmp = spa_aead_new())) {
		rc = -ENOMEM;
		goto out;
	}
	header_encode(req_version(req), key, nonce, req->timestamp, out);
	int len = 0;
	rc = -EIO;
	if (EVP_EncryptInit_ex2(c->ctx, cipher_for(c, 1), key, nonce, NULL) == 1 &&
	    EVP_EncryptUpdate(c->ctx, NULL, &len, out, SPA_HEADER_LEN) == 1 &&
	    EVP_EncryptUpdate(c->ctx, out + SPA_HEADER_LEN, &len, body, SPA_BODY_LEN) == 1 &&
	    len == SPA_BODY_LEN &&
	    EVP_EncryptFinal_ex(c->ctx, out + SPA_HEADER_LEN + len, &len) == 1 &&
	    EVP_CIPHER_CTX_ctrl(c->ctx, EVP_CTRL_AEAD_GET_TAG, SPA_TAG_LEN,
				out + SPA_HEADER_LEN + SPA_BODY_LEN) == 1)
		rc = 0;
	spa_aead_free(tmp);
out:
	OPENSSL_cleanse(body, sizeof body);
	if (rc < 0)
		OPENSSL_cleanse(out, SPA_PACKET_LEN);
	return rc;
}

int spa_parse_header(const uint8_t *pkt, size_t len, struct spa_header *h)
{
	if (len != SPA_PACKET_LEN)
		return -EMSGSIZE;
	if (pkt[0] != SPA_VERSION && pkt[0] != SPA_VERSION_LEGACY)
		return -EPROTONOSUPPORT;
	h->version = pkt[0];
	memcpy(h->key_id, pkt + 1, SPA_KEYID_LEN);
	memcpy(h->nonce, pkt + 1 + SPA_KEYID_LEN, SPA_NONCE_LEN);
	h->timestamp = be64_get(pkt + 1 + SPA_KEYID_LEN + SPA_NONCE_LEN);
	return 0;
}

int spa_open(struct spa_aead *c, const uint8_t key[SPA_KEY_LEN],
	     const uint8_t *pkt, size_t len, struct spa_request *out)
{
	struct spa_header h;
	int rc = spa_parse_header(pkt, len, &h);
	if (rc < 0)
		return rc;
	struct spa_aead *tmp = NULL;
	if (!c && !(c = tmp = spa_aead_new()))
		return -ENOMEM;
	uint8_t body[SPA_BODY_LEN];
	uint8_t tag[SPA_TAG_LEN];
	memcpy(tag, pkt + SPA_HEADER_LEN + SPA_BODY_LEN, SPA_TAG_LEN);
	int n = 0;
	rc = -EBADMSG;
	/* The tag check inside EVP_DecryptFinal_ex is OpenSSL's constant-time
	 * compare; the plaintext is discarded unless it succeeds. */
	if (EVP_DecryptInit_ex2(c->ctx, cipher_for(c, 2), key, pkt + 1 + SPA_KEYID_LEN, NULL) == 1 &&
	    EVP_CIPHER_CTX_ctrl(c->ctx, EVP_CTRL_AEAD_SET_TAG, SPA_TAG_LEN, tag) == 1 &&
	    EVP_DecryptUpdate(c->ctx, NULL, &n, pkt, SPA_HEADER_LEN) == 1 &&
	    EVP_DecryptUpdate(c->ctx, body, &n, pkt + SPA_HEADER_LEN, SPA_BODY_LEN) == 1 &&
	    n == SPA_BODY_LEN &&
	    EVP_DecryptFinal_ex(c->ctx, body + n, &n) == 1)
		rc = 0;
	spa_aead_free(tmp);
	if (rc == 0) {
		memset(out, 0, sizeof *out);
		out->timestamp = h.timestamp;
		rc = body_decode(body, h.version, out);
	}
	OPENSSL_cleanse(body, sizeof body);
	if (rc < 0)
		OPENSSL_cleanse(out, sizeof *out);
	return rc;
}
