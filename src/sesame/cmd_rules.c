/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cmd_rules — `sesame rules [--format nft|iptables] [--family 4|6]
 * [-c FILE] [--open PROTO/PORT,...] [--timeout N] [--table NAME] [DOOR...]`:
 * prints a ruleset that does the doors' knocking in the kernel alone. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "config.h"
#include "nft_render.h"
#include "numparse.h"
#include "portspec.h"
#include "rules.h"

#define DEFAULT_CONFIG "/etc/sesame/sesamed.conf"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sesame rules [--format nft|iptables] [--family 4|6] [-c FILE]\n"
		"                    [--open PROTO/PORT[,...]] [--timeout SECONDS]\n"
		"                    [--forward] [--forward-to ADDR[:PORT]]\n"
		"                    [--table NAME] [DOOR...]\n"
		"Prints a ruleset that implements the sequence doors of FILE (default\n"
		"%s) with firewall rules alone.  nft: one table inet, both\n"
		"families (load with nft -f).  iptables: the xt_recent scheme for\n"
		"iptables-restore, or ip6tables-restore with --family 6.  --open and\n"
		"--timeout give the guarded ports and grant time to knockd.conf doors\n"
		"that have no Open; --forward (and --forward-to) guard their ports on\n"
		"the forward path too, as Forward = yes (nft only).\n", DEFAULT_CONFIG);
}

static struct door *find_door(struct config *cfg, const char *name, unsigned *index)
{
	for (size_t i = 0; i < cfg->ndoors; i++)
		if (strcmp(cfg->doors[i].name, name) == 0) {
			*index = (unsigned)i;
			return &cfg->doors[i];
		}
	return NULL;
}

/* The config's file:line messages, in this command's voice. */
static void rules_diag(void *ctx, int level, const char *msg)
{
	(void)ctx;
	(void)level;
	fprintf(stderr, "sesame rules: %s\n", msg);
}

int cmd_rules(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "family", required_argument, NULL, 'F' },
		{ "config", required_argument, NULL, 'c' },
		{ "open", required_argument, NULL, 'o' },
		{ "timeout", required_argument, NULL, 't' },
		{ "table", required_argument, NULL, 'T' },
		{ "forward", no_argument, NULL, 'w' },
		{ "forward-to", required_argument, NULL, 'W' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct rules_opts o = { .format = RULES_NFT, .family = 4, .table = "sesame_rules",
				.set_size = 65536 };
	const char *path = DEFAULT_CONFIG;
	char err[160];
	unsigned long v;
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (strcmp(optarg, "nft") == 0)
				o.format = RULES_NFT;
			else if (strcmp(optarg, "iptables") == 0)
				o.format = RULES_IPTABLES;
			else {
				fprintf(stderr, "sesame rules: --format must be nft or iptables, not '%s'\n", optarg);
				return 1;
			}
			break;
		case 'F':
			if (!parse_ulong(optarg, 4, 6, &v) || v == 5) {
				fprintf(stderr, "sesame rules: --family must be 4 or 6, not '%s'\n", optarg);
				return 1;
			}
			o.family = (int)v;
			break;
		case 'c':
			path = optarg;
			break;
		case 'o': {
			int n = portspec_parse_list(optarg, true, PROTO_TCP, o.open,
						    CONFIG_OPEN_MAX, err, sizeof err);
			if (n < 0) {
				fprintf(stderr, "sesame rules: --open: %s\n", err);
				return 1;
			}
			o.open_len = (size_t)n;
			break;
		}
		case 't':
			if (!parse_ulong(optarg, 1, 86400 * 7, &v)) {
				fprintf(stderr, "sesame rules: --timeout must be 1..604800 seconds, not '%s'\n", optarg);
				return 1;
			}
			o.open_timeout_s = (unsigned)v;
			break;
		case 'T':
			o.table = optarg;
			break;
		case 'W':
			if (!addr_port_parse(optarg, &o.forward_to, &o.forward_to_port)) {
				fprintf(stderr, "sesame rules: --forward-to: bad value '%s' (expected ADDR, "
					"ADDR:PORT or [IPV6]:PORT, numeric)\n", optarg);
				return 1;
			}
			o.forward = true;
			break;
		case 'w':
			o.forward = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			return cmd_version();
		default:
			cmd_bad_option("rules", c, argv);
			return 1;
		}
	}
	if (o.family == 6 && o.format != RULES_IPTABLES) {
		fprintf(stderr, "sesame rules: --family is for --format iptables (nft covers both)\n");
		return 1;
	}
	if (!nft_table_name_ok(o.table)) {
		char q[80];
		cmd_quote(o.table, q, sizeof q);
		fprintf(stderr, "sesame rules: --table: bad table name '%s' (" NFT_TABLE_NAME_RULE
			")\n", q);
		return 1;
	}

	struct config *cfg;
	if (config_load(path, rules_diag, NULL, &cfg) < 0)
		return 1;          /* every file:line error was printed */
	o.set_size = cfg->state_limit ? cfg->state_limit : 65536;

	struct rules_door doors[64];
	size_t n = 0;
	int rc = 0;
	if (optind < argc) {
		for (int i = optind; i < argc && rc == 0; i++) {
			unsigned index;
			struct door *d = find_door(cfg, argv[i], &index);
			if (!d) {
				fprintf(stderr, "sesame rules: %s: no door named '%s'\n", path, argv[i]);
				rc = 1;
			} else if (n == sizeof doors / sizeof doors[0]) {
				fprintf(stderr, "sesame rules: too many doors\n");
				rc = 1;
			} else if (!rules_door_prepare(d, index, &o, &doors[n++], err, sizeof err)) {
				fprintf(stderr, "sesame rules: %s: %s\n", path, err);
				rc = 1;
			}
		}
	} else {
		for (size_t i = 0; i < cfg->ndoors && rc == 0; i++) {
			if (door_is_rotating(&cfg->doors[i]))
				fprintf(stderr, "sesame rules: %s: door %s left out: rotating "
					"sequences need the daemon (the kernel cannot compute "
					"the HMAC that derives them)\n", path, cfg->doors[i].name);
			if (!door_is_sequence(&cfg->doors[i]))
				continue;
			if (n == sizeof doors / sizeof doors[0]) {
				fprintf(stderr, "sesame rules: too many doors\n");
				rc = 1;
			} else if (!rules_door_prepare(&cfg->doors[i], (unsigned)i, &o, &doors[n++],
						       err, sizeof err)) {
				fprintf(stderr, "sesame rules: %s: %s (name the doors to compile)\n", path, err);
				rc = 1;
			}
		}
		if (rc == 0 && n == 0) {
			fprintf(stderr, "sesame rules: %s: no sequence door\n", path);
			rc = 1;
		}
	}
	if (rc == 0) {
		if (o.format == RULES_NFT)
			rules_print_nft(stdout, doors, n, &o);
		else
			rules_print_iptables(stdout, doors, n, &o);
		if (fflush(stdout) != 0 || ferror(stdout)) {
			fprintf(stderr, "sesame rules: write error: %s\n", strerror(errno));
			rc = 1;
		}
	}
	config_free(cfg);
	return rc;
}
