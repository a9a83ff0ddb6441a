/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rotseq — see rotseq.h; the derivation is published in docs/rotating.md
 * and checked against an independent implementation (tests/vectors/). */
#include "rotseq.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "base64.h"
#include "be64.h"
#include "log.h"
#include "numparse.h"
#include "secret_file.h"
#include "spa_keys.h"

uint64_t rotseq_counter(int64_t unix_time, unsigned period)
{
	if (unix_time < 0 || period == 0)
		return 0;
	return (uint64_t)unix_time / period;
}

int rotseq_set_build(uint16_t low, uint16_t high, const uint8_t *excluded,
		     struct rotseq_set *out)
{
	out->ports = NULL;
	out->n = 0;
	if (low == 0 || low > high)
		return -EINVAL;
	out->ports = malloc(((size_t)high - low + 1) * sizeof *out->ports);
	if (!out->ports)
		return -ENOMEM;
	for (uint32_t p = low; p <= high; p++)
		if (!excluded || !rotseq_bit(excluded, (uint16_t)p))
			out->ports[out->n++] = (uint16_t)p;
	return 0;
}

void rotseq_set_fini(struct rotseq_set *s)
{
	free(s->ports);
	s->ports = NULL;
	s->n = 0;
}


/* Draws steps GOT.. LENGTH-1 from the stream of M (MLEN bytes; M has room
 * for one more byte, the block index).  Returns the count drawn in all,
 * or -EIO. */
static int draw(const uint8_t *key, size_t keylen, uint8_t *m, size_t mlen,
		const struct rotseq_set *set, enum rotseq_protos protos, size_t length,
		struct port_proto *out, size_t got)
{
	uint64_t n = protos == ROTSEQ_MIXED ? 2 * (uint64_t)set->n : set->n;
	uint64_t limit = (UINT64_C(1) << 32) - (UINT64_C(1) << 32) % n;
	for (unsigned blk = 0; blk < ROTSEQ_BLOCKS && got < length; blk++) {
		uint8_t md[32];
		unsigned int mdlen = 0;
		m[mlen] = (uint8_t)blk;
		if (!HMAC(EVP_sha256(), key, (int)keylen, m, mlen + (blk ? 1 : 0), md, &mdlen) ||
		    mdlen != sizeof md)
			return -EIO;
		for (size_t i = 0; i + 4 <= sizeof md && got < length; i += 4) {
			uint64_t u = (uint64_t)md[i] << 24 | (uint64_t)md[i + 1] << 16 |
				     (uint64_t)md[i + 2] << 8 | md[i + 3];
			if (u >= limit)
				continue;
			uint64_t k = u % n;
			struct port_proto pp;
			if (protos == ROTSEQ_MIXED) {
				pp.port = set->ports[k / 2];
				pp.proto = k % 2 ? PROTO_UDP : PROTO_TCP;
			} else {
				pp.port = set->ports[k];
				pp.proto = protos == ROTSEQ_UDP ? PROTO_UDP : PROTO_TCP;
			}
			bool dup = false;
			for (size_t j = 0; j < got && !dup; j++)
				dup = out[j].port == pp.port;
			if (!dup)
				out[got++] = pp;
		}
		OPENSSL_cleanse(md, sizeof md);
	}
	return (int)got;
}

