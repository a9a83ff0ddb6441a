/* SPDX-License-Identifier: GPL-2.0-or-later */
/* knock_args — see knock_args.h. */
#include "knock_args.h"

#include <string.h>
#include <sys/socket.h>

#include "numparse.h"
#include "portspec.h"

const char knock_usage[] =
	"usage: sesame knock [-u] [-d MS] [-4|-6] [-v] [--test] [-V] [-h]\n"
	"                    HOST PORT[:tcp|:udp]...\n"
	"\n"
	"Sends one packet to each PORT of HOST, in order: a TCP SYN (a connection\n"
	"attempt abandoned at once) or, with :udp or -u, one empty UDP datagram.\n"
	"Never waits for an answer.  The arguments are those of knockd's knock.\n"
	"\n"
	"  -u, --udp         UDP for every port without its own :tcp/:udp\n"
	"  -d, --delay MS    wait MS milliseconds between two hits (0-600000)\n"
	"  -4, --ipv4        resolve HOST to an IPv4 address only\n"
	"  -6, --ipv6        resolve HOST to an IPv6 address only\n"
	"  -v, --verbose     print each hit\n"
	"      --test        print what would be sent, send nothing (no name lookup)\n"
	"  -V, --version     print the version\n"
	"  -h, --help        this text\n"
	"\n"
	"example: sesame knock host.example 8881 7777:udp 9991\n"
	"\n"
	"Rotating doors and knockd's one-time files (options: --secret-file F -h):\n"
	"  sesame knock --secret-file FILE --door NAME [--length N --period S ...] HOST\n"
	"  sesame knock --one-time FILE HOST\n";

