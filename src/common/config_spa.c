/* SPDX-License-Identifier: GPL-2.0-or-later */
/* config_spa — the setters of an SPA door's keys (SPA_*, Fwknop_*) and
 * the HMAC digest names.  Value syntax, ranges and messages live here;
 * the door's other keys in config_door.c, structure in config.c. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "base64.h"
#include "config_internal.h"

#define SPA_WINDOW_MAX    86400ul

static const char *const digest_names[] = {
	[HMAC_MD5] = "md5", [HMAC_SHA1] = "sha1", [HMAC_SHA256] = "sha256",
	[HMAC_SHA384] = "sha384", [HMAC_SHA512] = "sha512",
	[HMAC_SHA3_256] = "sha3_256", [HMAC_SHA3_512] = "sha3_512",
};

const char *hmac_digest_name(enum hmac_digest d)
{
	if ((size_t)d >= sizeof digest_names / sizeof digest_names[0])
		return NULL;
	return digest_names[d];
}

bool hmac_digest_parse(const char *s, enum hmac_digest *out)
{
	char buf[16];
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n >= sizeof buf)
		return false;
	for (size_t i = 0; i <= n; i++) {
		char c = s[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		buf[i] = c == '-' ? '_' : c;
	}
	for (size_t i = HMAC_MD5; i < sizeof digest_names / sizeof digest_names[0]; i++) {
		if (strcmp(buf, digest_names[i]) == 0) {
			*out = (enum hmac_digest)i;
			return true;
		}
	}
	return false;
}

/* Fwknop_Key and Fwknop_HMAC_Key, as text or (B64) in base64, into DST
 * (at most MAX bytes). */
static void set_key(struct parser *p, const struct keyword *k, const char *v,
		    bool b64, uint8_t *dst, size_t *dstlen, size_t max)
{
	size_t len = strlen(v);
	if (b64) {
		uint8_t tmp[CONFIG_LINE_MAX];
		long n = base64_decode(v, len, tmp, sizeof tmp);
		if (n <= 0) {
			/* Never echo key material, even broken. */
			config_perr(p, p->line, "%s: not valid base64", k->name);
		} else if ((size_t)n > max) {
			config_perr(p, p->line, "%s: key too long (%ld bytes, at most %zu)",
				    k->name, n, max);
		} else {
			memcpy(dst, tmp, (size_t)n);
			*dstlen = (size_t)n;
		}
		explicit_bzero(tmp, sizeof tmp);
		return;
	}
	if (len > max) {
		config_perr(p, p->line, "%s: key too long (%zu bytes, at most %zu)", k->name, len, max);
		return;
	}
	memcpy(dst, v, len);
	*dstlen = len;
}

/* SPA_Allow_Address's ADDR[/PREFIX],... list, V known to be neither
 * "yes" nor "no".  D's list is empty unless the whole of V parsed. */
static void set_allow_list(struct parser *p, const struct keyword *k, const char *v,
			   struct door *d)
{
	char copy[CONFIG_LINE_MAX + 1], *save = NULL;
	snprintf(copy, sizeof copy, "%s", v);
	size_t commas = 0, items = 0;
	for (const char *c = v; *c; c++)
		commas += *c == ',';
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		t = config_trim(t);
		items++;
		if (d->allow_len == CONFIG_ALLOW_MAX) {
			config_perr(p, p->line, "%s: too many networks (at most %d)",
				    k->name, CONFIG_ALLOW_MAX);
			d->allow_len = 0;
			return;
		}
		if (!cidr_parse(t, &d->allow_nets[d->allow_len])) {
			config_perr(p, p->line, "%s: bad value '%.*s%s' (expected no, yes, "
				    "or ADDR[/PREFIX],... without host bits)", k->name, VAL(t));
			d->allow_len = 0;
			return;
		}
		d->allow_len++;
	}
	if (items == 0 || commas + 1 != items) {
		config_perr(p, p->line, "%s: bad value '%.*s%s' (empty item)", k->name, VAL(v));
		d->allow_len = 0;
		return;
	}
	d->allow = ALLOW_CIDR;
}

static void set_allow(struct parser *p, const struct keyword *k, const char *v)
{
	struct door *d = config_cur_door(p);
	d->allow_len = 0;
	if (strcasecmp(v, "no") == 0) {
		d->allow = ALLOW_NO;
		return;
	}
	if (strcasecmp(v, "yes") == 0) {
		d->allow = ALLOW_YES;
		return;
	}
	d->allow = ALLOW_NO;    /* until the whole list parsed */
	set_allow_list(p, k, v, d);
}

static void set_format(struct parser *p, const struct keyword *k, const char *v)
{
	struct door *d = config_cur_door(p);
	if (strcasecmp(v, "sesame") == 0)
		d->spa_format = SPA_FORMAT_SESAME;
	else if (strcasecmp(v, "fwknop") == 0)
		d->spa_format = SPA_FORMAT_FWKNOP;
	else {
		config_perr(p, p->line, "%s: bad value '%.*s%s' (expected sesame or fwknop)",
			    k->name, VAL(v));
		return;
	}
	d->lines.spa_format = p->line;
}

void config_set_spa_key(struct parser *p, const struct keyword *k, const char *v)
{
	struct door *d = config_cur_door(p);
	unsigned long n;

	switch (k->id) {
	case K_SPA_PORT:
		if (config_num(p, k, v, 1, 65535, "a port", &n)) {
			d->spa_port = (uint16_t)n;
			d->lines.spa_port = p->line;
		}
		return;
	case K_SPA_FORMAT:
		set_format(p, k, v);
		return;
	case K_SPA_KEYS:
		config_set_str(p, &d->spa_keys, v, true);
		return;
	case K_SPA_WINDOW:
		if (config_num(p, k, v, 1, SPA_WINDOW_MAX, "seconds", &n))
			d->spa_window_s = (unsigned)n;
		return;
	case K_SPA_ALLOW:
		set_allow(p, k, v);
		return;
	case K_SPA_REQUIRE_ADDR:
		config_set_bool(p, k, v, &d->spa_require_address);
		return;
	case K_SPA_ACCEPT_V1:
		config_set_bool(p, k, v, &d->spa_accept_v1);
		return;
	case K_FWK_KEY_B64:
	case K_FWK_KEY:
		set_key(p, k, v, k->id == K_FWK_KEY_B64, d->fwknop_key,
			&d->fwknop_key_len, sizeof d->fwknop_key);
		return;
	case K_FWK_HMAC_B64:
	case K_FWK_HMAC:
		set_key(p, k, v, k->id == K_FWK_HMAC_B64, d->fwknop_hmac_key,
			&d->fwknop_hmac_key_len, sizeof d->fwknop_hmac_key);
		return;
	case K_FWK_DIGEST:
		if (hmac_digest_parse(v, &d->fwknop_hmac_digest))
			return;
		config_perr(p, p->line, "%s: bad value '%.*s%s' (expected md5, sha1, sha256, "
			    "sha384, sha512, sha3_256 or sha3_512)", k->name, VAL(v));
		return;
	default:
		return;
	}
}
