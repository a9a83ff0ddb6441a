/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fwknop — see fwknop.h and docs/fwknop.md.  Written from the format
 * facts (the man pages and packets made by the 2.6.10 client), not from
 * fwknop's sources.  Every length is checked before use; plaintext never
 * reaches the parser unless its HMAC was right. */
#include "fwknop.h"

#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "base64.h"
#include "numparse.h"
#include "strbuf.h"

/* base64 of "Salted__" is "U2FsdGVkX18..."; its first 10 characters only
 * depend on those 8 bytes, so fwknop drops them from the wire. */
static const char salted_b64[] = "U2FsdGVkX1";
#define SALTED_B64_LEN  10
static const char salted_magic[] = "Salted__";
#define SALTED_LEN      8

#define AES_BLOCK       16
#define AES_KEY_LEN     32
#define DIGEST_MAX      64      /* SHA-512 */
#define DIGEST_B64_MAX  88
/* Bytes of "Salted__" + salt + ciphertext that fit in the largest wire. */
#define CT_MAX          ((FWKNOP_WIRE_MAX + SALTED_B64_LEN) / 4 * 3 + 3)
#define FIELDS_MAX      10      /* 6 fixed + nat + auth + timeout + digest */

const char *fwknop_strerror(int err)
{
	switch (err) {
	case FWKNOP_OK:                 return "ok";
	case FWKNOP_ERR_ARG:            return "bad arguments or keys";
	case FWKNOP_ERR_NO_HMAC_KEY:    return "no HMAC key configured (refused: without an HMAC the CBC ciphertext is malleable)";
	case FWKNOP_ERR_NO_HMAC:        return "packet carries no HMAC (refused: without an HMAC the CBC ciphertext is malleable)";
	case FWKNOP_ERR_SIZE:           return "packet size out of bounds";
	case FWKNOP_ERR_CHARSET:        return "packet is not base64 text";
	case FWKNOP_ERR_HMAC:           return "HMAC mismatch (wrong key or tampered packet)";
	case FWKNOP_ERR_CIPHERTEXT:     return "ciphertext is not Salted__ + salt + whole blocks";
	case FWKNOP_ERR_DECRYPT:        return "decryption failed after a valid HMAC (wrong Rijndael key?)";
	case FWKNOP_ERR_LEGACY_IV:      return "legacy-IV packet (fwknop -M legacy) refused";
	case FWKNOP_ERR_FORMAT:         return "malformed plaintext fields";
	case FWKNOP_ERR_DIGEST:         return "inner digest mismatch";
	case FWKNOP_ERR_MESSAGE:        return "malformed access message";
	case FWKNOP_ERR_SPACE:          return "output buffer too small";
	case FWKNOP_ERR_CRYPTO:         return "OpenSSL failure";
	}
	return "unknown error";
}

/* OpenSSL's names and output sizes of the digests fwknop may use. */
static const struct {
	const char *name;
	size_t size;
} digests[] = {
	[HMAC_MD5] = { "MD5", 16 },
	[HMAC_SHA1] = { "SHA1", 20 },
	[HMAC_SHA256] = { "SHA256", 32 },
	[HMAC_SHA384] = { "SHA384", 48 },
	[HMAC_SHA512] = { "SHA512", 64 },
	[HMAC_SHA3_256] = { "SHA3-256", 32 },
	[HMAC_SHA3_512] = { "SHA3-512", 64 },
};
#define NDIGESTS        (sizeof digests / sizeof digests[0])

static bool digest_known(enum hmac_digest d)
{
	return (unsigned)d < NDIGESTS && digests[d].name;
}

/* The algorithms, each fetched once, and one context per use, made
 * once and reset per packet, all kept for the process's life.  OpenSSL 3
 * looks an algorithm up again on every init it is given through the
 * legacy handles (EVP_aes_256_cbc(), EVP_md5()), a context allocated,
 * freed and set up per packet cost about as much as the packet's own
 * crypto, and the first fetch of each algorithm in a process builds it,
 * milliseconds that would otherwise fall on the first packet after a
 * start (fwknop_preload() moves them before it).  sesamed and sesame are
 * single-threaded.  Between packets the contexts hold the last packet's
 * derived AES key and keyed HMAC state; the keys they come from are in
 * memory for the process's life anyway. */
static struct {
	EVP_MD *md[NDIGESTS];
	EVP_CIPHER *aes;
	EVP_MAC *hmac;
	EVP_MD_CTX *mdctx;              /* the key derivation, digests */
	EVP_CIPHER_CTX *cctx;
	EVP_MAC_CTX *mac[NDIGESTS];     /* HMAC, its digest set once */
} algs;

static const EVP_MD *digest_md(enum hmac_digest d)
{
	if (!digest_known(d))
		return NULL;
	if (!algs.md[d])
		algs.md[d] = EVP_MD_fetch(NULL, digests[d].name, NULL);
	return algs.md[d];
}

