/* SPDX-License-Identifier: GPL-2.0-or-later */
/* profile — see profile.h.  The syntax is ini.c's; the keys, their
 * values and the methods are here. */
#include "profile.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "fwknop.h"
#include "ini.h"
#include "knock_args.h"
#include "numparse.h"
#include "portspec.h"
#include "spa_keys.h"

#define PROFILE_FILE_MAX (1 << 20)      /* a config file, not a disk image */
#define PROFILES_MAX     1024

static void say(struct profile_diag *d, const char *fmt, va_list ap)
{
	char msg[CONFIG_LINE_MAX + 256];
	vsnprintf(msg, sizeof msg, fmt, ap);
	/* Values come from a file: no control bytes reach the terminal. */
	for (char *c = msg; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	if (!d->quiet)
		fprintf(stderr, "sesame %s: %s\n", d->cmd, msg);
}

void profile_err(struct profile_diag *d, const char *fmt, ...)
{
	d->errors++;
	if (d->errors > 100)
		return;
	va_list ap;
	va_start(ap, fmt);
	say(d, fmt, ap);
	va_end(ap);
}

static void profile_warn(struct profile_diag *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void profile_warn(struct profile_diag *d, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	say(d, fmt, ap);
	va_end(ap);
}

/* --- methods and keys --------------------------------------------------- */

enum pkey {
	PK_HOST, PK_PORT, PK_FAMILY, PK_ALLOW, PK_SEQUENCE, PK_DELAY,
	PK_SPA_KEY, PK_OPEN, PK_SPA_PORT, PK_FWK_KEY, PK_FWK_HMAC, PK_FWK_DIGEST,
	PK__COUNT
};

#define M(m) (1u << (m))
#define SPA_LIKE (M(PM_SPA) | M(PM_FWKNOP))
#define ANY_METHOD ((1u << PM__COUNT) - 1)

static const struct pkeyword {
	const char *name;
	enum pkey id;
	enum profile_method selects;    /* the method this key implies */
	unsigned methods;               /* the methods that accept it */
} pkeys[] = {
	{ "Host", PK_HOST, PM_NONE, ANY_METHOD },
	{ "Port", PK_PORT, PM_NONE, ANY_METHOD },
	{ "Family", PK_FAMILY, PM_NONE, ANY_METHOD },
	{ "Allow", PK_ALLOW, PM_NONE, SPA_LIKE },
	{ "Sequence", PK_SEQUENCE, PM_KNOCK, M(PM_KNOCK) },
	{ "Delay", PK_DELAY, PM_NONE, M(PM_KNOCK) },
	{ "SPA_Key", PK_SPA_KEY, PM_SPA, M(PM_SPA) },
	{ "Open", PK_OPEN, PM_NONE, SPA_LIKE },
	{ "SPA_Port", PK_SPA_PORT, PM_NONE, SPA_LIKE },
	{ "Fwknop_Key_File", PK_FWK_KEY, PM_FWKNOP, M(PM_FWKNOP) },
	{ "Fwknop_HMAC_Key_File", PK_FWK_HMAC, PM_FWKNOP, M(PM_FWKNOP) },
	{ "Fwknop_HMAC_Digest", PK_FWK_DIGEST, PM_FWKNOP, M(PM_FWKNOP) },
};

struct argb {                           /* a command line being built */
	struct profile_argv *a;
	int argc;
	bool full;
};

static void arg(struct argb *b, const char *s)
{
	if (b->argc >= PROFILE_ARGS_MAX) {
		b->full = true;
		return;
	}
	b->a->argv[b->argc++] = (char *)s;
}

static void arg_num(struct argb *b, int slot, unsigned v)
{
	snprintf(b->a->buf[slot], sizeof b->a->buf[slot], "%u", v);
	arg(b, b->a->buf[slot]);
}

/* Adds a comma-separated list as separate arguments (knock's ports). */
static void arg_list(struct argb *b, char *copy)
{
	for (char *save = NULL, *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
		arg(b, t);
}

static void argv_knock(const struct profile *p, struct argb *b)
{
	arg(b, "knock");
	if (p->has_delay) {
		arg(b, "-d");
		arg_num(b, 0, p->delay_ms);
	}
	arg(b, "--");
	arg(b, p->host);
	snprintf(b->a->list, sizeof b->a->list, "%s", p->sequence);
	arg_list(b, b->a->list);
}

static void argv_spa_common(const struct profile *p, struct argb *b)
{
	if (p->open[0]) {
		arg(b, "--open");
		arg(b, p->open);
	}
	if (p->allow[0]) {
		arg(b, "--allow");
		arg(b, p->allow);
	}
	if (p->spa_port) {
		arg(b, "--port");
		arg_num(b, 1, p->spa_port);
	}
}

static void argv_spa(const struct profile *p, struct argb *b)
{
	arg(b, "spa");
	arg(b, "--key");
	arg(b, p->key_file);
	argv_spa_common(p, b);
}

static void argv_fwknop(const struct profile *p, struct argb *b)
{
	arg(b, "spa");
	arg(b, "--fwknop");
	arg(b, p->key_b64[0] ? "--key-base64" : "--key-file");
	arg(b, p->key_b64[0] ? p->key_b64 : p->key_file);
	arg(b, p->hmac_key_b64[0] ? "--hmac-key-base64" : "--hmac-key-file");
	arg(b, p->hmac_key_b64[0] ? p->hmac_key_b64 : p->hmac_key_file);
	if (p->digest[0]) {
		arg(b, "--hmac-digest");
		arg(b, p->digest);
	}
	argv_spa_common(p, b);
}

/* The methods.  NEEDS: keys a profile of that kind must have, checked
 * when its section ends (the selecting key is implied). */
static const struct method {
	const char *name;
	int (*run)(int argc, char **argv);
	void (*argv)(const struct profile *p, struct argb *b);
	enum pkey needs[3];
	size_t nneeds;
} methods[PM__COUNT] = {
	[PM_KNOCK]  = { "knock", cmd_knock, argv_knock, { 0 }, 0 },
	[PM_SPA]    = { "spa", cmd_spa, argv_spa, { 0 }, 0 },
	[PM_FWKNOP] = { "fwknop", cmd_spa, argv_fwknop,
			{ PK_FWK_KEY, PK_FWK_HMAC, PK_OPEN }, 3 },
};

const char *profile_method_name(enum profile_method m)
{
	return m >= 0 && m < PM__COUNT ? methods[m].name : "none";
}

int (*profile_runner(const struct profile *p))(int argc, char **argv)
{
	return methods[p->method].run;
}

int profile_argv(const struct profile *p, bool verbose, bool test, struct profile_argv *a)
{
	memset(a, 0, sizeof *a);
	struct argb b = { .a = a };
	methods[p->method].argv(p, &b);
	/* Options go before "--" or the host: insert them after argv[0]. */
	const char *extra[4];
	int nextra = 0;
	if (p->family == AF_INET)
		extra[nextra++] = "-4";
	else if (p->family == AF_INET6)
		extra[nextra++] = "-6";
	if (verbose)
		extra[nextra++] = "-v";
	if (test)
		extra[nextra++] = "--test";
	if (b.argc + nextra > PROFILE_ARGS_MAX || b.full)
		return -ENOSPC;
	memmove(&a->argv[1 + nextra], &a->argv[1], (size_t)(b.argc - 1) * sizeof a->argv[0]);
	for (int i = 0; i < nextra; i++)
		a->argv[1 + i] = (char *)extra[i];
	b.argc += nextra;
	if (p->method != PM_KNOCK) {
		/* The host last, after "--": a host may not pass for an option. */
		if (b.argc + 2 > PROFILE_ARGS_MAX)
			return -ENOSPC;
		a->argv[b.argc++] = "--";
		a->argv[b.argc++] = (char *)p->host;
	}
	a->argv[b.argc] = NULL;
	return b.argc;
}

/* --- paths -------------------------------------------------------------- */

static const char *home_dir(void)
{
	const char *home = getenv("HOME");
	if (home && *home)
		return home;
	struct passwd *pw = getpwuid(getuid());
	return pw && pw->pw_dir && *pw->pw_dir ? pw->pw_dir : NULL;
}

int profile_default_file(char *buf, size_t len)
{
	const char *xdg = getenv("XDG_CONFIG_HOME");
	if (xdg && xdg[0] == '/')
		return snprintf_safe(buf, len, "%s/sesame/client.conf", xdg) ? 0 : -ENAMETOOLONG;
	const char *home = home_dir();
	if (!home)
		return -ENOENT;
	return snprintf_safe(buf, len, "%s/.config/sesame/client.conf", home) ? 0 : -ENAMETOOLONG;
}

int profile_key_path(const char *name, char *buf, size_t len)
{
	const char *home = home_dir();
	if (!home)
		return -ENOENT;
	return snprintf_safe(buf, len, "%s/.config/sesame/keys/%s.key", home, name) ?
		0 : -ENAMETOOLONG;
}

/* "~/x" from the home directory, "x" from DIR (the config file's). */
static bool path_value(const char *dir, const char *v, char *out, size_t len)
{
	if (v[0] == '/')
		return snprintf_safe(out, len, "%s", v);
	if (v[0] == '~' && v[1] == '/') {
		const char *home = home_dir();
		return home && snprintf_safe(out, len, "%s%s", home, v + 1);
	}
	return snprintf_safe(out, len, "%s/%s", dir ? dir : ".", v);
}

/* --- parsing ------------------------------------------------------------ */

struct pparser {
	const char *file;
	char dir[PATH_MAX];
	struct profile_diag *d;
	struct profile *profs;
	size_t n, cap;
	bool in_profile, skip;
	unsigned seen[PK__COUNT];
	bool oom;
};

static void perr(struct pparser *pp, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void perr(struct pparser *pp, unsigned line, const char *fmt, ...)
{
	char msg[CONFIG_LINE_MAX + 128];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (line)
		profile_err(pp->d, "%s:%u: %s", pp->file, line, msg);
	else
		profile_err(pp->d, "%s: %s", pp->file, msg);
}

bool profile_host_valid(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n >= PROFILE_HOST_MAX || s[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c <= 0x20 || c >= 0x7f || c == '/' || c == ',')
			return false;
	}
	return true;
}

/* Canonical text of a port list: "tcp/22,udp/53" or "8881,7777:udp". */
static void format_ports(const struct port_proto *pp, size_t n, bool open_style,
			 char *out, size_t len)
{
	size_t o = 0;
	out[0] = '\0';
	for (size_t i = 0; i < n && o < len; i++) {
		int w = open_style ?
			snprintf(out + o, len - o, "%s%s/%u", i ? "," : "",
				 port_proto_name(pp[i].proto), pp[i].port) :
			snprintf(out + o, len - o, "%s%u%s", i ? "," : "", pp[i].port,
				 pp[i].proto == PROTO_UDP ? ":udp" : "");
		if (w < 0)
			break;
		o += (size_t)w;
	}
}

static void set_value(struct pparser *pp, unsigned line, const struct pkeyword *k,
		      const char *v, struct profile *p)
{
	char err[128];
	unsigned port;
	unsigned long ul;
	struct port_proto ports[CONFIG_SEQ_MAX > CONFIG_OPEN_MAX ? CONFIG_SEQ_MAX : CONFIG_OPEN_MAX];
	int n;
	switch (k->id) {
	case PK_HOST:
		if (!profile_host_valid(v))
			perr(pp, line, "Host: '%.80s' is not a host name or address", v);
		else
			snprintf(p->host, sizeof p->host, "%s", v);
		break;
	case PK_PORT:
	case PK_SPA_PORT:
		if (!parse_port(v, &port))
			perr(pp, line, "%s: '%.80s' is not a port 1-65535", k->name, v);
		else if (k->id == PK_PORT)
			p->port = port;
		else
			p->spa_port = port;
		break;
	case PK_FAMILY:
		if (strcmp(v, "4") == 0 || strcasecmp(v, "ipv4") == 0)
			p->family = AF_INET;
		else if (strcmp(v, "6") == 0 || strcasecmp(v, "ipv6") == 0)
			p->family = AF_INET6;
		else if (strcasecmp(v, "any") == 0)
			p->family = AF_UNSPEC;
		else
			perr(pp, line, "Family: '%.80s' is not 4, 6 or any", v);
		break;
	case PK_ALLOW: {
		struct addr a;
		if (!addr_parse(v, &a))
			perr(pp, line, "Allow: '%.80s' is not a numeric IPv4 or IPv6 address", v);
		else
			addr_format(&a, p->allow, sizeof p->allow);
		break;
	}
	case PK_SEQUENCE:
	case PK_OPEN: {
		bool open = k->id == PK_OPEN;
		n = portspec_parse_list(v, open, PROTO_TCP, ports,
					open ? CONFIG_OPEN_MAX : CONFIG_SEQ_MAX, err, sizeof err);
		if (n <= 0)
			perr(pp, line, "%s: %s", k->name, n < 0 ? err : "no port");
		else
			format_ports(ports, (size_t)n, open, open ? p->open : p->sequence,
				     PROFILE_LIST_MAX);
		break;
	}
	case PK_DELAY:
		if (!parse_ulong(v, 0, KNOCK_MAX_DELAY_MS, &ul))
			perr(pp, line, "Delay: '%.80s' is not a number of milliseconds 0-%u", v,
			     KNOCK_MAX_DELAY_MS);
		p->delay_ms = (unsigned)ul;
		p->has_delay = true;
		break;
	case PK_SPA_KEY:
	case PK_FWK_KEY:
	case PK_FWK_HMAC: {
		char *dst = k->id == PK_FWK_HMAC ? p->hmac_key_file : p->key_file;
		if (!path_value(pp->dir[0] ? pp->dir : NULL, v, dst, PATH_MAX))
			perr(pp, line, "%s: path too long (or ~ without a home)", k->name);
		if (k->id == PK_FWK_HMAC)
			p->hmac_key_line = line;
		else
			p->key_line = line;
		break;
	}
	case PK_FWK_DIGEST: {
		enum hmac_digest dg;
		if (!fwknop_digest_parse(v, &dg))
			perr(pp, line, "Fwknop_HMAC_Digest: unknown digest '%.80s'", v);
		else
			snprintf(p->digest, sizeof p->digest, "%s", fwknop_digest_name(dg));
		break;
	}
	case PK__COUNT:
		break;
	}
}

static void finish_profile(struct pparser *pp)
{
	if (!pp->in_profile || pp->skip)
		return;
	struct profile *p = &pp->profs[pp->n - 1];
	const unsigned *seen = pp->seen;
	/* Which method: the key that selects one; two is an error. */
	const struct pkeyword *sel = NULL;
	for (size_t i = 0; i < sizeof pkeys / sizeof pkeys[0]; i++) {
		const struct pkeyword *k = &pkeys[i];
		if (!seen[k->id] || k->selects == PM_NONE)
			continue;
		if (sel && sel->selects != k->selects) {
			const struct pkeyword *first = seen[sel->id] < seen[k->id] ? sel : k;
			const struct pkeyword *second = first == sel ? k : sel;
			perr(pp, seen[second->id], "profile %s: %s and %s (line %u) both given; a "
			     "profile opens its server one way (%s or %s)", p->name, second->name,
			     first->name, seen[first->id], methods[second->selects].name,
			     methods[first->selects].name);
			return;
		}
		if (!sel)
			sel = k;
	}
	p->method = sel ? sel->selects : PM_SPA;
	if (!seen[PK_HOST])
		perr(pp, p->line, "profile %s: needs Host (the server's name or address)", p->name);
	for (size_t i = 0; i < sizeof pkeys / sizeof pkeys[0]; i++) {
		const struct pkeyword *k = &pkeys[i];
		if (seen[k->id] && !(k->methods & M(p->method)))
			perr(pp, seen[k->id], "profile %s: %s does not apply to a %s profile",
			     p->name, k->name, methods[p->method].name);
	}
	const struct method *m = &methods[p->method];
	for (size_t i = 0; i < m->nneeds; i++)
		if (!seen[m->needs[i]])
			for (size_t j = 0; j < sizeof pkeys / sizeof pkeys[0]; j++)
				if (pkeys[j].id == m->needs[i])
					perr(pp, p->line, "profile %s: an %s profile needs %s",
					     p->name, m->name, pkeys[j].name);
	if (p->method == PM_SPA && !seen[PK_SPA_KEY] &&
	    profile_key_path(p->name, p->key_file, sizeof p->key_file) < 0)
		perr(pp, p->line, "profile %s: no home directory for the default key; "
		     "set SPA_Key", p->name);
}

static void start_profile(struct pparser *pp, const struct ini_item *it)
{
	finish_profile(pp);
	memset(pp->seen, 0, sizeof pp->seen);
	pp->in_profile = true;
	pp->skip = false;
	if (!it->name) {
		perr(pp, it->line, "%s", it->error);
		pp->skip = true;
		return;
	}
	if (!spa_key_name_valid(it->name)) {
		perr(pp, it->line, "bad profile name '%.80s' (1-63 of letters, digits, "
		     ". _ - @ +: it also names the key file)", it->name);
		pp->skip = true;
		return;
	}
	for (size_t i = 0; i < pp->n; i++)
		if (strcasecmp(pp->profs[i].name, it->name) == 0) {
			perr(pp, it->line, "profile %s: name already used on line %u", it->name,
			     pp->profs[i].line);
			pp->skip = true;
			return;
		}
	if (pp->n == PROFILES_MAX) {
		perr(pp, it->line, "too many profiles (at most %d)", PROFILES_MAX);
		pp->skip = true;
		return;
	}
	if (pp->n == pp->cap) {
		size_t cap = pp->cap ? pp->cap * 2 : 4;
		struct profile *np = realloc(pp->profs, cap * sizeof *np);
		if (!np) {
			pp->oom = true;
			return;
		}
		pp->profs = np;
		pp->cap = cap;
	}
	struct profile *p = &pp->profs[pp->n++];
	memset(p, 0, sizeof *p);
	snprintf(p->name, sizeof p->name, "%s", it->name);
	snprintf(p->file, sizeof p->file, "%s", pp->file);
	p->line = it->line;
	p->family = AF_UNSPEC;
	p->method = PM_NONE;
}

static void parse_key(struct pparser *pp, const struct ini_item *it)
{
	const struct pkeyword *k = NULL;
	for (size_t i = 0; i < sizeof pkeys / sizeof pkeys[0]; i++)
		if (strcasecmp(pkeys[i].name, it->name) == 0)
			k = &pkeys[i];
	if (!k) {
		perr(pp, it->line, "unknown key '%.80s'", it->name);
		return;
	}
	if (!pp->in_profile) {
		perr(pp, it->line, "%s outside any section (put it under a [NAME] section, "
		     "one per server)", k->name);
		return;
	}
	if (pp->skip)
		return;
	if (!it->value) {
		perr(pp, it->line, "%s needs a value (%s = ...)", k->name, k->name);
		return;
	}
	if (!*it->value) {
		perr(pp, it->line, "%s: empty value", k->name);
		return;
	}
	if (pp->seen[k->id])
		profile_warn(pp->d, "%s:%u: warning: %s given again (line %u); this one wins",
			     pp->file, it->line, k->name, pp->seen[k->id]);
	pp->seen[k->id] = it->line;
	set_value(pp, it->line, k, it->value, &pp->profs[pp->n - 1]);
}

static int parse_reader(const char *name, struct ini_reader *r, struct profile_diag *d,
			struct profile **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	struct pparser pp = { .file = name, .d = d };
	const char *slash = strrchr(name, '/');
	if (slash)
		snprintf(pp.dir, sizeof pp.dir, "%.*s", slash == name ? 1 : (int)(slash - name), name);
	unsigned before = d->errors;
	if (!r->text)
		pp.oom = true;
	struct ini_item it;
	while (!pp.oom && d->errors - before <= 100 && ini_next(r, &it)) {
		if (it.kind == INI_ERROR)
			perr(&pp, it.line, "%s", it.error);
		else if (it.kind == INI_SECTION)
			start_profile(&pp, &it);
		else
			parse_key(&pp, &it);
	}
	if (!pp.oom)
		finish_profile(&pp);
	ini_fini(r);
	if (pp.oom) {
		perr(&pp, 0, "out of memory");
		profile_free_all(pp.profs, pp.n);
		return -ENOMEM;
	}
	if (d->errors != before) {
		profile_free_all(pp.profs, pp.n);
		return -EINVAL;
	}
	*out = pp.profs;
	*n = pp.n;
	return 0;
}

int profile_parse(const char *name, const char *text, size_t len,
		  struct profile_diag *d, struct profile **out, size_t *n)
{
	struct ini_reader r;
	(void)ini_init_buf(&r, text, len);
	return parse_reader(name, &r, d, out, n);
}

int profile_load(const char *path, bool must_exist, struct profile_diag *d,
		 struct profile **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		int e = errno;
		if (e == ENOENT && !must_exist)
			return 0;
		profile_err(d, "%s: cannot read: %s", path, strerror(e));
		return -e;
	}
	struct stat st;
	int rc = 0;
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		profile_err(d, "%s: cannot stat: %s", path, strerror(-rc));
	} else if (!S_ISREG(st.st_mode)) {
		rc = -EINVAL;
		profile_err(d, "%s: not a regular file", path);
	} else if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		rc = -EPERM;
		profile_err(d, "%s: writable by %s (mode %04o); whoever can change it chooses "
			    "which keys and servers you use: chmod go-w %s", path,
			    st.st_mode & S_IWOTH ? "others" : "the group",
			    (unsigned)(st.st_mode & 07777), path);
	} else if (st.st_uid != getuid() && st.st_uid != 0) {
		rc = -EPERM;
		profile_err(d, "%s: owned by uid %u, neither you nor root; it could change "
			    "under you", path, (unsigned)st.st_uid);
	} else if (st.st_size > PROFILE_FILE_MAX) {
		rc = -EFBIG;
		profile_err(d, "%s: too large for a client config", path);
	}
	FILE *f = rc == 0 ? fdopen(fd, "r") : NULL;
	if (!f) {
		if (rc == 0) {
			rc = -errno;
			profile_err(d, "%s: %s", path, strerror(-rc));
		}
		close(fd);
		return rc;
	}
	struct ini_reader r;
	(void)ini_init_file(&r, f);
	rc = parse_reader(path, &r, d, out, n);
	if (rc == 0 && ferror(f)) {
		profile_err(d, "%s: read error", path);
		profile_free_all(*out, *n);
		*out = NULL;
		*n = 0;
		rc = -EIO;
	}
	fclose(f);
	return rc;
}

