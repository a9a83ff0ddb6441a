/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fwknop_vectors.h — loads tests/vectors/fwknop/{vectors,extra_vectors}.json
 * (packets made by the real fwknop 2.6.10 client) for the unit tests.
 * Included by one test file each; static on purpose. */
#ifndef SESAME_TEST_FWKNOP_VECTORS_H
#define SESAME_TEST_FWKNOP_VECTORS_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "fwknop.h"

#define VEC_DIR "tests/vectors/fwknop/"
#define MAX_VECS 32

/* --- a line reader for the vector files (one "key": value per line) --- */

struct vec {
	char name[64];
	char key[128], hmac_key[256];
	bool key_b64;
	char hmac_type[16];
	char expect[16];                /* "ok" (default) or "no_hmac" */
	char rand[32], user[80], ts[24], version[16], type[48], message[600];
	char nat[160], auth[160], timeout[16], digest_type[32];
	char wire[FWKNOP_WIRE_MAX + 1];
};

static struct vec vecs[MAX_VECS];
static size_t nvecs;

static inline void set_str(char *dst, size_t cap, const char *v)
{
	assert_true(strlen(v) < cap);
	strcpy(dst, v);
}

/* Value of a line  "K": "V",  or  "K": true,  into K and V. */
static inline bool split_line(char *line, char **k, char **v)
{
	char *p = strchr(line, '"');
	if (!p)
		return false;
	char *q = strchr(p + 1, '"');
	if (!q || q[1] != ':')
		return false;
	*q = '\0';
	*k = p + 1;
	char *r = q + 2;
	while (*r == ' ')
		r++;
	if (*r == '"') {
		char *e = strrchr(r + 1, '"');
		if (!e)
			return false;
		*e = '\0';
		*v = r + 1;
	} else {
		char *e = r + strcspn(r, ",\n");
		*e = '\0';
		*v = r;
	}
	return true;
}

static inline void load_file(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		fail_msg("cannot open %s (run from the repository root)", path);
	char line[4096];
	struct vec *cur = NULL;
	while (fgets(line, sizeof line, f)) {
		char *k, *v;
		if (strncmp(line, " {", 2) == 0) {
			assert_true(nvecs < MAX_VECS);
			cur = &vecs[nvecs++];
			memset(cur, 0, sizeof *cur);
			strcpy(cur->expect, "ok");
			continue;
		}
		if (!cur || !split_line(line, &k, &v))
			continue;
		if (!strcmp(k, "name")) set_str(cur->name, sizeof cur->name, v);
		else if (!strcmp(k, "key")) set_str(cur->key, sizeof cur->key, v);
		else if (!strcmp(k, "hmac_key")) set_str(cur->hmac_key, sizeof cur->hmac_key, v);
		else if (!strcmp(k, "key_is_base64")) cur->key_b64 = !strcmp(v, "true");
		else if (!strcmp(k, "hmac_type")) set_str(cur->hmac_type, sizeof cur->hmac_type, v);
		else if (!strcmp(k, "expect")) set_str(cur->expect, sizeof cur->expect, v);
		else if (!strcmp(k, "Random Value")) set_str(cur->rand, sizeof cur->rand, v);
		else if (!strcmp(k, "Username")) set_str(cur->user, sizeof cur->user, v);
		else if (!strcmp(k, "Timestamp")) set_str(cur->ts, sizeof cur->ts, v);
		else if (!strcmp(k, "FKO Version")) set_str(cur->version, sizeof cur->version, v);
		else if (!strcmp(k, "Message Type")) set_str(cur->type, sizeof cur->type, v);
		else if (!strcmp(k, "Message String")) set_str(cur->message, sizeof cur->message, v);
		else if (!strcmp(k, "Nat Access")) set_str(cur->nat, sizeof cur->nat, v);
		else if (!strcmp(k, "Server Auth")) set_str(cur->auth, sizeof cur->auth, v);
		else if (!strcmp(k, "Client Timeout")) set_str(cur->timeout, sizeof cur->timeout, v);
		else if (!strcmp(k, "Digest Type")) set_str(cur->digest_type, sizeof cur->digest_type, v);
		else if (!strcmp(k, "wire_packet")) set_str(cur->wire, sizeof cur->wire, v);
	}
	fclose(f);
}

static inline int load_vectors(void **state)
{
	(void)state;
	nvecs = 0;
	load_file(VEC_DIR "vectors.json");
	size_t shared = nvecs;
	load_file(VEC_DIR "extra_vectors.json");
	/* Nine shared vectors and nine extra ones; a short read is a failure. */
	if (shared != 9 || nvecs != 18)
		return -1;
	return 0;
}

/* Key material of a vector, decoded. */
struct vkeys {
	uint8_t key[CONFIG_KEY_MAX], hkey[2 * CONFIG_KEY_MAX];
	struct fwknop_keys k;
};

static inline void vec_keys(const struct vec *v, struct vkeys *out)
{
	memset(out, 0, sizeof *out);
	if (v->key_b64) {
		long n = base64_decode(v->key, strlen(v->key), out->key, sizeof out->key);
		long h = base64_decode(v->hmac_key, strlen(v->hmac_key), out->hkey, sizeof out->hkey);
		assert_true(n > 0 && h > 0);
		out->k.key_len = (size_t)n;
		out->k.hmac_key_len = (size_t)h;
	} else {
		out->k.key_len = strlen(v->key);
		out->k.hmac_key_len = strlen(v->hmac_key);
		memcpy(out->key, v->key, out->k.key_len);
		memcpy(out->hkey, v->hmac_key, out->k.hmac_key_len);
	}
	out->k.key = out->key;
	out->k.hmac_key = out->hkey;
	if (!strcmp(v->hmac_type, "none"))
		out->k.hmac_digest = HMAC_SHA256;     /* what a server would have */
	else
		assert_true(fwknop_digest_parse(v->hmac_type, &out->k.hmac_digest));
}

static inline int decode_str(const char *wire, const struct fwknop_keys *k, struct fwknop_msg *m)
{
	return fwknop_decode((const uint8_t *)wire, strlen(wire), k, m);
}

static inline unsigned long leading_num(const char *s)
{
	return strtoul(s, NULL, 10);
}


static inline struct vec *vec_named(const char *prefix)
{
	for (size_t i = 0; i < nvecs; i++)
		if (!strncmp(vecs[i].name, prefix, strlen(prefix)))
			return &vecs[i];
	fail_msg("no vector %s", prefix);
	return NULL;
}

#endif
