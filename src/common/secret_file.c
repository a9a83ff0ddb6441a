/* SPDX-License-Identifier: GPL-2.0-or-later */
/* secret_file — see secret_file.h. */
#include "secret_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "base64.h"

#define KEYFILE_MAX  (1 << 20)          /* bytes; far above any file's lines */

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
		while (i < ll && secret_blank(l[i]))
			i++;
		if (i == ll || l[i] == '#')
			continue;
		*line = l;
		*n = ll;
		return 1;
	}
	return 0;
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

int secret_line_format(const char *name, const char *id, const uint8_t *secret, size_t n,
		       char *buf, size_t len)
{
	char b64[4 * ((SECRET_LINE_SECRET_MAX + 2) / 3) + 1];
	int rc = 0;
	if (n > SECRET_LINE_SECRET_MAX || base64_encode(secret, n, b64, sizeof b64, true) <= 0)
		rc = -EIO;
	else {
		int w = snprintf(buf, len, "%s%s%s %s\n", name, id ? " " : "", id ? id : "", b64);
		if (w < 0 || (size_t)w >= len)
			rc = -ENOSPC;
	}
	OPENSSL_cleanse(b64, sizeof b64);
	if (rc < 0 && len)
		OPENSSL_cleanse(buf, len);
	return rc;
}

void secret_records_free(void *v, size_t n, size_t size)
{
	if (!v)
		return;
	OPENSSL_cleanse(v, n * size);
	free(v);
}

/* Room for record N+1 of *V (N == *CAP), the old array wiped.  0 or
 * -ENOMEM. */
static int records_grow(const struct secret_kind *kind, unsigned char **v, size_t n,
			size_t *cap)
{
	size_t ncap = *cap ? *cap * 2 : 8;
	if (ncap > kind->max + 1)
		ncap = kind->max + 1;
	unsigned char *nv = calloc(ncap, kind->size);
	if (!nv)
		return -ENOMEM;
	if (*v)
		memcpy(nv, *v, n * kind->size);
	secret_records_free(*v, n, kind->size);
	*v = nv;
	*cap = ncap;
	return 0;
}

/* *OUT = V, OUT the address of a pointer to records of any type: all
 * object pointers look alike on the platforms sesame runs on. */
static void records_set(void *out, void *v)
{
	memcpy(out, &v, sizeof v);
}

int secret_records_parse(const struct secret_kind *kind, const char *name, const char *text,
			 size_t len, config_diag_fn diag, void *ctx, void *out)
{
	records_set(out, NULL);
	unsigned char *v = NULL;
	size_t n = 0, cap = 0;
	bool bad = false;
	struct secret_lines it = { .text = text, .len = len };
	const char *line;
	size_t ll;
	int more;
	while ((more = secret_lines_next(&it, &line, &ll)) != 0) {
		if (more < 0) {
			config_diagf(diag, ctx, LOG_ERR, "%s:%u: NUL byte in %s file", name,
				     it.lineno, kind->noun);
			bad = true;
			continue;
		}
		/* Each line is parsed in the array's next slot. */
		if (n == cap && records_grow(kind, &v, n, &cap) < 0) {
			secret_records_free(v, n, kind->size);
			return -ENOMEM;
		}
		unsigned char *rec = v + n * kind->size;
		memset(rec, 0, kind->size);
		const char *why = kind->parse(line, ll, it.lineno, rec);
		for (size_t j = 0; !why && j < n; j++)
			why = kind->clash(rec, v + j * kind->size);
		if (!why && n == kind->max)
			why = kind->too_many;
		if (why) {
			config_diagf(diag, ctx, LOG_ERR, "%s:%u: %s", name, it.lineno, why);
			bad = true;
			OPENSSL_cleanse(rec, kind->size);
			continue;
		}
		n++;
	}
	if (bad) {
		secret_records_free(v, cap, kind->size);
		return -EINVAL;
	}
	records_set(out, v);
	return (int)n;
}

/* PATH read (FORBIDDEN, WHO: as secret_file_read()) and parsed as KIND. */
static int records_load(const struct secret_kind *kind, const char *path, mode_t forbidden,
			const char *who, config_diag_fn diag, void *ctx, void *out)
{
	records_set(out, NULL);
	char *text = NULL;
	size_t len = 0;
	int rc = secret_file_read(path, forbidden, who, diag, ctx, &text, &len);
	if (rc < 0)
		return rc;
	rc = secret_records_parse(kind, path, text, len, diag, ctx, out);
	secret_file_free(text, len);
	return rc;
}

int secret_records_load(const struct secret_kind *kind, const char *path,
			config_diag_fn diag, void *ctx, void *out)
{
	return records_load(kind, path, S_IRWXO, "others", diag, ctx, out);
}

int secret_record_load_one(const struct secret_kind *kind, const char *path,
			   config_diag_fn diag, void *ctx, void *out)
{
	memset(out, 0, kind->size);
	void *v = NULL;
	int rc = records_load(kind, path, S_IRWXG | S_IRWXO, "group or others", diag, ctx, &v);
	if (rc < 0)
		return rc;
	if (rc != 1) {
		config_diagf(diag, ctx, LOG_ERR, "%s: a client %s file holds exactly one %s, "
			     "this one holds %d", path, kind->noun, kind->noun, rc);
		secret_records_free(v, (size_t)rc, kind->size);
		return -EINVAL;
	}
	memcpy(out, v, kind->size);
	secret_records_free(v, 1, kind->size);
	return 0;
}