int rotseq_derive(const uint8_t *key, size_t keylen, const char *door, uint64_t counter,
		  const struct addr *bind, const struct rotseq_set *set,
		  enum rotseq_protos protos, size_t length, struct port_proto *out)
{
	size_t nlen = strlen(door);
	if (length < ROTSEQ_LEN_MIN || length > ROTSEQ_LEN_MAX || set->n < length ||
	    nlen == 0 || nlen >= CONFIG_NAME_MAX || keylen == 0 || keylen > ROTSEQ_SECRET_MAX ||
	    (bind && bind->family != AF_INET && bind->family != AF_INET6))
		return -EINVAL;
	/* M ‖ block index: name, counter, address, index byte. */
	uint8_t m[CONFIG_NAME_MAX + 8 + 16 + 1];
	memcpy(m, door, nlen);
	size_t mlen = nlen;
	be64_put(m + mlen, counter);
	mlen += 8;
	int got = 0;
	if (bind) {
		/* The first knock without the address, so that the daemon can
		 * index first knocks before it knows who knocks; the rest
		 * with it. */
		got = draw(key, keylen, m, mlen, set, protos, 1, out, 0);
		if (got == 1) {
			size_t alen = bind->family == AF_INET ? 4 : 16;
			memcpy(m + mlen, bind->family == AF_INET ? (const void *)&bind->v4
							    : (const void *)&bind->v6, alen);
			got = draw(key, keylen, m, mlen + alen, set, protos, length, out, 1);
		}
	} else {
		got = draw(key, keylen, m, mlen, set, protos, length, out, 0);
	}
	if (got < 0)
		return got;
	return (size_t)got == length ? 0 : -ERANGE;
}

int rotseq_services_exclude(const char *path, bool any_proto, uint8_t *excluded)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return -errno;
	char line[1024];
	while (fgets(line, sizeof line, f)) {
		char *hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		char *save = NULL;
		char *name = strtok_r(line, " \t\r\n", &save);
		char *pp = name ? strtok_r(NULL, " \t\r\n", &save) : NULL;
		if (!pp)
			continue;
		char *slash = strchr(pp, '/');
		if (!slash)
			continue;
		*slash = '\0';
		if (!any_proto && strcasecmp(slash + 1, "tcp") != 0 &&
		    strcasecmp(slash + 1, "udp") != 0)
			continue;
		unsigned long port;
		if (parse_ulong(pp, 1, 65535, &port))
			rotseq_bit_set(excluded, (uint16_t)port);
	}
	int rc = ferror(f) ? -EIO : 0;
	fclose(f);
	return rc;
}

int rotseq_door_set(const struct config *cfg, const struct door *d, const char *services,
		    struct rotseq_set *out)
{
	uint8_t *ex = calloc(1, ROTSEQ_BITMAP_BYTES);
	if (!ex)
		return -ENOMEM;
	for (size_t i = 0; i < cfg->ndoors; i++) {
		const struct door *o = &cfg->doors[i];
		for (size_t k = 0; k < o->open_len && k < CONFIG_OPEN_MAX; k++)
			rotseq_bit_set(ex, o->open[k].port);
		if (door_is_spa(o) && o->spa_port)
			rotseq_bit_set(ex, o->spa_port);
	}
	int rc = services ? rotseq_services_exclude(services, false, ex) : 0;
	if (rc == -ENOENT)
		rc = 0;
	if (rc == 0)
		rc = rotseq_set_build(d->rot_low, d->rot_high, ex, out);
	free(ex);
	return rc;
}

bool rotseq_parse_range(const char *s, uint16_t *low, uint16_t *high)
{
	char buf[32];
	if (strlen(s) >= sizeof buf)
		return false;
	snprintf(buf, sizeof buf, "%s", s);
	char *dash = strchr(buf, '-');
	unsigned long lo, hi;
	if (dash)
		*dash = '\0';
	if (!parse_ulong(buf, 1, 65535, &lo))
		return false;
	hi = lo;
	if (dash && !parse_ulong(dash + 1, 1, 65535, &hi))
		return false;
	if (lo > hi)
		return false;
	*low = (uint16_t)lo;
	*high = (uint16_t)hi;
	return true;
}

static const char *const proto_names[] = {
	[ROTSEQ_TCP] = "tcp", [ROTSEQ_UDP] = "udp", [ROTSEQ_MIXED] = "mixed",
};