const struct profile *profile_find(const struct profile *p, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcasecmp(p[i].name, name) == 0)
			return &p[i];
	for (size_t i = 0; i < n; i++)
		if (strcasecmp(p[i].host, name) == 0)
			return &p[i];
	return NULL;
}

struct key_diag {
	struct profile_diag *d;
	const struct profile *p;
	unsigned line;
	const char *key;
};

static void key_diag(void *ctx, int level, const char *msg)
{
	(void)level;
	struct key_diag *k = ctx;
	if (k->line)
		profile_err(k->d, "%s:%u: %s: %s", k->p->file, k->line, k->key, msg);
	else
		profile_err(k->d, "%s:%u: profile %s: default key: %s (make it with "
			    "'sesame keygen %s')", k->p->file, k->p->line, k->p->name, msg,
			    k->p->name);
}

int profile_check_files(const struct profile *p, struct profile_diag *d)
{
	if (p->method == PM_SPA) {
		struct key_diag kd = { d, p, p->key_line, "SPA_Key" };
		struct spa_key k;
		int rc = spa_key_load_client(p->key_file, key_diag, &kd, &k);
		spa_key_wipe(&k);
		return rc;
	}
	if (p->method == PM_FWKNOP && !p->key_b64[0]) {
		const char *files[2] = { p->key_file, p->hmac_key_file };
		const unsigned lines[2] = { p->key_line, p->hmac_key_line };
		const char *names[2] = { "Fwknop_Key_File", "Fwknop_HMAC_Key_File" };
		for (int i = 0; i < 2; i++) {
			struct key_diag kd = { d, p, lines[i], names[i] };
			char *text = NULL;
			size_t len = 0;
			int rc = secret_file_read(files[i], S_IRWXG | S_IRWXO, "group or others",
						  key_diag, &kd, &text, &len);
			secret_file_free(text, len);
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

void profile_free_all(struct profile *p, size_t n)
{
	if (!p)
		return;
	for (size_t i = 0; i < n; i++)
		explicit_bzero(&p[i], sizeof p[i]);
	free(p);
}