static const EVP_CIPHER *aes_256_cbc(void)
{
	if (!algs.aes)
		algs.aes = EVP_CIPHER_fetch(NULL, "AES-256-CBC", NULL);
	return algs.aes;
}

static EVP_MD_CTX *md_ctx(void)
{
	if (!algs.mdctx)
		algs.mdctx = EVP_MD_CTX_new();
	return algs.mdctx;
}

static EVP_CIPHER_CTX *cipher_ctx(void)
{
	if (!algs.cctx)
		algs.cctx = EVP_CIPHER_CTX_new();
	return algs.cctx;
}

/* The HMAC context of digest D, without a key yet. */
static EVP_MAC_CTX *hmac_ctx(enum hmac_digest d)
{
	if (!digest_known(d))
		return NULL;
	if (algs.mac[d])
		return algs.mac[d];
	if (!algs.hmac && !(algs.hmac = EVP_MAC_fetch(NULL, "HMAC", NULL)))
		return NULL;
	EVP_MAC_CTX *c = EVP_MAC_CTX_new(algs.hmac);
	OSSL_PARAM params[2] = {
		OSSL_PARAM_construct_utf8_string("digest", (char *)digests[d].name, 0),
		OSSL_PARAM_construct_end(),
	};
	if (!c || EVP_MAC_CTX_set_params(c, params) != 1) {
		EVP_MAC_CTX_free(c);
		return NULL;
	}
	return algs.mac[d] = c;
}

/* DIGEST(DATA) into OUT (DIGEST_MAX bytes); its length, or 0. */
static unsigned digest(enum hmac_digest d, const void *data, size_t len, uint8_t *out)
{
	const EVP_MD *md = digest_md(d);
	EVP_MD_CTX *c = md_ctx();
	unsigned n = 0;
	if (!md || !c || EVP_DigestInit_ex2(c, md, NULL) != 1 ||
	    EVP_DigestUpdate(c, data, len) != 1 || EVP_DigestFinal_ex(c, out, &n) != 1 ||
	    n > DIGEST_MAX)
		return 0;
	return n;
}

bool fwknop_digest_parse(const char *s, enum hmac_digest *out)
{
	return hmac_digest_parse(s, out);
}

const char *fwknop_digest_name(enum hmac_digest d)
{
	const char *n = hmac_digest_name(d);
	return n && d != HMAC_NONE ? n : "none";
}

const char *fwknop_msg_type_name(enum fwknop_msg_type t)
{
	switch (t) {
	case FWKNOP_MSG_COMMAND:                return "command";
	case FWKNOP_MSG_ACCESS:                 return "access";
	case FWKNOP_MSG_NAT_ACCESS:             return "NAT access";
	case FWKNOP_MSG_CLIENT_TIMEOUT_ACCESS:  return "client-timeout access";
	case FWKNOP_MSG_CLIENT_TIMEOUT_NAT_ACCESS: return "client-timeout NAT access";
	case FWKNOP_MSG_LOCAL_NAT_ACCESS:       return "local NAT access";
	case FWKNOP_MSG_CLIENT_TIMEOUT_LOCAL_NAT_ACCESS: return "client-timeout local NAT access";
	}
	return "unknown";
}

bool fwknop_msg_is_access(const struct fwknop_msg *msg)
{
	return msg->type == FWKNOP_MSG_ACCESS ||
	       msg->type == FWKNOP_MSG_CLIENT_TIMEOUT_ACCESS;
}

static bool type_has_nat(enum fwknop_msg_type t)
{
	return t == FWKNOP_MSG_NAT_ACCESS || t == FWKNOP_MSG_CLIENT_TIMEOUT_NAT_ACCESS ||
	       t == FWKNOP_MSG_LOCAL_NAT_ACCESS ||
	       t == FWKNOP_MSG_CLIENT_TIMEOUT_LOCAL_NAT_ACCESS;
}

static bool type_has_timeout(enum fwknop_msg_type t)
{
	return t == FWKNOP_MSG_CLIENT_TIMEOUT_ACCESS ||
	       t == FWKNOP_MSG_CLIENT_TIMEOUT_NAT_ACCESS ||
	       t == FWKNOP_MSG_CLIENT_TIMEOUT_LOCAL_NAT_ACCESS;
}

bool fwknop_time_ok(const struct fwknop_msg *msg, uint64_t now_s, unsigned window_s)
{
	uint64_t d = msg->timestamp > now_s ? msg->timestamp - now_s : now_s - msg->timestamp;
	return d <= window_s;
}

