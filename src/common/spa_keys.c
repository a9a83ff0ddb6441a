/* SPDX-License-Identifier: GPL-2.0-or-later */
/* spa_keys — see spa_keys.h. */
#include "spa_keys.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "base64.h"
#include "log.h"

#define B64KEY_LEN   44                 /* base64 of 32 bytes, padded */

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' ||
	       c == '@' || c == '+';
}

bool spa_key_name_valid(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n >= SPA_KEY_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!name_char(name[i]))
			return false;
	return true;
}

void spa_key_wipe(struct spa_key *k)
{
	OPENSSL_cleanse(k, sizeof *k);
}

void spa_keys_free(struct spa_key *keys, size_t n)
{
	secret_records_free(keys, n, sizeof *keys);
}

int spa_key_generate(const char *name, struct spa_key *out)
{
	memset(out, 0, sizeof *out);
	if (!spa_key_name_valid(name))
		return -EINVAL;
	if (RAND_priv_bytes(out->key, SPA_KEY_LEN) != 1) {
		spa_key_wipe(out);
		return -EIO;
	}
	memcpy(out->name, name, strlen(name) + 1);
	spa_key_id(out->key, out->id);
	return 0;
}

static const char hexdig[] = "0123456789abcdef";

_Static_assert(SPA_KEY_LEN <= SECRET_LINE_SECRET_MAX, "a key's line holds it whole");

int spa_keyline_format(const struct spa_key *k, char *buf, size_t len)
{
	char hex[2 * SPA_KEYID_LEN + 1];
	for (size_t i = 0; i < SPA_KEYID_LEN; i++) {
		hex[2 * i] = hexdig[k->id[i] >> 4];
		hex[2 * i + 1] = hexdig[k->id[i] & 15];
	}
	hex[sizeof hex - 1] = '\0';
	return secret_line_format(k->name, hex, k->key, SPA_KEY_LEN, buf, len);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Splits LINE (length N, no newline) into at most 4 fields.  Returns the
 * field count. */
static size_t split(const char *line, size_t n, const char *f[4], size_t flen[4])
{
	size_t nf = 0, i = 0;
	while (i < n) {
		while (i < n && secret_blank(line[i]))
			i++;
		if (i == n)
			break;
		size_t start = i;
		while (i < n && !secret_blank(line[i]))
			i++;
		if (nf == 4)
			return 5;
		f[nf] = line + start;
		flen[nf] = i - start;
		nf++;
	}
	return nf;
}

/* Parses one key line; on failure returns a static reason. */
static const char *parse_line(const char *line, size_t n, struct spa_key *k)
{
	const char *f[4];
	size_t fl[4];
	size_t nf = split(line, n, f, fl);
	if (nf != 3)
		return "expected NAME KEYID BASE64KEY";
	if (fl[0] >= SPA_KEY_NAME_MAX)
		return "name too long";
	for (size_t i = 0; i < fl[0]; i++)
		if (!name_char(f[0][i]))
			return "bad character in name (allowed: letters, digits, . _ - @ +)";
	memcpy(k->name, f[0], fl[0]);
	k->name[fl[0]] = '\0';
	if (fl[1] != 2 * SPA_KEYID_LEN)
		return "key id must be 16 lowercase hex digits";
	for (size_t i = 0; i < SPA_KEYID_LEN; i++) {
		int hi = hexval(f[1][2 * i]), lo = hexval(f[1][2 * i + 1]);
		if (hi < 0 || lo < 0)
			return "key id must be 16 lowercase hex digits";
		k->id[i] = (uint8_t)(hi << 4 | lo);
	}
	if (fl[2] != B64KEY_LEN ||
	    base64_decode(f[2], fl[2], k->key, sizeof k->key) != SPA_KEY_LEN)
		return "key must be 32 bytes in base64 (44 characters)";
	uint8_t id[SPA_KEYID_LEN];
	spa_key_id(k->key, id);
	if (CRYPTO_memcmp(id, k->id, SPA_KEYID_LEN) != 0)
		return "key id does not match the key (damaged line?)";
	return NULL;
}

static const char *key_line(const char *line, size_t n, unsigned lineno, void *rec)
{
	struct spa_key *k = rec;
	k->line = lineno;
	return parse_line(line, n, k);
}

static const char *key_clash(const void *rec, const void *earlier)
{
	const struct spa_key *k = rec, *e = earlier;
	if (strcmp(e->name, k->name) == 0)
		return "duplicate name";
	if (memcmp(e->id, k->id, SPA_KEYID_LEN) == 0)
		return "duplicate key";
	return NULL;
}

static const struct secret_kind key_kind = {
	.size = sizeof(struct spa_key), .max = SPA_KEYS_MAX, .noun = "key",
	.too_many = "too many keys", .parse = key_line, .clash = key_clash,
};

int spa_keys_parse(const char *name, const char *text, size_t len,
		   config_diag_fn diag, void *ctx, struct spa_key **out)
{
	return secret_records_parse(&key_kind, name, text, len, diag, ctx, out);
}

int spa_keys_load(const char *path, config_diag_fn diag, void *ctx,
		  struct spa_key **out)
{
	return secret_records_load(&key_kind, path, diag, ctx, out);
}

int spa_key_load_client(const char *path, config_diag_fn diag, void *ctx,
			struct spa_key *out)
{
	return secret_record_load_one(&key_kind, path, diag, ctx, out);
}
