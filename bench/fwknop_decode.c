/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fwknop_decode — what verifying one fwknop-format SPA packet costs, in
 * process, one core, nothing on the network.
 *
 *   fwknop_decode [ITERATIONS [VECTORS.json...]]
 *
 * ITERATIONS (default 100000) per figure; the vectors default to
 * tests/vectors/fwknop/vectors.json (packets made by Debian's fwknop
 * 2.6.10 client).  Prints Markdown tables, nanoseconds:
 *
 *  1. the first fwknop_decode() in the process, after the same preload
 *     the worker does before its sandbox (fwknop_preload()): what the
 *     first packet after a start pays;
 *  2. fwknop_decode() on every vector, each call timed alone: min,
 *     median, p99, max;
 *  3. the steps of a decode one by one, with the same inputs as the
 *     v01-like vector (HMAC-SHA256 over the wire text, the MD5 key
 *     derivation, AES-256-CBC over the ciphertext, the inner SHA-256, the
 *     replay key), each both with a context allocated and an algorithm
 *     fetched per call (OpenSSL's one-shot and legacy interfaces) and
 *     with a context kept and reset: how much of a step is its
 *     set-up.  Base64 and field parsing are the remainder.
 * Every decode's result is checked: a fast wrong answer fails the run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/sha.h>

#include "base64.h"
#include "fwknop.h"
#include "numparse.h"

#define MAX_VECS 32

struct vec {
	char name[64];
	uint8_t key[CONFIG_KEY_MAX], hmac_key[2 * CONFIG_KEY_MAX];
	size_t key_len, hmac_key_len;
	enum hmac_digest digest;
	char wire[FWKNOP_WIRE_MAX + 1];
	size_t wire_len;
	bool ok;
};

static struct vec vecs[MAX_VECS];
static size_t nvecs;

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The string value of "KEY": "VALUE" on LINE into OUT (CAP), if present. */
static bool json_str(const char *line, const char *key, char *out, size_t cap)
{
	char pat[40];
	snprintf(pat, sizeof pat, "\"%s\": \"", key);
	const char *p = strstr(line, pat);
	if (!p)
		return false;
	p += strlen(pat);
	const char *q = strchr(p, '"');
	if (!q || (size_t)(q - p) >= cap)
		return false;
	memcpy(out, p, (size_t)(q - p));
	out[q - p] = '\0';
	return true;
}

static bool set_key(const char *text, bool b64, uint8_t *out, size_t cap, size_t *len)
{
	if (!b64) {
		size_t n = strlen(text);
		if (n == 0 || n > cap)
			return false;
		memcpy(out, text, n);
		*len = n;
		return true;
	}
	long n = base64_decode(text, strlen(text), out, cap);
	if (n <= 0)
		return false;
	*len = (size_t)n;
	return true;
}

/* One object per packet; "wire_packet" is its last member.  Keeps the
 * packets made with an HMAC and the current IV mode. */
static void load(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		perror(path);
		exit(1);
	}
	char line[4096], key[160] = "", hkey[300] = "", digest[32] = "", name[64] = "";
	bool b64 = false, legacy = false;
	while (fgets(line, sizeof line, f)) {
		json_str(line, "name", name, sizeof name);
		json_str(line, "key", key, sizeof key);
		json_str(line, "hmac_key", hkey, sizeof hkey);
		json_str(line, "hmac_type", digest, sizeof digest);
		if (strstr(line, "\"key_is_base64\":"))
			b64 = strstr(line, "true") != NULL;
		if (strstr(line, "\"legacy_iv\":"))
			legacy = strstr(line, "true") != NULL;
		if (strstr(line, "\"expect\":") && !strstr(line, "\"ok\""))
			legacy = true;  /* a packet the decoder must refuse */
		char wire[FWKNOP_WIRE_MAX + 1];
		if (!json_str(line, "wire_packet", wire, sizeof wire))
			continue;
		struct vec *v = &vecs[nvecs];
		if (!legacy && nvecs < MAX_VECS && hkey[0] &&
		    fwknop_digest_parse(digest, &v->digest) &&
		    set_key(key, b64, v->key, sizeof v->key, &v->key_len) &&
		    set_key(hkey, b64, v->hmac_key, sizeof v->hmac_key, &v->hmac_key_len)) {
			snprintf(v->name, sizeof v->name, "%s", name);
			memcpy(v->wire, wire, strlen(wire) + 1);
			v->wire_len = strlen(wire);
			nvecs++;
		}
		key[0] = hkey[0] = digest[0] = name[0] = '\0';
		b64 = legacy = false;
	}
	fclose(f);
}