void fwknop_replay_key(const uint8_t *wire, size_t len, uint8_t out[FWKNOP_REPLAY_KEY_LEN])
{
	uint8_t h[DIGEST_MAX];
	if (digest(HMAC_SHA256, wire, len, h) == FWKNOP_REPLAY_KEY_LEN)
		memcpy(out, h, FWKNOP_REPLAY_KEY_LEN);
	else
		SHA256(wire, len, out);
}

/* --- crypto helpers ---------------------------------------------------- */

static bool keys_ok(const struct fwknop_keys *k)
{
	return k && k->key && k->key_len > 0 && k->key_len <= CONFIG_KEY_MAX &&
	       digest_known(k->hmac_digest);
}

static bool hmac_key_ok(const struct fwknop_keys *k)
{
	return k->hmac_key && k->hmac_key_len > 0 && k->hmac_key_len <= 2 * CONFIG_KEY_MAX;
}

/* Length of the unpadded base64 text of digest D. */
static size_t digest_b64_len(enum hmac_digest d)
{
	return digest_known(d) ? base64_encoded_len(digests[d].size, false) : 0;
}

/* fwknop's key and IV: OpenSSL's EVP_BytesToKey with MD5 and one round,
 * D1 = MD5(key||salt), Di = MD5(Di-1||key||salt), until 32 key and 16 IV
 * bytes are produced: the derivation fwknop's Rijndael mode uses.  Done
 * here with the kept MD5 context: EVP_BytesToKey makes its own per call. */
#define MD5_LEN 16
static bool derive_key_iv(const uint8_t *key, size_t key_len, const uint8_t salt[FWKNOP_SALT_LEN],
			  uint8_t out_key[AES_KEY_LEN], uint8_t out_iv[AES_BLOCK])
{
	_Static_assert(AES_KEY_LEN + AES_BLOCK == 3 * MD5_LEN, "key and IV are three MD5s");
	const EVP_MD *md5 = digest_md(HMAC_MD5);
	EVP_MD_CTX *c = md_ctx();
	uint8_t d[3 * MD5_LEN];
	bool ok = md5 && c;
	for (size_t r = 0; ok && r < 3; r++) {
		unsigned n = 0;
		ok = EVP_DigestInit_ex2(c, md5, NULL) == 1 &&
		     (r == 0 || EVP_DigestUpdate(c, d + MD5_LEN * (r - 1), MD5_LEN) == 1) &&
		     EVP_DigestUpdate(c, key, key_len) == 1 &&
		     EVP_DigestUpdate(c, salt, FWKNOP_SALT_LEN) == 1 &&
		     EVP_DigestFinal_ex(c, d + MD5_LEN * r, &n) == 1 && n == MD5_LEN;
	}
	if (ok) {
		memcpy(out_key, d, AES_KEY_LEN);
		memcpy(out_iv, d + AES_KEY_LEN, AES_BLOCK);
	}
	OPENSSL_cleanse(d, sizeof d);
	return ok;
}

/* AES-256-CBC with PKCS#7 padding, ENC 1 or 0.  Returns the output
 * length or -1 (bad padding on decryption, or an OpenSSL failure). */
static long aes_cbc(int enc, const uint8_t *key, size_t key_len, const uint8_t salt[FWKNOP_SALT_LEN],
		    const uint8_t *in, size_t inlen, uint8_t *out, size_t outlen)
{
	uint8_t k[AES_KEY_LEN], iv[AES_BLOCK];
	long ret = -1;
	if (inlen > (size_t)INT32_MAX || outlen < inlen + AES_BLOCK)
		return -1;
	if (!derive_key_iv(key, key_len, salt, k, iv))
		return -1;
	const EVP_CIPHER *aes = aes_256_cbc();
	EVP_CIPHER_CTX *ctx = cipher_ctx();
	int n1 = 0, n2 = 0;
	/* A new init with the cipher resets whatever the last call left. */
	if (aes && ctx && EVP_CipherInit_ex2(ctx, aes, k, iv, enc, NULL) == 1 &&
	    EVP_CipherUpdate(ctx, out, &n1, in, (int)inlen) == 1 &&
	    EVP_CipherFinal_ex(ctx, out + n1, &n2) == 1)
		ret = (long)n1 + n2;
	OPENSSL_cleanse(k, sizeof k);
	OPENSSL_cleanse(iv, sizeof iv);
	return ret;
}

/* base64 (unpadded) of digest D over DATA, into OUT (DIGEST_B64_MAX+1). */
static bool digest_b64(enum hmac_digest d, const void *data, size_t len, char *out)
{
	uint8_t h[DIGEST_MAX];
	unsigned hl = digest(d, data, len, h);
	return hl > 0 && base64_encode(h, hl, out, DIGEST_B64_MAX + 1, false) > 0;
}

