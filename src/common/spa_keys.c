/* SPDX-License-Identifier: GPL-2.0-or-later */
/* spa_keys — see spa_keys.h. */
#include "spa_keys.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "base64.h"
#include "log.h"

#define KEYFILE_MAX  (1 << 20)          /* bytes; far above SPA_KEYS_MAX lines */
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
	if (!keys)
		return;
	OPENSSL_cleanse(keys, n * sizeof *keys);
	free(keys);
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

int spa_keyline_format(const struct spa_key *k, char *buf, size_t len)
{
	char hex[2 * SPA_KEYID_LEN + 1];
	char b64[B64KEY_LEN + 1];
	for (size_t i = 0; i < SPA_KEYID_LEN; i++) {
		hex[2 * i] = hexdig[k->id[i] >> 4];
		hex[2 * i + 1] = hexdig[k->id[i] & 15];
	}
	hex[sizeof hex - 1] = '\0';
	int rc = 0;
	if (base64_encode(k->key, SPA_KEY_LEN, b64, sizeof b64, true) != B64KEY_LEN)
		rc = -EIO;
	else {
		int n = snprintf(buf, len, "%s %s %s\n", k->name, hex, b64);
		if (n < 0 || (size_t)n >= len)
			rc = -ENOSPC;
	}
	OPENSSL_cleanse(b64, sizeof b64);
	if (rc < 0 && len)
		OPENSSL_cleanse(buf, len);
	return rc;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

int secret_lines_next(struct secret_lines *it, const char **line, size_t *n)
{
	while (it->pos < it->len) {
		const char *l = it->text + it->pos;
		const char *nl = memchr(l, '\n', it->len - it->pos);
		size_t ll = nl ? (size_t)(nl - l) : it->len - it->pos;
		it->pos += ll + (nl ? 1 : 0);
		it->lineno++;
		if (memchr(l, '\0', ll))
			return -1;
		size_t i = 0;
		while (i < ll && is_blank(l[i]))
			i++;
		if (i == ll || l[i] == '#')
			continue;
		*line = l;
		*n = ll;
		return 1;
	}
	return 0;
}


/* Splits LINE (length N, no newline) into at most 4 fields.  Returns the
 * field count. */
static size_t split(const char *line, size_t n, const char *f[4], size_t flen[4])
{
	size_t nf = 0, i = 0;
	while (i < n) {
		while (i < n && is_blank(line[i]))
			i++;
		if (i == n)
			break;
		size_t start = i;
		while (i < n && !is_blank(line[i]))
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

int spa_keys_parse(const char *name, const char *text, size_t len,
		   config_diag_fn diag, void *ctx, struct spa_key **out)
{
	*out = NULL;
	size_t cap = 0, nkeys = 0;
	struct spa_key *keys = NULL;
	bool bad = false;
	unsigned lineno = 0;
	struct secret_lines it = { .text = text, .len = len };
	const char *line;
	size_t n;
	int more;
	while ((more = secret_lines_next(&it, &line, &n)) != 0) {
		lineno = it.lineno;
		if (more < 0) {
			config_diagf(diag, ctx, LOG_ERR, "%s:%u: NUL byte in key file", name, lineno);
			bad = true;
			continue;
		}
		struct spa_key k = { .line = lineno };
		const char *why = parse_line(line, n, &k);
		if (!why) {
			for (size_t j = 0; j < nkeys && !why; j++) {
				if (strcmp(keys[j].name, k.name) == 0)
					why = "duplicate name";
				else if (memcmp(keys[j].id, k.id, SPA_KEYID_LEN) == 0)
					why = "duplicate key";
			}
		}
		if (!why && nkeys == SPA_KEYS_MAX)
			why = "too many keys";
		if (why) {
			config_diagf(diag, ctx, LOG_ERR, "%s:%u: %s", name, lineno, why);
			bad = true;
			spa_key_wipe(&k);
			continue;
		}
		if (nkeys == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			struct spa_key *nk = calloc(ncap, sizeof *nk);
			if (!nk) {
				spa_key_wipe(&k);
				spa_keys_free(keys, nkeys);
				return -ENOMEM;
			}
			if (keys)
				memcpy(nk, keys, nkeys * sizeof *nk);
			spa_keys_free(keys, nkeys);
			keys = nk;
			cap = ncap;
		}
		keys[nkeys++] = k;
		spa_key_wipe(&k);
	}
	if (bad) {
		spa_keys_free(keys, nkeys);
		return -EINVAL;
	}
	*out = keys;
	return (int)nkeys;
}

int secret_file_read(const char *path, mode_t forbidden, const char *who,
		     config_diag_fn diag, void *ctx, char **text, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0) {
		int e = errno;
		if (e == ELOOP)
			config_diagf(diag, ctx, LOG_ERR, "%s: is a symbolic link; key files must not "
				 "be links (the permission check would judge the link, not the "
				 "file it points to): give the real path", path);
		else
			config_diagf(diag, ctx, LOG_ERR, "%s: cannot open: %s", path, strerror(e));
		return -e;
	}
	struct stat st;
	int rc = 0;
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		config_diagf(diag, ctx, LOG_ERR, "%s: cannot stat: %s", path, strerror(-rc));
	} else if (!S_ISREG(st.st_mode)) {
		rc = -EINVAL;
		config_diagf(diag, ctx, LOG_ERR, "%s: not a regular file", path);
	} else if (st.st_mode & forbidden) {
		rc = -EPERM;
		config_diagf(diag, ctx, LOG_ERR, "%s: accessible by %s (mode %04o); "
			 "it holds secret keys: chmod %s", path, who,
			 (unsigned)(st.st_mode & 07777), forbidden & S_IRWXG ? "600" : "o-rwx");
	} else if (st.st_size > KEYFILE_MAX) {
		rc = -EFBIG;
		config_diagf(diag, ctx, LOG_ERR, "%s: too large for a key file", path);
	}
	if (rc < 0) {
		close(fd);
		return rc;
	}
	size_t cap = (size_t)st.st_size + 1, n = 0;
	char *buf = malloc(cap);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	for (;;) {
		if (n == cap) {
			/* Grew since fstat: refuse rather than chase it. */
			rc = -EFBIG;
			config_diagf(diag, ctx, LOG_ERR, "%s: changed while being read", path);
			break;
		}
		ssize_t r = read(fd, buf + n, cap - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			config_diagf(diag, ctx, LOG_ERR, "%s: read: %s", path, strerror(-rc));
			break;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	if (rc < 0) {
		OPENSSL_cleanse(buf, cap);
		free(buf);
		return rc;
	}
	buf[n] = '\0';          /* n < cap: a file that grew was refused */
	*text = buf;
	*len = n;
	return 0;
}

void secret_file_free(char *text, size_t len)
{
	if (text)
		OPENSSL_cleanse(text, len);
	free(text);
}

int spa_keys_load(const char *path, config_diag_fn diag, void *ctx,
		  struct spa_key **out)
{
	*out = NULL;
	char *text = NULL;
	size_t len = 0;
	int rc = secret_file_read(path, S_IRWXO, "others", diag, ctx, &text, &len);
	if (rc < 0)
		return rc;
	rc = spa_keys_parse(path, text, len, diag, ctx, out);
	secret_file_free(text, len);
	return rc;
}

int spa_key_load_client(const char *path, config_diag_fn diag, void *ctx,
			struct spa_key *out)
{
	memset(out, 0, sizeof *out);
	char *text = NULL;
	size_t len = 0;
	int rc = secret_file_read(path, S_IRWXG | S_IRWXO, "group or others",
				  diag, ctx, &text, &len);
	if (rc < 0)
		return rc;
	struct spa_key *keys = NULL;
	rc = spa_keys_parse(path, text, len, diag, ctx, &keys);
	secret_file_free(text, len);
	if (rc < 0)
		return rc;
	if (rc != 1) {
		config_diagf(diag, ctx, LOG_ERR, "%s: a client key file holds exactly one key, "
			 "this one holds %d", path, rc);
		spa_keys_free(keys, (size_t)rc);
		return -EINVAL;
	}
	*out = keys[0];
	spa_keys_free(keys, 1);
	return 0;
}