static int decode(const struct vec *v, struct fwknop_msg *m)
{
	struct fwknop_keys k = {
		.key = v->key, .key_len = v->key_len,
		.hmac_key = v->hmac_key, .hmac_key_len = v->hmac_key_len,
		.hmac_digest = v->digest,
	};
	return fwknop_decode((const uint8_t *)v->wire, v->wire_len, &k, m);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static uint64_t *samples;
static size_t iters;

static void row(const char *label)
{
	qsort(samples, iters, sizeof *samples, cmp_u64);
	size_t p99 = (iters * 99 + 99) / 100;
	if (p99 > iters)
		p99 = iters;
	printf("| %s | %llu | %llu | %llu | %llu |\n", label,
	       (unsigned long long)samples[0], (unsigned long long)samples[iters / 2],
	       (unsigned long long)samples[p99 - 1], (unsigned long long)samples[iters - 1]);
}

static void die(const char *what)
{
	fprintf(stderr, "fwknop_decode: %s\n", what);
	exit(1);
}

/* --- the steps, alone ----------------------------------------------------- */

struct step_in {
	const struct vec *v;
	uint8_t ct[FWKNOP_WIRE_MAX];    /* Salted__ + salt + blocks */
	size_t ctlen;
	char text[FWKNOP_WIRE_MAX + 16];        /* "U2FsdGVkX1" + wire text */
	size_t textlen;
	char pt[FWKNOP_WIRE_MAX];
	size_t ptlen;
};

#define TIME_LOOP(label, body) do {                                     \
		for (size_t i_ = 0; i_ < iters; i_++) {                 \
			uint64_t t0_ = now_ns();                        \
			body;                                           \
			samples[i_] = now_ns() - t0_;                   \
		}                                                       \
		row(label);                                             \
	} while (0)

static void steps(const struct vec *v)
{
	static struct step_in in;
	size_t hlen = base64_encoded_len(32, false);
	in.v = v;
	if (v->digest != HMAC_SHA256 || v->wire_len <= hlen)
		die("the step vector must use HMAC-SHA256");
	memcpy(in.text, "U2FsdGVkX1", 10);
	memcpy(in.text + 10, v->wire, v->wire_len - hlen);
	in.textlen = 10 + v->wire_len - hlen;
	long n = base64_decode(in.text, in.textlen, in.ct, sizeof in.ct);
	if (n < 32)
		die("vector is not Salted__ + salt + blocks");
	in.ctlen = (size_t)n;
	const uint8_t *salt = in.ct + 8, *body = in.ct + 16;
	int bodylen = (int)(in.ctlen - 16);
	uint8_t kiv[48], h[64], out[FWKNOP_WIRE_MAX + 32];
	unsigned hl;
	int n1, n2;
	volatile int sink = 0;

	printf("\n%s, one step at a time (ns per call, %zu calls each):\n\n", v->name, iters);
	printf("| step | min | median | p99 | max |\n|---|---|---|---|---|\n");
	TIME_LOOP("base64 decode of the wire text",
		  sink += (int)base64_decode(in.text, in.textlen, in.ct, sizeof in.ct));

	/* HMAC over "U2FsdGVkX1" + the wire's ciphertext text */
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	OSSL_PARAM prm[2] = {
		OSSL_PARAM_construct_utf8_string("digest", (char *)"SHA256", 0),
		OSSL_PARAM_construct_end(),
	};
	size_t ol;
	TIME_LOOP("HMAC-SHA256: EVP_MAC_CTX_new, init (digest by name), free per call", {
		EVP_MAC_CTX *c = EVP_MAC_CTX_new(mac);
		sink += EVP_MAC_init(c, v->hmac_key, v->hmac_key_len, prm) &&
			EVP_MAC_update(c, (const uint8_t *)in.text, in.textlen) &&
			EVP_MAC_final(c, h, &ol, sizeof h);
		EVP_MAC_CTX_free(c);
	});
	EVP_MAC_CTX *mc = EVP_MAC_CTX_new(mac);
	if (!mc || !EVP_MAC_CTX_set_params(mc, prm))
		die("EVP_MAC_CTX_set_params");
	TIME_LOOP("HMAC-SHA256: one context kept, keyed per call",
		  sink += EVP_MAC_init(mc, v->hmac_key, v->hmac_key_len, NULL) &&
			  EVP_MAC_update(mc, (const uint8_t *)in.text, in.textlen) &&
			  EVP_MAC_final(mc, h, &ol, sizeof h));

	/* key and IV: EVP_BytesToKey(MD5, 1 round) against two MD5 calls */
	TIME_LOOP("key/IV: EVP_BytesToKey (implicit MD5 fetch, context per call)",
		  sink += EVP_BytesToKey(EVP_aes_256_cbc(), EVP_md5(), salt, v->key,
					 (int)v->key_len, 1, kiv, kiv + 32));
	EVP_MD *md5 = EVP_MD_fetch(NULL, "MD5", NULL);
	EVP_MD_CTX *mdc = EVP_MD_CTX_new();
	if (!md5 || !mdc)
		die("MD5");
	TIME_LOOP("key/IV: three MD5s, MD5 fetched once, one context kept", {
		for (int r = 0; r < 3; r++) {
			EVP_DigestInit_ex2(mdc, md5, NULL);
			if (r)
				EVP_DigestUpdate(mdc, kiv + 16 * (r - 1), 16);
			EVP_DigestUpdate(mdc, v->key, v->key_len);
			EVP_DigestUpdate(mdc, salt, 8);
			EVP_DigestFinal_ex(mdc, kiv + 16 * r, &hl);
		}
	});

	/* AES-256-CBC decryption of the body */
	TIME_LOOP("AES-256-CBC: EVP_CIPHER_CTX_new, EVP_aes_256_cbc() (implicit fetch), free", {
		EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
		sink += EVP_CipherInit_ex(c, EVP_aes_256_cbc(), NULL, kiv, kiv + 32, 0) &&
			EVP_CipherUpdate(c, out, &n1, body, bodylen) &&
			EVP_CipherFinal_ex(c, out + n1, &n2);
		EVP_CIPHER_CTX_free(c);
	});
	EVP_CIPHER *aes = EVP_CIPHER_fetch(NULL, "AES-256-CBC", NULL);
	EVP_CIPHER_CTX *cc = EVP_CIPHER_CTX_new();
	if (!aes || !cc)
		die("AES-256-CBC");
	TIME_LOOP("AES-256-CBC: cipher fetched once, one context kept",
		  sink += EVP_CipherInit_ex2(cc, aes, kiv, kiv + 32, 0, NULL) &&
			  EVP_CipherUpdate(cc, out, &n1, body, bodylen) &&
			  EVP_CipherFinal_ex(cc, out + n1, &n2));
	size_t ptlen = (size_t)n1 + (size_t)n2;

	/* the inner digest over the plaintext's fields, and the replay key */
	const char *colon = memrchr(out, ':', ptlen);
	size_t covered = colon ? (size_t)(colon - (const char *)out) : ptlen;
	TIME_LOOP("inner SHA-256: EVP_Digest(EVP_sha256()) (implicit fetch, context per call)",
		  sink += EVP_Digest(out, covered, h, &hl, EVP_sha256(), NULL));
	EVP_MD *sha = EVP_MD_fetch(NULL, "SHA256", NULL);
	if (!sha)
		die("SHA256");
	TIME_LOOP("inner SHA-256: fetched once, one context kept",
		  sink += EVP_DigestInit_ex2(mdc, sha, NULL) &&
			  EVP_DigestUpdate(mdc, out, covered) &&
			  EVP_DigestFinal_ex(mdc, h, &hl));
	TIME_LOOP("replay key: SHA256() one-shot over the wire",
		  SHA256((const uint8_t *)v->wire, v->wire_len, h));
	(void)sink;
	EVP_MD_free(sha);
	EVP_CIPHER_CTX_free(cc);
	EVP_CIPHER_free(aes);
	EVP_MD_CTX_free(mdc);
	EVP_MD_free(md5);
	EVP_MAC_CTX_free(mc);
	EVP_MAC_free(mac);
}