/* base64 (unpadded) of HMAC-D(key, "U2FsdGVkX1" || CT_TEXT). */
static bool hmac_b64(const struct fwknop_keys *k, const char *ct_text, size_t len, char *out)
{
	uint8_t h[DIGEST_MAX];
	size_t hl = 0;
	/* EVP_MAC takes the restored prefix and the wire text in two updates,
	 * so nothing is copied.  Keying the kept context starts it afresh. */
	EVP_MAC_CTX *mctx = hmac_ctx(k->hmac_digest);
	bool ok = mctx && EVP_MAC_init(mctx, k->hmac_key, k->hmac_key_len, NULL) == 1 &&
		  EVP_MAC_update(mctx, (const uint8_t *)salted_b64, SALTED_B64_LEN) == 1 &&
		  EVP_MAC_update(mctx, (const uint8_t *)ct_text, len) == 1 &&
		  EVP_MAC_final(mctx, h, &hl, sizeof h) == 1;
	if (ok)
		ok = base64_encode(h, hl, out, DIGEST_B64_MAX + 1, false) > 0;
	OPENSSL_cleanse(h, sizeof h);
	return ok;
}

/* Is N characters of ciphertext text (after the stripped prefix) the
 * base64 of "Salted__" + salt + at least one whole AES block? */
static bool ct_text_len_ok(size_t n)
{
	size_t total = n + SALTED_B64_LEN;
	if (total % 4 == 1)
		return false;
	size_t bytes = total / 4 * 3 + (total % 4 ? total % 4 - 1 : 0);
	return bytes >= SALTED_LEN + FWKNOP_SALT_LEN + AES_BLOCK &&
	       (bytes - SALTED_LEN - FWKNOP_SALT_LEN) % AES_BLOCK == 0 &&
	       base64_encoded_len(bytes, false) == total;
}

static bool is_b64_char(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '+' || c == '/';
}

/* --- plaintext parsing --------------------------------------------------- */

struct span {
	const char *p;
	size_t n;
};

static bool all_printable(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((uint8_t)s[i] < 0x20 || (uint8_t)s[i] > 0x7e)
			return false;
	return true;
}

/* Decodes base64 field F into OUT (a CAP+1 array), printable text only. */
static bool field_b64_text(struct span f, char *out, size_t cap)
{
	if (f.n == 0)
		return false;
	long n = base64_decode(f.p, f.n, (uint8_t *)out, cap);
	if (n <= 0 || !all_printable(out, (size_t)n))
		return false;
	out[n] = '\0';
	return true;
}

/* Copies decimal field F into a NUL-terminated buffer and parses it. */
static bool field_ulong(struct span f, unsigned long max, unsigned long *out)
{
	char buf[24];
	if (f.n == 0 || f.n >= sizeof buf)
		return false;
	memcpy(buf, f.p, f.n);
	buf[f.n] = '\0';
	return parse_ulong(buf, 0, max, out);
}

/* "tcp/22" or "udp/53" (protocol in any case). */
static bool parse_proto_port(const char *s, size_t n, struct port_proto *out)
{
	char num[8];
	if (n < 5 || s[3] != '/' || n - 4 >= sizeof num)
		return false;
	if (strncasecmp(s, "tcp", 3) == 0)
		out->proto = PROTO_TCP;
	else if (strncasecmp(s, "udp", 3) == 0)
		out->proto = PROTO_UDP;
	else
		return false;
	memcpy(num, s + 4, n - 4);
	num[n - 4] = '\0';
	unsigned port;
	if (!parse_port(num, &port))
		return false;
	out->port = (uint16_t)port;
	return true;
}

/* MESSAGE is "ADDR,rest": fills addr_text/addr/addr_any; for access-like
 * types also the proto/port list in REST. */
static int parse_message(struct fwknop_msg *m)
{
	const char *msg = m->message;
	const char *comma = strchr(msg, ',');
	if (!comma || comma == msg || (size_t)(comma - msg) >= sizeof m->addr_text)
		return FWKNOP_ERR_MESSAGE;
	memcpy(m->addr_text, msg, (size_t)(comma - msg));
	m->addr_text[comma - msg] = '\0';
	if (!addr_parse(m->addr_text, &m->addr))
		return FWKNOP_ERR_MESSAGE;
	static const uint8_t zero[16];
	m->addr_any = memcmp(m->addr.bytes, zero, addr_len(&m->addr)) == 0;
	if (m->addr_any)
		memset(&m->addr, 0, sizeof m->addr);
	if (m->type == FWKNOP_MSG_COMMAND)
		return comma[1] ? FWKNOP_OK : FWKNOP_ERR_MESSAGE;

	const char *p = comma + 1;
	m->nports = 0;
	for (;;) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		if (m->nports == FWKNOP_PORTS_MAX ||
		    !parse_proto_port(p, n, &m->ports[m->nports]))
			return FWKNOP_ERR_MESSAGE;
		m->nports++;
		if (!end)
			break;
		p = end + 1;
	}
	return FWKNOP_OK;
}

