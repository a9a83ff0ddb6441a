/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fwknoprc — a [NAME] stanza of fwknop's ~/.fwknoprc as a profile, so a
 * user of fwknop's client keeps the file `fwknop --save-rc-stanza` wrote.
 *
 * Lines are "VARIABLE  value"; the [default] stanza gives values every
 * other stanza may override.  Only the stanzas read ([default] and NAME)
 * are judged: another server's stanza may use features we lack.  A
 * variable that sesame cannot honour is refused by name rather than
 * silently ignored: the packet would not be the one the user asked for. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "base64.h"
#include "fwknop.h"
#include "ini.h"
#include "numparse.h"
#include "portspec.h"
#include "profile.h"
#include "spa_keys.h"

enum rcvar {
	RV_SERVER, RV_PORT, RV_PROTO, RV_ALLOW, RV_ACCESS, RV_KEY_B64, RV_KEY,
	RV_HMAC_B64, RV_HMAC, RV_HMAC_DIGEST, RV_USE_HMAC, RV_DIGEST, RV_MODE,
	RV__COUNT
};

static const struct { const char *name; enum rcvar id; } rcvars[] = {
	{ "SPA_SERVER", RV_SERVER }, { "SPA_SERVER_PORT", RV_PORT },
	{ "SPA_SERVER_PROTO", RV_PROTO }, { "ALLOW_IP", RV_ALLOW },
	{ "ACCESS", RV_ACCESS }, { "KEY_BASE64", RV_KEY_B64 }, { "KEY", RV_KEY },
	{ "HMAC_KEY_BASE64", RV_HMAC_B64 }, { "HMAC_KEY", RV_HMAC },
	{ "HMAC_DIGEST_TYPE", RV_HMAC_DIGEST }, { "USE_HMAC", RV_USE_HMAC },
	{ "DIGEST_TYPE", RV_DIGEST }, { "ENCRYPTION_MODE", RV_MODE },
};

struct stanza {
	struct profile p;
	unsigned seen[RV__COUNT];
};

struct rcparser {
	const char *file;
	struct profile_diag *d;
	struct stanza *cur;             /* NULL: a stanza we skip */
	unsigned errors;
};