int main(int argc, char **argv)
{
	unsigned long n = 100000;
	if (argc > 1 && !parse_ulong(argv[1], 1, 10000000, &n))
		die("usage: fwknop_decode [ITERATIONS [VECTORS.json...]]");
	iters = n;
	if (argc > 2)
		for (int i = 2; i < argc; i++)
			load(argv[i]);
	else
		load("tests/vectors/fwknop/vectors.json");
	if (nvecs == 0)
		die("no vectors");
	samples = calloc(iters, sizeof *samples);
	if (!samples)
		die("out of memory");

	/* What the worker does before its sandbox, then one packet. */
	OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG, NULL);
	uint64_t t0 = now_ns();
	int pre = fwknop_preload(vecs[0].digest);
	uint64_t t1 = now_ns();
	struct fwknop_msg m;
	int rc = decode(&vecs[0], &m);
	uint64_t t2 = now_ns();
	if (pre != 0 || rc != FWKNOP_OK)
		die("the first decode failed");
	uint64_t t3 = now_ns();
	rc = decode(&vecs[0], &m);
	uint64_t t4 = now_ns();
	printf("first packet in a process (%s): fwknop_preload() %llu ns, first decode %llu ns, "
	       "second %llu ns\n\n", vecs[0].name, (unsigned long long)(t1 - t0),
	       (unsigned long long)(t2 - t1), (unsigned long long)(t4 - t3));

	printf("fwknop_decode() per packet (ns, %zu calls each):\n\n", iters);
	printf("| vector | min | median | p99 | max |\n|---|---|---|---|---|\n");
	const struct vec *step_vec = NULL;
	for (size_t k = 0; k < nvecs; k++) {
		const struct vec *v = &vecs[k];
		for (size_t i = 0; i < iters; i++) {
			uint64_t a = now_ns();
			rc = decode(v, &m);
			samples[i] = now_ns() - a;
			if (rc != FWKNOP_OK) {
				fprintf(stderr, "%s: %s\n", v->name, fwknop_strerror(rc));
				die("a vector did not decode");
			}
		}
		row(v->name);
		if (!step_vec && v->digest == HMAC_SHA256 && m.digest == HMAC_SHA256)
			step_vec = v;
	}
	if (step_vec)
		steps(step_vec);
	free(samples);
	return 0;
}