/* PT (LEN bytes, no NUL inside) into M. */
static int parse_plaintext(const char *pt, size_t len, struct fwknop_msg *m)
{
	struct span f[FIELDS_MAX];
	size_t nf = 0, start = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && pt[i] != ':')
			continue;
		if (nf == FIELDS_MAX)
			return FWKNOP_ERR_FORMAT;
		f[nf].p = pt + start;
		f[nf].n = i - start;
		nf++;
		start = i + 1;
	}
	if (nf < 7)
		return FWKNOP_ERR_FORMAT;

	memset(m, 0, sizeof *m);
	/* random: exactly 16 decimal digits */
	if (f[0].n != FWKNOP_RAND_LEN)
		return FWKNOP_ERR_FORMAT;
	for (size_t i = 0; i < f[0].n; i++)
		if (f[0].p[i] < '0' || f[0].p[i] > '9')
			return FWKNOP_ERR_FORMAT;
	memcpy(m->rand, f[0].p, FWKNOP_RAND_LEN);

	if (!field_b64_text(f[1], m->username, FWKNOP_USER_MAX))
		return FWKNOP_ERR_FORMAT;
	unsigned long v;
	if (!field_ulong(f[2], 0xffffffffffUL, &v))
		return FWKNOP_ERR_FORMAT;
	m->timestamp = v;

	if (f[3].n == 0 || f[3].n > FWKNOP_VERSION_MAX)
		return FWKNOP_ERR_FORMAT;
	for (size_t i = 0; i < f[3].n; i++)
		if ((f[3].p[i] < '0' || f[3].p[i] > '9') && f[3].p[i] != '.')
			return FWKNOP_ERR_FORMAT;
	memcpy(m->version, f[3].p, f[3].n);

	if (!field_ulong(f[4], FWKNOP_MSG_CLIENT_TIMEOUT_LOCAL_NAT_ACCESS, &v) || f[4].n != 1)
		return FWKNOP_ERR_FORMAT;
	m->type = (enum fwknop_msg_type)v;

	if (!field_b64_text(f[5], m->message, FWKNOP_MSG_MAX))
		return FWKNOP_ERR_FORMAT;

	/* Optional fields between the message and the digest: NAT access for
	 * NAT types, client timeout last for timeout types, and whatever is
	 * left over (at most one) is the server auth string. */
	size_t extra = nf - 7, i = 6;
	size_t need = (size_t)type_has_nat(m->type) + (size_t)type_has_timeout(m->type);
	if (extra < need || extra > need + 1)
		return FWKNOP_ERR_FORMAT;
	if (type_has_nat(m->type)) {
		if (!field_b64_text(f[i++], m->nat_access, FWKNOP_NAT_MAX))
			return FWKNOP_ERR_FORMAT;
		m->has_nat = true;
	}
	if (extra > need) {
		if (!field_b64_text(f[i++], m->server_auth, FWKNOP_AUTH_MAX))
			return FWKNOP_ERR_FORMAT;
		m->has_server_auth = true;
	}
	if (type_has_timeout(m->type)) {
		if (!field_ulong(f[i++], FWKNOP_CLIENT_TIMEOUT_MAX, &v))
			return FWKNOP_ERR_FORMAT;
		m->client_timeout = (uint32_t)v;
	}

	/* Inner digest over everything before the last ':'.  Its length names
	 * the family; SHA-2 and SHA-3 of one size share a length, so both are
	 * tried (the HMAC already vouched for the bytes). */
	struct span dg = f[nf - 1];
	size_t covered = (size_t)(dg.p - pt) - 1;
	static const enum hmac_digest order[] = {
		HMAC_SHA256, HMAC_SHA512, HMAC_SHA1, HMAC_MD5, HMAC_SHA384,
		HMAC_SHA3_256, HMAC_SHA3_512,
	};
	m->digest = HMAC_NONE;
	for (size_t k = 0; k < sizeof order / sizeof order[0]; k++) {
		char want[DIGEST_B64_MAX + 1];
		if (digest_b64_len(order[k]) != dg.n)
			continue;
		if (!digest_b64(order[k], pt, covered, want))
			return FWKNOP_ERR_CRYPTO;
		if (CRYPTO_memcmp(want, dg.p, dg.n) == 0) {
			m->digest = order[k];
			break;
		}
	}
	if (m->digest == HMAC_NONE)
		return FWKNOP_ERR_DIGEST;

	return parse_message(m);
}

/* fwknop before 2.5 padded short keys to 16 bytes with '0' characters
 * before the same derivation.  Only used to name the refusal. */