bool rotseq_parse_protos(const char *s, enum rotseq_protos *out)
{
	for (size_t i = 0; i < 3; i++) {
		if (strcasecmp(s, proto_names[i]) == 0) {
			*out = (enum rotseq_protos)i;
			return true;
		}
	}
	return false;
}

const char *rotseq_protos_name(enum rotseq_protos p)
{
	return (size_t)p < 3 ? proto_names[p] : "?";
}

/* --- secret files -------------------------------------------------------- */

/* One "NAME BASE64" line of N bytes; a static reason on failure. */
static const char *parse_secret(const char *line, size_t n, struct rotseq_secret *s)
{
	size_t i = 0;
	while (i < n && secret_blank(line[i]))
		i++;
	size_t ns = i;
	while (i < n && !secret_blank(line[i]))
		i++;
	size_t nlen = i - ns;
	while (i < n && secret_blank(line[i]))
		i++;
	size_t bs = i;
	while (i < n && !secret_blank(line[i]))
		i++;
	size_t blen = i - bs;
	while (i < n && secret_blank(line[i]))
		i++;
	if (nlen == 0 || blen == 0 || i != n)
		return "expected NAME BASE64SECRET";
	if (nlen >= ROTSEQ_NAME_MAX)
		return "name too long";
	memcpy(s->name, line + ns, nlen);
	s->name[nlen] = '\0';
	if (!spa_key_name_valid(s->name))
		return "bad character in name (allowed: letters, digits, . _ - @ +)";
	uint8_t tmp[128];
	if (blen > 4 * sizeof tmp / 3)
		return "secret too long (at most 64 bytes)";
	long k = base64_decode(line + bs, blen, tmp, sizeof tmp);
	if (k <= 0) {
		OPENSSL_cleanse(tmp, sizeof tmp);
		return "secret is not valid base64";
	}
	if (k < ROTSEQ_SECRET_MIN || k > ROTSEQ_SECRET_MAX) {
		OPENSSL_cleanse(tmp, sizeof tmp);
		return "secret must be 16 to 64 bytes";
	}
	memcpy(s->key, tmp, (size_t)k);
	s->len = (size_t)k;
	OPENSSL_cleanse(tmp, sizeof tmp);
	return NULL;
}

void rotseq_secrets_free(struct rotseq_secret *s, size_t n)
{
	secret_records_free(s, n, sizeof *s);
}

static const char *secret_line(const char *line, size_t n, unsigned lineno, void *rec)
{
	struct rotseq_secret *s = rec;
	s->line = lineno;
	return parse_secret(line, n, s);
}

static const char *secret_clash(const void *rec, const void *earlier)
{
	const struct rotseq_secret *s = rec, *e = earlier;
	return strcmp(e->name, s->name) == 0 ? "duplicate name" : NULL;
}

static const struct secret_kind secret_kind = {
	.size = sizeof(struct rotseq_secret), .max = ROTSEQ_CLIENTS_MAX, .noun = "secret",
	.too_many = "too many clients", .parse = secret_line, .clash = secret_clash,
};

int rotseq_secrets_parse(const char *name, const char *text, size_t len,
			 config_diag_fn diag, void *ctx, struct rotseq_secret **out)
{
	return secret_records_parse(&secret_kind, name, text, len, diag, ctx, out);
}

int rotseq_secrets_load(const char *path, config_diag_fn diag, void *ctx,
			struct rotseq_secret **out)
{
	return secret_records_load(&secret_kind, path, diag, ctx, out);
}

int rotseq_secret_load_client(const char *path, config_diag_fn diag, void *ctx,
			      struct rotseq_secret *out)
{
	return secret_record_load_one(&secret_kind, path, diag, ctx, out);
}

_Static_assert(ROTSEQ_SECRET_MAX <= SECRET_LINE_SECRET_MAX, "a secret's line holds it whole");

int rotseq_secret_format(const struct rotseq_secret *s, char *buf, size_t len)
{
	return secret_line_format(s->name, NULL, s->key, s->len, buf, len);
}
