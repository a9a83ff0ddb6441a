/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sesame open [-F FILE] [--test] [-v] [-4|-6] [--key FILE] [--key-file F]
 *             [--hmac-key-file F] [--open LIST] [--allow ADDR] [--port N]
 *             [--delay MS] NAME
 *
 * Opens the server of profile NAME (client.conf, else ~/.fwknoprc): the
 * profile becomes the command line of `sesame knock` or `sesame spa`, with
 * the flags given here in place of the profile's values, and that
 * subcommand runs.  Nothing about packets is decided here. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cmd.h"
#include "knock_args.h"
#include "numparse.h"
#include "portspec.h"
#include "profile.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sesame open [-F FILE] [--test] [-v] [-4|-6] [--key FILE]\n"
		"                   [--key-file F] [--hmac-key-file F] [--open LIST]\n"
		"                   [--allow ADDR] [--port N] [--delay MS] NAME\n"
		"Knocks on, or sends the SPA packet of, the server of profile NAME: the\n"
		"[NAME] section of FILE (default ~/.config/sesame/client.conf), else the\n"
		"[NAME] stanza of ~/.fwknoprc.  A flag given here replaces the profile's\n"
		"value.  See docs/client.md.\n"
		"  -F, --config FILE     the client config\n"
		"  --test                print what would be sent, send nothing\n"
		"  -4, -6                IPv4 or IPv6 only (Family)\n"
		"  -k, --key FILE        native SPA key (SPA_Key)\n"
		"  --key-file F, --hmac-key-file F   fwknop keys, base64, '-' for stdin\n"
		"  --open LIST           ports to ask for, e.g. tcp/22 (Open)\n"
		"  --allow ADDR          open for ADDR, not the packet's source (Allow)\n"
		"  -p, --port N          the server's SPA port (SPA_Port)\n"
		"  -d, --delay MS        milliseconds between knocks (Delay)\n"
		"  -v, --verbose;  -V, --version;  -h, --help\n");
}

enum { O_TEST = 256, O_KEYFILE, O_HKEYFILE, O_OPEN, O_ALLOW };

static bool method_ok(const char *cmd, const char *flag, const struct profile *p, unsigned mask)
{
	if (mask & (1u << p->method))
		return true;
	fprintf(stderr, "sesame %s: %s does not apply to profile %s (a %s profile)\n", cmd,
		flag, p->name, profile_method_name(p->method));
	return false;
}

#define MK(m) (1u << (m))

/* The flags of `open` applied to P, in the profile's terms. */
static bool apply(const char *cmd, const struct open_flags *o, struct profile *p)
{
	if (o->family != AF_UNSPEC)
		p->family = o->family;
	if (o->key) {
		if (!method_ok(cmd, "--key", p, MK(PM_SPA)))
			return false;
		snprintf(p->key_file, sizeof p->key_file, "%s", o->key);
		p->key_line = 0;
	}
	if (o->key_file || o->hmac_key_file) {
		if (!method_ok(cmd, "--key-file", p, MK(PM_FWKNOP)))
			return false;
		if (o->key_file) {
			snprintf(p->key_file, sizeof p->key_file, "%s", o->key_file);
			explicit_bzero(p->key_b64, sizeof p->key_b64);
		}
		if (o->hmac_key_file) {
			snprintf(p->hmac_key_file, sizeof p->hmac_key_file, "%s", o->hmac_key_file);
			explicit_bzero(p->hmac_key_b64, sizeof p->hmac_key_b64);
		}
		if (!p->key_b64[0] != !p->hmac_key_b64[0]) {
			fprintf(stderr, "sesame %s: profile %s has its keys inline; give both "
				"--key-file and --hmac-key-file\n", cmd, p->name);
			return false;
		}
	}
	if (o->open) {
		if (!method_ok(cmd, "--open", p, MK(PM_SPA) | MK(PM_FWKNOP)))
			return false;
		snprintf(p->open, sizeof p->open, "%s", o->open);
	}
	if (o->allow) {
		if (!method_ok(cmd, "--allow", p, MK(PM_SPA) | MK(PM_FWKNOP)))
			return false;
		snprintf(p->allow, sizeof p->allow, "%s", o->allow);
	}
	if (o->spa_port) {
		if (!method_ok(cmd, "--port", p, MK(PM_SPA) | MK(PM_FWKNOP)))
			return false;
		p->spa_port = o->spa_port;
	}
	if (o->has_delay) {
		if (!method_ok(cmd, "--delay", p, MK(PM_KNOCK)))
			return false;
		p->delay_ms = o->delay_ms;
		p->has_delay = true;
	}
	return true;
}