static bool looks_legacy(const struct fwknop_keys *k, const uint8_t salt[FWKNOP_SALT_LEN],
			 const uint8_t *ct, size_t ctlen)
{
	if (k->key_len >= 16)
		return false;
	uint8_t lk[16];
	char pt[CT_MAX + AES_BLOCK];
	memcpy(lk, k->key, k->key_len);
	memset(lk + k->key_len, '0', 16 - k->key_len);
	long n = aes_cbc(0, lk, sizeof lk, salt, ct, ctlen, (uint8_t *)pt, sizeof pt);
	struct fwknop_msg tmp;
	bool legacy = n > 0 && memchr(pt, '\0', (size_t)n) == NULL &&
		      parse_plaintext(pt, (size_t)n, &tmp) == FWKNOP_OK;
	OPENSSL_cleanse(lk, sizeof lk);
	OPENSSL_cleanse(pt, sizeof pt);
	OPENSSL_cleanse(&tmp, sizeof tmp);
	return legacy;
}

int fwknop_decode(const uint8_t *wire, size_t len, const struct fwknop_keys *keys,
		  struct fwknop_msg *out)
{
	if (!wire || !out || !keys_ok(keys))
		return FWKNOP_ERR_ARG;
	if (!hmac_key_ok(keys))
		return FWKNOP_ERR_NO_HMAC_KEY;

	size_t hlen = digest_b64_len(keys->hmac_digest);
	if (len > FWKNOP_WIRE_MAX || len <= hlen)
		return FWKNOP_ERR_SIZE;
	for (size_t i = 0; i < len; i++)
		if (!is_b64_char(wire[i]))
			return FWKNOP_ERR_CHARSET;
	size_t ctn = len - hlen;
	const char *ct_text = (const char *)wire;
	if (!ct_text_len_ok(ctn))
		/* A packet made without --use-hmac is all ciphertext. */
		return ct_text_len_ok(len) ? FWKNOP_ERR_NO_HMAC : FWKNOP_ERR_SIZE;

	char want[DIGEST_B64_MAX + 1];
	if (!hmac_b64(keys, ct_text, ctn, want))
		return FWKNOP_ERR_CRYPTO;
	/* Compare the text, not decoded bytes: one wire, one accepted form. */
	int diff = CRYPTO_memcmp(want, wire + ctn, hlen);
	OPENSSL_cleanse(want, sizeof want);
	if (diff != 0)
		return FWKNOP_ERR_HMAC;

	/* Authentic from here on.  Restore the prefix and decode. */
	char text[FWKNOP_WIRE_MAX + SALTED_B64_LEN];
	uint8_t ct[CT_MAX];
	memcpy(text, salted_b64, SALTED_B64_LEN);
	memcpy(text + SALTED_B64_LEN, ct_text, ctn);
	long ctlen = base64_decode(text, ctn + SALTED_B64_LEN, ct, sizeof ct);
	if (ctlen < SALTED_LEN + FWKNOP_SALT_LEN + AES_BLOCK ||
	    memcmp(ct, salted_magic, SALTED_LEN) != 0)
		return FWKNOP_ERR_CIPHERTEXT;
	const uint8_t *salt = ct + SALTED_LEN;
	const uint8_t *body = salt + FWKNOP_SALT_LEN;
	size_t bodylen = (size_t)ctlen - SALTED_LEN - FWKNOP_SALT_LEN;

	char pt[CT_MAX + AES_BLOCK];
	long ptlen = aes_cbc(0, keys->key, keys->key_len, salt, body, bodylen,
			     (uint8_t *)pt, sizeof pt);
	int rc;
	if (ptlen <= 0 || memchr(pt, '\0', (size_t)ptlen) != NULL)
		rc = FWKNOP_ERR_DECRYPT;
	else
		rc = parse_plaintext(pt, (size_t)ptlen, out);
	if (rc == FWKNOP_ERR_DECRYPT || rc == FWKNOP_ERR_FORMAT || rc == FWKNOP_ERR_DIGEST)
		if (looks_legacy(keys, salt, body, bodylen))
			rc = FWKNOP_ERR_LEGACY_IV;
	OPENSSL_cleanse(pt, sizeof pt);
	if (rc != FWKNOP_OK)
		OPENSSL_cleanse(out, sizeof *out);
	return rc;
}

/* --- encoding ------------------------------------------------------------- */

/* Appends S in base64.  Every field is checked to be at most
 * FWKNOP_MSG_MAX bytes long before; false if this one is not. */
static bool put_b64(struct strbuf *b, const char *s)
{
	char tmp[base64_encoded_len(FWKNOP_MSG_MAX, false) + 1];
	size_t n = strlen(s);
	long e = n <= FWKNOP_MSG_MAX ?
		 base64_encode((const uint8_t *)s, n, tmp, sizeof tmp, false) : -1;

	if (e < 0)
		return false;
	strbuf_add(b, tmp, (size_t)e);
	return true;
}