void knock_quote(const char *s, char *buf, size_t len)
{
	if (len == 0)
		return;
	size_t n = 0;
	for (; s[n] && n < KNOCK_QUOTE_MAX && n + 1 < len; n++) {
		unsigned char c = (unsigned char)s[n];
		/* Control bytes could forge a second line of output. */
		buf[n] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	buf[n] = '\0';
}

static bool all_digits(const char *s, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* Says why portspec_parse_knock() refused S, in the user's terms. */
static void explain_bad_port(const char *s, char *err, size_t errlen)
{
	const char *colon = strchr(s, ':');
	size_t numlen = colon ? (size_t)(colon - s) : strlen(s);
	const char *why;
	char q[KNOCK_QUOTE_MAX + 1];
	knock_quote(s, q, sizeof q);
	if (strchr(s, ',') && all_digits(s, strcspn(s, ",:"))) {
		/* "7000,8000,9000": a Sequence line pasted on the command line. */
		char sep[KNOCK_QUOTE_MAX + 1];
		knock_quote(s, sep, sizeof sep);
		for (char *c = sep; *c; c++)
			if (*c == ',')
				*c = ' ';
		snprintf_safe(err, errlen, "bad port '%s': give ports as separate arguments: %s",
			      q, sep);
		return;
	}
	if (!all_digits(s, numlen))
		why = "not a port number";
	else if (!colon)
		why = "port out of range 1-65535";
	else {
		/* The number may be out of range too; that comes first. */
		char num[8];
		unsigned port;
		bool port_ok = numlen < sizeof num;
		if (port_ok) {
			memcpy(num, s, numlen);
			num[numlen] = '\0';
			port_ok = parse_port(num, &port);
		}
		why = port_ok ? "protocol must be tcp or udp" : "port out of range 1-65535";
	}
	snprintf_safe(err, errlen, "bad port '%s': %s", q, why);
}

static bool set_family(struct knock_args *out, int family, char *err, size_t errlen)
{
	if (out->family != AF_UNSPEC && out->family != family) {
		snprintf_safe(err, errlen, "-4 and -6 exclude each other");
		return false;
	}
	out->family = family;
	return true;
}

static bool set_delay(struct knock_args *out, const char *v, char *err, size_t errlen)
{
	unsigned long ms;
	if (!parse_ulong(v, 0, KNOCK_MAX_DELAY_MS, &ms)) {
		char q[KNOCK_QUOTE_MAX + 1];
		knock_quote(v, q, sizeof q);
		snprintf_safe(err, errlen, "bad delay '%s': milliseconds 0-%u",
			      q, KNOCK_MAX_DELAY_MS);
		return false;
	}
	out->delay_ms = (unsigned)ms;
	return true;
}

/* Options seen so far; -u is applied once every port is known, since
 * options may follow the ports. */
struct opts {
	struct knock_args *out;
	bool udp;
};

/* One flag without value: u 4 6 v V h. */
static bool apply_flag(struct opts *o, char c, const char *tok, char *err, size_t errlen)
{
	switch (c) {
	case 'u': o->udp = true; return true;
	case '4': return set_family(o->out, AF_INET, err, errlen);
	case '6': return set_family(o->out, AF_INET6, err, errlen);
	case 'v': o->out->verbose = true; return true;
	case 'V': o->out->action = KNOCK_VERSION; return true;
	case 'h': o->out->action = KNOCK_HELP; return true;
	case 'T':
		if (tok[1] == '-') {    /* --test has no short form */
			o->out->test = true;
			return true;
		}
		break;
	}
	if (c == '-' || (unsigned char)c < 0x20 || (unsigned char)c >= 0x7f) {
		char q[KNOCK_QUOTE_MAX + 1];
		knock_quote(tok, q, sizeof q);
		snprintf_safe(err, errlen, "unknown option '%s'", q);
	} else
		snprintf_safe(err, errlen, "unknown option '-%c'", c);
	return false;
}

static const struct {
	const char *name;
	char flag;
} long_opts[] = {
	{ "udp", 'u' }, { "delay", 'd' }, { "ipv4", '4' }, { "ipv6", '6' },
	{ "verbose", 'v' }, { "version", 'V' }, { "help", 'h' }, { "test", 'T' },
};

/* "--name", "--name=value" or "--name value" (only --delay takes one).
 * *I is advanced past a separate value. */
static bool long_option(struct opts *o, int argc, char *const *argv, int *i,
			char *err, size_t errlen)
{
	const char *tok = argv[*i], *name = tok + 2;
	const char *eq = strchr(name, '=');
	size_t len = eq ? (size_t)(eq - name) : strlen(name);
	for (size_t k = 0; k < sizeof long_opts / sizeof long_opts[0]; k++) {
		if (strlen(long_opts[k].name) != len || memcmp(long_opts[k].name, name, len) != 0)
			continue;
		if (long_opts[k].flag != 'd') {
			if (eq) {
				snprintf_safe(err, errlen, "option '--%s' takes no value",
					      long_opts[k].name);
				return false;
			}
			return apply_flag(o, long_opts[k].flag, tok, err, errlen);
		}
		if (eq)
			return set_delay(o->out, eq + 1, err, errlen);
		if (*i + 1 >= argc) {
			snprintf_safe(err, errlen, "option '--delay' needs a value");
			return false;
		}
		return set_delay(o->out, argv[++*i], err, errlen);
	}
	char q[KNOCK_QUOTE_MAX + 1];
	knock_quote(tok, q, sizeof q);
	snprintf_safe(err, errlen, "unknown option '%s'", q);
	return false;
}

/* "-uv", "-d 100", "-d100", "-vd 100". */
static bool short_options(struct opts *o, int argc, char *const *argv, int *i,
			  char *err, size_t errlen)
{
	const char *tok = argv[*i];
	for (const char *c = tok + 1; *c; c++) {
		if (*c == 'd') {
			if (c[1])
				return set_delay(o->out, c + 1, err, errlen);
			if (*i + 1 >= argc) {
				snprintf_safe(err, errlen, "option '-d' needs a value");
				return false;
			}
			return set_delay(o->out, argv[++*i], err, errlen);
		}
		if (!apply_flag(o, *c, tok, err, errlen))
			return false;
		if (o->out->action != KNOCK_SEND)
			return true;
	}
	return true;
}

bool knock_args_parse(int argc, char *const *argv, struct knock_args *out,
		      char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	out->family = AF_UNSPEC;
	struct opts o = { .out = out };
	/* HOST and the ports, in order, before the protocol default is known. */
	const char *pos[KNOCK_MAX_HITS + 1];
	size_t npos = 0;
	bool opts_done = false;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool ok = true;
		if (!opts_done && a[0] == '-' && a[1] != '\0') {
			if (strcmp(a, "--") == 0)
				opts_done = true;
			else if (a[1] == '-')
				ok = long_option(&o, argc, argv, &i, err, errlen);
			else
				ok = short_options(&o, argc, argv, &i, err, errlen);
			if (!ok)
				return false;
			/* Like knock: -h and -V act at once, whatever follows. */
			if (out->action != KNOCK_SEND)
				return true;
			continue;
		}
		if (npos == KNOCK_MAX_HITS + 1) {
			snprintf_safe(err, errlen, "too many ports (at most %d)", KNOCK_MAX_HITS);
			return false;
		}
		pos[npos++] = a;
	}

	if (npos == 0) {
		snprintf_safe(err, errlen, "missing HOST and PORT (see 'sesame knock -h')");
		return false;
	}
	if (pos[0][0] == '\0') {
		snprintf_safe(err, errlen, "empty HOST");
		return false;
	}
	out->host = pos[0];
	if (npos == 1) {
		char q[KNOCK_QUOTE_MAX + 1];
		knock_quote(pos[0], q, sizeof q);
		snprintf_safe(err, errlen, "missing PORT after HOST '%s'", q);
		return false;
	}
	uint8_t proto = o.udp ? PROTO_UDP : PROTO_TCP;
	for (size_t k = 1; k < npos; k++) {
		if (!portspec_parse_knock(pos[k], proto, &out->hits[out->nhits])) {
			explain_bad_port(pos[k], err, errlen);
			return false;
		}
		out->nhits++;
	}
	return true;
}