static void rerr(struct rcparser *rp, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void rerr(struct rcparser *rp, unsigned line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	rp->errors++;
	profile_err(rp->d, "%s:%u: %s", rp->file, line, msg);
}

/* A base64 key of at most CAP bytes, kept as given. */
static bool b64_value(const char *v, size_t cap, char *out, size_t outlen)
{
	uint8_t buf[2 * CONFIG_KEY_MAX];
	long n = base64_decode(v, strlen(v), buf, cap < sizeof buf ? cap : sizeof buf);
	explicit_bzero(buf, sizeof buf);
	return n > 0 && snprintf_safe(out, outlen, "%s", v);
}

/* A key given as text (KEY, HMAC_KEY): its bytes, as base64. */
static bool raw_value(const char *v, size_t cap, char *out, size_t outlen)
{
	size_t n = strlen(v);
	return n > 0 && n <= cap &&
		base64_encode((const uint8_t *)v, n, out, outlen, true) > 0;
}

static void set_var(struct rcparser *rp, unsigned line, enum rcvar id, const char *name,
		    const char *v)
{
	struct profile *p = &rp->cur->p;
	char err[128];
	unsigned port;
	switch (id) {
	case RV_SERVER:
		if (!profile_host_valid(v))
			rerr(rp, line, "SPA_SERVER: '%.80s' is not a host name or address", v);
		else
			snprintf(p->host, sizeof p->host, "%s", v);
		break;
	case RV_PORT:
		if (!parse_port(v, &port))
			rerr(rp, line, "SPA_SERVER_PORT: '%.80s' is not a port 1-65535", v);
		p->spa_port = port;
		break;
	case RV_PROTO:
		if (strcasecmp(v, "udp") != 0)
			rerr(rp, line, "SPA_SERVER_PROTO %.20s is not supported (sesame sends "
			     "SPA over UDP only)", v);
		break;
	case RV_ALLOW: {
		struct addr a;
		if (strcasecmp(v, "source") == 0)
			p->allow[0] = '\0';
		else if (addr_parse(v, &a))
			addr_format(&a, p->allow, sizeof p->allow);
		else
			rerr(rp, line, "ALLOW_IP %.80s is not supported (a numeric address or "
			     "'source'; sesame does not ask a web service for your address)", v);
		break;
	}
	case RV_ACCESS: {
		struct port_proto ports[CONFIG_OPEN_MAX];
		int n = portspec_parse_list(v, true, PROTO_TCP, ports, CONFIG_OPEN_MAX,
					    err, sizeof err);
		if (n <= 0) {
			rerr(rp, line, "ACCESS: %s", n < 0 ? err : "no port");
			break;
		}
		size_t o = 0;
		p->open[0] = '\0';
		for (int i = 0; i < n && o < sizeof p->open; i++)
			o += (size_t)snprintf(p->open + o, sizeof p->open - o, "%s%s/%u",
					      i ? "," : "", port_proto_name(ports[i].proto),
					      ports[i].port);
		break;
	}
	case RV_KEY_B64:
	case RV_KEY:
		if (!(id == RV_KEY ? raw_value : b64_value)(v, CONFIG_KEY_MAX, p->key_b64,
							  sizeof p->key_b64))
			rerr(rp, line, "%s: not a key of 1-%d bytes%s", name, CONFIG_KEY_MAX,
			     id == RV_KEY ? "" : " in base64");
		p->key_line = line;
		break;
	case RV_HMAC_B64:
	case RV_HMAC:
		if (!(id == RV_HMAC ? raw_value : b64_value)(v, 2 * CONFIG_KEY_MAX,
							   p->hmac_key_b64,
							   sizeof p->hmac_key_b64))
			rerr(rp, line, "%s: not a key of 1-%d bytes%s", name, 2 * CONFIG_KEY_MAX,
			     id == RV_HMAC ? "" : " in base64");
		p->hmac_key_line = line;
		break;
	case RV_HMAC_DIGEST: {
		enum hmac_digest dg;
		if (!fwknop_digest_parse(v, &dg))
			rerr(rp, line, "HMAC_DIGEST_TYPE: unknown digest '%.40s'", v);
		else
			snprintf(p->digest, sizeof p->digest, "%s", fwknop_digest_name(dg));
		break;
	}
	case RV_USE_HMAC:
		if (strcasecmp(v, "Y") != 0)
			rerr(rp, line, "USE_HMAC %.20s is not supported (sesame always sends an "
			     "HMAC: without one the packet could be altered)", v);
		break;
	case RV_DIGEST:
		if (strcasecmp(v, "sha256") != 0)
			rerr(rp, line, "DIGEST_TYPE %.20s is not supported (sesame sends "
			     "SHA256, fwknop's default)", v);
		break;
	case RV_MODE:
		if (strcasecmp(v, "cbc") != 0)
			rerr(rp, line, "ENCRYPTION_MODE %.20s is not supported (sesame sends "
			     "CBC, fwknop's default)", v);
		break;
	case RV__COUNT:
		break;
	}
}

static void rc_key(struct rcparser *rp, const struct ini_item *it)
{
	if (!rp->cur)
		return;
	for (size_t i = 0; i < sizeof rcvars / sizeof rcvars[0]; i++) {
		if (strcasecmp(rcvars[i].name, it->name) != 0)
			continue;
		if (!it->value || !*it->value) {
			rerr(rp, it->line, "%s needs a value", rcvars[i].name);
			return;
		}
		rp->cur->seen[rcvars[i].id] = it->line;
		set_var(rp, it->line, rcvars[i].id, rcvars[i].name, it->value);
		return;
	}
	rerr(rp, it->line, "%.40s is not supported by sesame (remove it from the stanza, "
	     "or use fwknop for this server)", it->name);
}

/* Values of NAMED over DEF, variable by variable. */
static void merge(struct stanza *def, const struct stanza *named, struct profile *out)
{
	struct profile *d = &def->p;
	const struct profile *n = &named->p;
	const unsigned *s = named->seen;
#define TAKE(v, field) do { if (s[v]) memcpy(&d->field, &n->field, sizeof d->field); } while (0)
	TAKE(RV_SERVER, host);
	TAKE(RV_PORT, spa_port);
	TAKE(RV_ALLOW, allow);
	TAKE(RV_ACCESS, open);
	if (s[RV_KEY_B64] || s[RV_KEY]) {
		memcpy(d->key_b64, n->key_b64, sizeof d->key_b64);
		d->key_line = n->key_line;
		def->seen[RV_KEY_B64] = s[RV_KEY_B64] | s[RV_KEY];
	}
	if (s[RV_HMAC_B64] || s[RV_HMAC]) {
		memcpy(d->hmac_key_b64, n->hmac_key_b64, sizeof d->hmac_key_b64);
		d->hmac_key_line = n->hmac_key_line;
		def->seen[RV_HMAC_B64] = s[RV_HMAC_B64] | s[RV_HMAC];
	}
	TAKE(RV_HMAC_DIGEST, digest);
#undef TAKE
	for (size_t i = 0; i < RV__COUNT; i++)
		if (s[i])
			def->seen[i] = s[i];
	memcpy(d->name, n->name, sizeof d->name);
	memcpy(d->file, n->file, sizeof d->file);
	d->line = n->line;
	*out = *d;
}

int fwknoprc_parse(const char *file, const char *text, size_t len, const char *name,
		   struct profile_diag *d, struct profile *out)
{
	struct stanza *st = calloc(2, sizeof *st);      /* [default], [NAME] */
	struct ini_reader r;
	if (!st || ini_init_buf(&r, text, len) < 0) {
		free(st);
		profile_err(d, "%s: out of memory", file);
		return -ENOMEM;
	}
	r.blank_separated = true;
	struct rcparser rp = { .file = file, .d = d };
	bool found = false;
	struct ini_item it;
	while (ini_next(&r, &it) && rp.errors < 100) {
		if (it.kind == INI_ERROR) {
			if (rp.cur)
				rerr(&rp, it.line, "%s", it.error);
		} else if (it.kind == INI_SECTION) {
			rp.cur = NULL;
			if (it.name && strcasecmp(it.name, "default") == 0)
				rp.cur = &st[0];
			else if (it.name && strcmp(it.name, name) == 0 && !found) {
				rp.cur = &st[1];
				found = true;
				snprintf(st[1].p.name, sizeof st[1].p.name, "%s", name);
				snprintf(st[1].p.file, sizeof st[1].p.file, "%s", file);
				st[1].p.line = it.line;
			}
		} else {
			rc_key(&rp, &it);
		}
	}
	ini_fini(&r);
	int rc = 0;
	if (found && !rp.errors) {
		merge(&st[0], &st[1], out);
		out->method = PM_FWKNOP;
		out->family = AF_UNSPEC;
		const struct { enum rcvar v; const char *what; } need[] = {
			{ RV_SERVER, "SPA_SERVER" }, { RV_ACCESS, "ACCESS" },
			{ RV_KEY_B64, "KEY_BASE64" }, { RV_HMAC_B64, "HMAC_KEY_BASE64" },
		};
		for (size_t i = 0; i < sizeof need / sizeof need[0]; i++)
			if (!st[0].seen[need[i].v])
				rerr(&rp, out->line, "[%s] needs %s", name, need[i].what);
		rc = rp.errors ? -EINVAL : 1;
	} else if (rp.errors) {
		rc = -EINVAL;
	}
	explicit_bzero(st, 2 * sizeof *st);
	free(st);
	if (rc < 0)
		explicit_bzero(out, sizeof *out);
	return rc;
}

int fwknoprc_default_file(char *buf, size_t len)
{
	const char *home = getenv("HOME");
	if (!home || !*home)
		return -ENOENT;
	return snprintf_safe(buf, len, "%s/.fwknoprc", home) ? 0 : -ENAMETOOLONG;
}

static void rc_diag(void *ctx, int level, const char *msg)
{
	(void)level;
	profile_err(ctx, "%s", msg);
}

int fwknoprc_load(const char *path, const char *name, struct profile_diag *d,
		  struct profile *out)
{
	struct stat st;
	if (lstat(path, &st) < 0 && errno == ENOENT)
		return 0;
	char *text = NULL;
	size_t len = 0;
	int rc = secret_file_read(path, S_IRWXG | S_IRWXO, "group or others", rc_diag, d,
				  &text, &len);
	if (rc < 0)
		return rc;
	rc = fwknoprc_parse(path, text, len, name, d, out);
	secret_file_free(text, len);
	return rc;
}