static bool msg_fields_ok(const struct fwknop_msg *m)
{
	if (strlen(m->rand) != FWKNOP_RAND_LEN || strspn(m->rand, "0123456789") != FWKNOP_RAND_LEN)
		return false;
	size_t ul = strnlen(m->username, sizeof m->username);
	size_t vl = strnlen(m->version, sizeof m->version);
	size_t ml = strnlen(m->message, sizeof m->message);
	if (ul == 0 || ul > FWKNOP_USER_MAX || !all_printable(m->username, ul) ||
	    vl == 0 || vl > FWKNOP_VERSION_MAX || strspn(m->version, "0123456789.") != vl ||
	    ml == 0 || ml > FWKNOP_MSG_MAX || !all_printable(m->message, ml) ||
	    (unsigned)m->type > FWKNOP_MSG_CLIENT_TIMEOUT_LOCAL_NAT_ACCESS ||
	    !digest_known(m->digest))
		return false;
	if (type_has_nat(m->type) != m->has_nat)
		return false;
	if (m->has_nat && (strnlen(m->nat_access, sizeof m->nat_access) > FWKNOP_NAT_MAX ||
			   !m->nat_access[0]))
		return false;
	if (m->has_server_auth && (strnlen(m->server_auth, sizeof m->server_auth) > FWKNOP_AUTH_MAX ||
				   !m->server_auth[0]))
		return false;
	return true;
}

long fwknop_encode(const struct fwknop_msg *msg, const struct fwknop_keys *keys,
		   const uint8_t salt[FWKNOP_SALT_LEN], char *out, size_t outlen)
{
	if (!msg || !out || !salt || !keys_ok(keys))
		return FWKNOP_ERR_ARG;
	if (!hmac_key_ok(keys))
		return FWKNOP_ERR_NO_HMAC_KEY;
	if (!msg_fields_ok(msg))
		return FWKNOP_ERR_ARG;

	/* In PT, not on the heap: it is the plaintext, wiped below. */
	char pt[CT_MAX];
	struct strbuf b;
	bool ok = true;
	strbuf_init_fixed(&b, pt, sizeof pt);
	strbuf_printf(&b, "%s:", msg->rand);
	ok = put_b64(&b, msg->username) && ok;
	strbuf_printf(&b, ":%lu:%s:%lu:", (unsigned long)msg->timestamp, msg->version,
		      (unsigned long)msg->type);
	ok = put_b64(&b, msg->message) && ok;
	if (msg->has_nat) {
		strbuf_puts(&b, ":");
		ok = put_b64(&b, msg->nat_access) && ok;
	}
	if (msg->has_server_auth) {
		strbuf_puts(&b, ":");
		ok = put_b64(&b, msg->server_auth) && ok;
	}
	if (type_has_timeout(msg->type))
		strbuf_printf(&b, ":%lu", (unsigned long)msg->client_timeout);
	ok = ok && !strbuf_failed(&b);
	char dg[DIGEST_B64_MAX + 1];
	if (!ok || !digest_b64(msg->digest, pt, b.len, dg)) {
		OPENSSL_cleanse(pt, sizeof pt);
		return ok ? FWKNOP_ERR_CRYPTO : FWKNOP_ERR_SPACE;
	}
	strbuf_printf(&b, ":%s", dg);
	if (strbuf_failed(&b)) {
		OPENSSL_cleanse(pt, sizeof pt);
		return FWKNOP_ERR_SPACE;
	}

	uint8_t ct[CT_MAX + 2 * AES_BLOCK];
	memcpy(ct, salted_magic, SALTED_LEN);
	memcpy(ct + SALTED_LEN, salt, FWKNOP_SALT_LEN);
	long n = aes_cbc(1, keys->key, keys->key_len, salt, (const uint8_t *)pt, b.len,
			 ct + SALTED_LEN + FWKNOP_SALT_LEN,
			 sizeof ct - SALTED_LEN - FWKNOP_SALT_LEN);
	OPENSSL_cleanse(pt, sizeof pt);
	if (n < 0)
		return FWKNOP_ERR_CRYPTO;
	size_t ctlen = (size_t)n + SALTED_LEN + FWKNOP_SALT_LEN;

	char text[base64_encoded_len(sizeof ct, false) + 1];
	long tl = base64_encode(ct, ctlen, text, sizeof text, false);
	if (tl <= SALTED_B64_LEN || memcmp(text, salted_b64, SALTED_B64_LEN) != 0)
		return FWKNOP_ERR_CRYPTO;
	const char *wct = text + SALTED_B64_LEN;
	size_t wlen = (size_t)tl - SALTED_B64_LEN;
	char mac[DIGEST_B64_MAX + 1];
	if (!hmac_b64(keys, wct, wlen, mac))
		return FWKNOP_ERR_CRYPTO;
	size_t mlen = strlen(mac);
	if (wlen + mlen > FWKNOP_WIRE_MAX)
		return FWKNOP_ERR_SPACE;
	if (outlen <= wlen + mlen)
		return FWKNOP_ERR_SPACE;
	memcpy(out, wct, wlen);
	memcpy(out + wlen, mac, mlen);
	out[wlen + mlen] = '\0';
	return (long)(wlen + mlen);
}

