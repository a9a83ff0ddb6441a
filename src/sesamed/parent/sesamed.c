/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sesamed — the sesame daemon: command line, then daemon_run().
 * Flags are knockd's, with knockd's meanings, plus -p and -t. */
#include <getopt.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "config_dump.h"
#include "daemon.h"
#include "daemon_check.h"
#include "gate_nft.h"
#include "log.h"
#include "version.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sesamed [options]\n"
		"  -i, --interface IF   capture on IF (default: the default route's)\n"
		"  -d, --daemon         run in the background, write the pid file\n"
		"  -c, --config FILE    config file (default " SESAMED_DEFAULT_CONFIG ")\n"
		"  -D, --debug          log debug lines (every packet)\n"
		"  -l, --lookup         accepted for knockd compatibility; no DNS lookups\n"
		"  -4, --only-ip-v4     ignore IPv6 packets\n"
		"  -v, --verbose        log info lines (every decision)\n"
		"  -g, --logfile FILE   log to FILE (overrides LogFile)\n"
		"  -p, --pidfile FILE   pid file (default PidFile, or " SESAMED_DEFAULT_PIDFILE
		" with -d)\n"
		"  -t, --check          check the config, print errors and warnings, exit\n"
		"      --dump-config    print the effective config (every key, defaults\n"
		"                       and -i/-g/-p included) and exit\n"
		"      --remove-gate    delete the nftables table (NftTable) and exit;\n"
		"                       every guarded port is then open to all\n"
		"  -V, --version        print the version\n"
		"  -h, --help           this text\n");
}

/* A daemon that reloads for months must not creep.  Once glibc frees a
 * block it served from mmap, it raises its mmap threshold to that block's
 * size (and the trim threshold to twice it), so that later blocks as
 * large come from the brk heap, which is never given back.  libnftables'
 * 2 MiB batch buffers did that when the parent still ran it (it now runs
 * in a child: nft_script.h): the heap stayed 4 MiB long and each worker,
 * forked from it, carried its pages.  A fixed threshold (glibc's default,
 * which turns the adjustment off) keeps whatever large buffer comes next
 * (a fleet resync's reply, a capture filter's text) in mmap, returned
 * whole when freed.  Set before the worker is forked, so it holds there
 * too. */
static void heap_settle(void)
{
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
}

/* `sesamed --remove-gate`: SIGTERM leaves the table in place on purpose
 * (fail closed); this is how it goes away.  The table name comes from the
 * config's NftTable. */
static int remove_gate_table(const char *config_path)
{
	struct config *cfg;
	if (config_load(config_path, daemon_diag_stderr, NULL, &cfg) < 0)
		return 1;
	int rc = gate_nft_remove(cfg->nft_table);
	config_free(cfg);
	return rc < 0 ? 1 : 0;
}

/* `sesamed --dump-config`: what the daemon would run with.  Errors in
 * the config are printed as -t prints them, and nothing else. */
static int dump_config(const struct daemon_opts *o)
{
	/* Absolute, so that the paths the config names relative to itself
	 * are printed absolute too. */
	char *path = realpath(o->config_path, NULL);
	struct config *cfg;
	int rc = config_load(path ? path : o->config_path, daemon_diag_stderr, NULL, &cfg);
	free(path);
	if (rc < 0)
		return 1;
	struct config_overrides ov = {
		.interface = o->interface, .log_file = o->logfile, .pid_file = o->pidfile,
	};
	config_dump(cfg, &ov, stdout);
	config_free(cfg);
	return fflush(stdout) == 0 ? 0 : 1;
}

/* A bad command line is one line, "sesamed: ...", and exit 1: the
 * option named as it was typed (control bytes shown as '?'), then where
 * the usage is.  getopt_long ran with opterr = 0 and a leading ':' in
 * the option string, so C is '?' (unknown) or ':' (value missing). */
static int bad_option(int c, char **argv)
{
	char tok[64];
	if (c == '?' && optopt > 0 && optopt < 0x7f)
		snprintf(tok, sizeof tok, "-%c", optopt);
	else
		snprintf(tok, sizeof tok, "%s", optind > 0 ? argv[optind - 1] : "?");
	for (char *t = tok; *t; t++)
		if ((unsigned char)*t < 0x20 || *t == 0x7f)
			*t = '?';
	fprintf(stderr, "sesamed: %s '%s' (see 'sesamed -h')\n",
		c == ':' ? "missing value after" : "unknown option", tok);
	return 1;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "interface", required_argument, NULL, 'i' },
		{ "daemon", no_argument, NULL, 'd' },
		{ "config", required_argument, NULL, 'c' },
		{ "debug", no_argument, NULL, 'D' },
		{ "lookup", no_argument, NULL, 'l' },
		{ "only-ip-v4", no_argument, NULL, '4' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ "pidfile", required_argument, NULL, 'p' },
		{ "logfile", required_argument, NULL, 'g' },
		{ "check", no_argument, NULL, 't' },
		{ "remove-gate", no_argument, NULL, 'R' },
		{ "dump-config", no_argument, NULL, 'C' },
		{ NULL, 0, NULL, 0 },
	};
	struct daemon_opts o = { .config_path = SESAMED_DEFAULT_CONFIG };
	bool check = false, remove_gate = false, dump = false;
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":i:dc:Dl4vVhp:g:t", longopts, NULL)) != -1) {
		switch (c) {
		case 'i': o.interface = optarg; break;
		case 'd': o.daemonize = true; break;
		case 'c': o.config_path = optarg; break;
		case 'D': o.debug = true; break;
		case 'l': o.lookup = true; break;
		case '4': o.only_v4 = true; break;
		case 'v': o.verbose = true; break;
		case 'p': o.pidfile = optarg; break;
		case 'g': o.logfile = optarg; break;
		case 't': check = true; break;
		case 'R': remove_gate = true; break;
		case 'C': dump = true; break;
		case 'V':
			printf("sesamed %s\n", SESAME_VERSION);
			return fflush(stdout) == 0 ? 0 : 1;
		case 'h':
			usage(stdout);
			return fflush(stdout) == 0 ? 0 : 1;
		default: return bad_option(c, argv);
		}
	}
	if (optind < argc) {
		char arg[64];
		snprintf(arg, sizeof arg, "%s", argv[optind]);
		for (char *t = arg; *t; t++)
			if ((unsigned char)*t < 0x20 || *t == 0x7f)
				*t = '?';
		fprintf(stderr, "sesamed: unexpected argument '%s': sesamed takes options only "
			"(see 'sesamed -h')\n", arg);
		return 1;
	}
	if (check + dump + remove_gate > 1) {
		fprintf(stderr, "sesamed: -t, --dump-config and --remove-gate exclude each other\n");
		return 1;
	}
	if (!*o.config_path) {
		fprintf(stderr, "sesamed: -c: the config file name is empty\n");
		return 1;
	}
	if (check || dump || remove_gate)
		log_cli("sesamed");
	if (check)
		return daemon_check(o.config_path, o.logfile);
	if (dump)
		return dump_config(&o);
	if (remove_gate)
		return remove_gate_table(o.config_path);
	heap_settle();
	return daemon_run(&o);
}