int cmd_find_profile(const char *cmd, const char *conf, const char *name, struct profile *out)
{
	struct profile_diag d = { .cmd = cmd };
	char path[PATH_MAX];
	if (!conf) {
		if (profile_default_file(path, sizeof path) < 0) {
			fprintf(stderr, "sesame %s: no home directory; use -F FILE\n", cmd);
			return -ENOENT;
		}
		conf = path;
	}
	struct profile *all = NULL;
	size_t n = 0;
	int rc = profile_load(conf, conf != path, &d, &all, &n);
	if (rc < 0)
		return rc;
	const struct profile *p = profile_find(all, n, name);
	if (p) {
		*out = *p;
		profile_free_all(all, n);
		return 0;
	}
	profile_free_all(all, n);
	char rc_path[PATH_MAX];
	if (fwknoprc_default_file(rc_path, sizeof rc_path) == 0) {
		rc = fwknoprc_load(rc_path, name, &d, out);
		if (rc < 0)
			return rc;
		if (rc == 1)
			return 0;
	}
	char q[64];
	cmd_quote(name, q, sizeof q);
	fprintf(stderr, "sesame %s: no profile '%s' in %s (nor a [%s] stanza in ~/.fwknoprc)\n",
		cmd, q, conf, q);
	return -ENOENT;
}

int cmd_open_profile(const char *cmd, const struct open_flags *o, struct profile *p)
{
	if (!apply(cmd, o, p))
		return 1;
	/* Keys named by the profile are checked here, so that a problem names
	 * its file:line; a key given as a flag is the subcommand's to judge. */
	struct profile_diag d = { .cmd = cmd };
	if (!o->key && !o->key_file && !o->hmac_key_file && profile_check_files(p, &d) < 0)
		return 1;
	struct profile_argv a;
	int argc = profile_argv(p, o->verbose, o->test, &a);
	if (argc < 0) {
		fprintf(stderr, "sesame %s: profile %s: command line too long\n", cmd, p->name);
		return 1;
	}
	int status = profile_runner(p)(argc, a.argv);
	explicit_bzero(&a, sizeof a);
	return status;
}

bool cmd_open_flag(const char *cmd, int c, const char *arg, struct open_flags *o)
{
	char err[128];
	struct port_proto pp[CONFIG_OPEN_MAX];
	unsigned long ul;
	switch (c) {
	case '4':
	case '6':
		return cmd_family(&o->family, c, cmd);
	case 'k': o->key = arg; return true;
	case O_KEYFILE: o->key_file = arg; return true;
	case O_HKEYFILE: o->hmac_key_file = arg; return true;
	case O_OPEN: {
		int n = portspec_parse_list(arg, true, PROTO_TCP, pp, CONFIG_OPEN_MAX, err, sizeof err);
		if (n <= 0) {
			fprintf(stderr, "sesame %s: --open: %s\n", cmd, n < 0 ? err : "no port");
			return false;
		}
		o->open = arg;
		return true;
	}
	case O_ALLOW: {
		struct addr a;
		if (!addr_parse(arg, &a)) {
			fprintf(stderr, "sesame %s: --allow needs a numeric IPv4 or IPv6 address\n", cmd);
			return false;
		}
		o->allow = arg;
		return true;
	}
	case 'p':
		if (!parse_port(arg, &o->spa_port)) {
			fprintf(stderr, "sesame %s: --port: not a port 1-65535\n", cmd);
			return false;
		}
		return true;
	case 'd':
		if (!parse_ulong(arg, 0, KNOCK_MAX_DELAY_MS, &ul)) {
			fprintf(stderr, "sesame %s: --delay: milliseconds 0-%u\n", cmd,
				KNOCK_MAX_DELAY_MS);
			return false;
		}
		o->delay_ms = (unsigned)ul;
		o->has_delay = true;
		return true;
	}
	return false;
}

int cmd_open(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'F' },
		{ "test", no_argument, NULL, O_TEST },
		{ "key", required_argument, NULL, 'k' },
		{ "key-file", required_argument, NULL, O_KEYFILE },
		{ "hmac-key-file", required_argument, NULL, O_HKEYFILE },
		{ "open", required_argument, NULL, O_OPEN },
		{ "allow", required_argument, NULL, O_ALLOW },
		{ "port", required_argument, NULL, 'p' },
		{ "delay", required_argument, NULL, 'd' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct open_flags o = { .family = AF_UNSPEC };
	const char *conf = NULL;
	int c;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":F:46k:p:d:vhV", opts, NULL)) != -1) {
		switch (c) {
		case 'F': conf = optarg; break;
		case O_TEST: o.test = true; break;
		case 'v': o.verbose = true; break;
		case 'h': usage(stdout); return 0;
		case 'V': return cmd_version();
		case '?':
		case ':':
			cmd_bad_option("open", c, argv);
			return 1;
		default:
			if (!cmd_open_flag("open", c, optarg, &o))
				return 1;
		}
	}
	if (argc - optind != 1) {
		fprintf(stderr, "sesame open: %s (see 'sesame open -h')\n",
			argc == optind ? "NAME is missing" : "one NAME only");
		return 1;
	}
	struct profile p;
	if (cmd_find_profile("open", conf, argv[optind], &p) < 0)
		return 1;
	int status = cmd_open_profile("open", &o, &p);
	explicit_bzero(&p, sizeof p);
	return status;
}