/* 16 uniformly random decimal digits, the first non-zero. */
static bool random_digits(char out[FWKNOP_RAND_LEN + 1])
{
	size_t i = 0;
	while (i < FWKNOP_RAND_LEN) {
		uint8_t r[32];
		if (RAND_bytes(r, sizeof r) != 1)
			return false;
		for (size_t j = 0; j < sizeof r && i < FWKNOP_RAND_LEN; j++) {
			if (r[j] >= 250)        /* keep r % 10 unbiased */
				continue;
			char d = (char)('0' + r[j] % 10);
			if (i == 0 && d == '0')
				continue;
			out[i++] = d;
		}
	}
	out[FWKNOP_RAND_LEN] = '\0';
	return true;
}

int fwknop_msg_access(struct fwknop_msg *msg, const char *username, uint64_t timestamp,
		      const char *addr, const struct port_proto *ports, size_t nports,
		      uint32_t client_timeout)
{
	if (!msg || !username || !ports || nports == 0 || nports > FWKNOP_PORTS_MAX)
		return FWKNOP_ERR_ARG;
	memset(msg, 0, sizeof *msg);
	if (!random_digits(msg->rand))
		return FWKNOP_ERR_CRYPTO;
	size_t ul = strlen(username);
	if (ul == 0 || ul > FWKNOP_USER_MAX || !all_printable(username, ul))
		return FWKNOP_ERR_ARG;
	memcpy(msg->username, username, ul + 1);
	msg->timestamp = timestamp;
	memcpy(msg->version, "3.0.0", sizeof "3.0.0");
	msg->type = client_timeout ? FWKNOP_MSG_CLIENT_TIMEOUT_ACCESS : FWKNOP_MSG_ACCESS;
	msg->client_timeout = client_timeout;
	msg->digest = HMAC_SHA256;

	struct addr a;
	if (!addr)
		addr = "0.0.0.0";
	if (!addr_parse(addr, &a))
		return FWKNOP_ERR_ARG;
	struct strbuf b;
	strbuf_init_fixed(&b, msg->message, sizeof msg->message);
	strbuf_puts(&b, addr);
	for (size_t i = 0; i < nports; i++) {
		if (ports[i].port == 0 ||
		    (ports[i].proto != PROTO_TCP && ports[i].proto != PROTO_UDP))
			return FWKNOP_ERR_ARG;
		strbuf_printf(&b, ",%s/%u", port_proto_name(ports[i].proto),
			      (unsigned)ports[i].port);
	}
	if (strbuf_failed(&b))
		return FWKNOP_ERR_ARG;
	return parse_message(msg) == FWKNOP_OK ? FWKNOP_OK : FWKNOP_ERR_ARG;
}

int fwknop_preload(enum hmac_digest hmac_digest)
{
	if (!digest_known(hmac_digest))
		return FWKNOP_ERR_ARG;
	for (size_t d = 0; d < NDIGESTS; d++)
		if (digest_known((enum hmac_digest)d) && !digest_md((enum hmac_digest)d))
			return FWKNOP_ERR_CRYPTO;
	if (!aes_256_cbc() || !md_ctx() || !cipher_ctx() || !hmac_ctx(hmac_digest))
		return FWKNOP_ERR_CRYPTO;
	/* One packet through both ways: whatever OpenSSL still sets up on
	 * first use happens here. */
	static const uint8_t key[] = "preload", salt[FWKNOP_SALT_LEN] = "preload";
	const struct fwknop_keys k = { key, sizeof key - 1, key, sizeof key - 1, hmac_digest };
	struct fwknop_msg m = {
		.rand = "1000000000000000", .username = "preload", .timestamp = 1,
		.version = "3.0.0", .type = FWKNOP_MSG_ACCESS, .message = "0.0.0.0,tcp/1",
		.digest = HMAC_SHA256,
	};
	char wire[FWKNOP_WIRE_MAX + 1];
	long n = fwknop_encode(&m, &k, salt, wire, sizeof wire);
	if (n < 0)
		return (int)n;
	int rc = fwknop_decode((const uint8_t *)wire, (size_t)n, &k, &m);
	uint8_t id[FWKNOP_REPLAY_KEY_LEN];
	fwknop_replay_key((const uint8_t *)wire, (size_t)n, id);
	return rc;
}
