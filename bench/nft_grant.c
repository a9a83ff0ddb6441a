/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nft_grant — drives the native gate without the daemon: loads the table
 * for a built-in config and grants, refreshes or lists addresses.  It is
 * the gate's grant-rate benchmark and a test driver.  It changes the
 * firewall, so it refuses to run outside a namespace made by `ip netns add`.
 *
 *   nft_grant [-T TABLE] [-p PORT] [-t SECONDS] [-P PREFILL] bench [N]
 *       N grants to distinct addresses, then N refreshes of one address:
 *       microseconds per grant (median, p99, mean).  -P first grants
 *       PREFILL other addresses (untimed), so the grants measured go into
 *       a set already holding that many live elements.  Addresses are
 *       198.18.0.0/15 counted up, so PREFILL + N <= 131072.
 *   nft_grant [...] grant ADDR     load (keeping grants) and grant ADDR
 *   nft_grant [...] list           elements with milliseconds left
 *   nft_grant [...] remove         delete the table
 *   nft_grant [...] serve          one gate kept open; commands on stdin,
 *       one per line: "grant ADDR", "list", "verify"; answers "ok" or
 *       "fail" (list: the elements, then "ok")
 *
 * The built-in config: door "openSSH", Sequence 7000,8000,9000 (tcp),
 * Open PORT/tcp (22; -p may be given up to 4 times), Open_Timeout SECONDS
 * (30); door "spa", SPA_Port 62201, Open 443/tcp.
 */
#include <arpa/inet.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gate_nft.h"
#include "log.h"
#include "netns_sender.h"
#include "numparse.h"

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static void report(const char *what, uint64_t *ns, size_t n)
{
	qsort(ns, n, sizeof *ns, cmp_u64);
	double sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += (double)ns[i];
	size_t p99 = (size_t)ceil(0.99 * (double)n) - 1;
	printf("%-22s n=%zu  median %.1f us  p99 %.1f us  mean %.1f us\n", what, n,
	       (double)ns[n / 2] / 1e3, (double)ns[p99] / 1e3, sum / (double)n / 1e3);
}

static void print_entry(void *ctx, const struct gate_nft_entry *e)
{
	const struct config *cfg = ctx;
	char a[ADDR_STRLEN];
	printf("%s %s %u/%s %u\n", cfg->doors[e->door].name, addr_format(&e->addr, a, sizeof a),
	       (unsigned)e->port.port, e->port.proto == PROTO_UDP ? "udp" : "tcp",
	       (unsigned)e->expires_ms);
}

static int serve(struct gate_nft *g, const struct config *cfg)
{
	char line[256];
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (fgets(line, sizeof line, stdin)) {
		line[strcspn(line, "\r\n")] = '\0';
		bool ok = false;
		if (strncmp(line, "grant ", 6) == 0) {
			struct grant gr = { .door = 0 };
			ok = addr_parse(line + 6, &gr.addr) && gate_nft_grant(g, cfg, &gr) == 0;
		} else if (strcmp(line, "list") == 0) {
			ok = gate_nft_list(g, cfg, print_entry, (void *)cfg) == 0;
		} else if (strcmp(line, "verify") == 0) {
			ok = gate_nft_verify(g, cfg) >= 0;
		}
		printf("%s\n", ok ? "ok" : "fail");
	}
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: nft_grant [-T TABLE] [-p PORT]... [-t SECONDS] [-P PREFILL] bench [N] | grant ADDR | list | remove | serve\n");
	exit(2);
}

int main(int argc, char **argv)
{
	char why[200];
	if (!netns_check_sandboxed(why, sizeof why)) {
		fprintf(stderr, "nft_grant: refusing to run: %s\n", why);
		return 1;
	}
	struct door doors[2];
	memset(doors, 0, sizeof doors);
	struct config cfg = { .doors = doors, .ndoors = 2 };
	snprintf(cfg.nft_table, sizeof cfg.nft_table, "sesame");
	snprintf(doors[0].name, sizeof doors[0].name, "openSSH");
	doors[0].seq[0] = (struct port_proto){ 7000, PROTO_TCP };
	doors[0].seq[1] = (struct port_proto){ 8000, PROTO_TCP };
	doors[0].seq[2] = (struct port_proto){ 9000, PROTO_TCP };
	doors[0].seq_len = 3;
	doors[0].open[0] = (struct port_proto){ 22, PROTO_TCP };
	doors[0].open_len = 1;
	doors[0].open_timeout_s = 30;
	snprintf(doors[1].name, sizeof doors[1].name, "spa");
	doors[1].spa_format = SPA_FORMAT_SESAME;
	doors[1].spa_port = 62201;
	doors[1].open[0] = (struct port_proto){ 443, PROTO_TCP };
	doors[1].open_len = 1;
	doors[1].open_timeout_s = 30;

	int opt;
	unsigned long v;
	size_t nports = 0, prefill = 0;
	while ((opt = getopt(argc, argv, "P:T:p:t:")) != -1) {
		switch (opt) {
		case 'T': snprintf(cfg.nft_table, sizeof cfg.nft_table, "%s", optarg); break;
		case 'p':
			if (!parse_ulong(optarg, 1, 65535, &v) || nports == 4)
				usage();
			doors[0].open[nports++] = (struct port_proto){ (uint16_t)v, PROTO_TCP };
			doors[0].open_len = nports;
			break;
		case 't':
			if (!parse_ulong(optarg, 1, 86400, &v))
				usage();
			doors[0].open_timeout_s = (unsigned)v;
			break;
		case 'P':
			if (!parse_ulong(optarg, 0, 131071, &v))
				usage();
			prefill = v;
			break;
		default: usage();
		}
	}
	if (optind >= argc)
		usage();
	const char *cmd = argv[optind];
	if (strcmp(cmd, "remove") == 0)
		return gate_nft_remove(cfg.nft_table) < 0;

	struct gate_nft *g;
	if (gate_nft_new(&cfg, &g) < 0)
		return 1;
	int rc = 0;
	if (strcmp(cmd, "grant") == 0 && optind + 1 < argc) {
		struct grant gr = { .door = 0 };
		if (!addr_parse(argv[optind + 1], &gr.addr))
			usage();
		rc = gate_nft_grant(g, &cfg, &gr) < 0;
	} else if (strcmp(cmd, "serve") == 0) {
		rc = serve(g, &cfg);
	} else if (strcmp(cmd, "list") == 0) {
		rc = gate_nft_list(g, &cfg, print_entry, &cfg) < 0;
	} else if (strcmp(cmd, "bench") == 0) {
		size_t n = 1000;
		if (optind + 1 < argc) {
			if (!parse_ulong(argv[optind + 1], 1, 60000, &v))
				usage();
			n = v;
		}
		if (prefill + n > 131072) {
			fprintf(stderr, "nft_grant: -P %zu plus %zu grants: more than 198.18.0.0/15\n",
				prefill, n);
			return 2;
		}
		/* The gate's "opened" line per grant is not the gate's cost. */
		log_set_level(LOG_WARNING);
		uint64_t *ns = calloc(n, sizeof *ns);
		if (!ns)
			return 1;
		struct grant gr = { .door = 0 };
		gr.addr.family = AF_INET;
		/* Distinct addresses: 198.18.0.0/15 counted up. */
		for (size_t i = 0; i < prefill && rc == 0; i++) {
			uint32_t a = htonl(0xc6120000u + (uint32_t)i);
			memcpy(&gr.addr.v4, &a, 4);
			rc = gate_nft_grant(g, &cfg, &gr) < 0;
		}
		if (rc == 0 && prefill)
			printf("prefilled %zu elements\n", prefill);
		for (size_t i = 0; i < n && rc == 0; i++) {
			uint32_t a = htonl(0xc6120000u + (uint32_t)(prefill + i));
			memcpy(&gr.addr.v4, &a, 4);
			uint64_t t0 = now_ns();
			rc = gate_nft_grant(g, &cfg, &gr) < 0;
			ns[i] = now_ns() - t0;
		}
		if (rc == 0)
			report("grant (new address)", ns, n);
		for (size_t i = 0; i < n && rc == 0; i++) {
			uint64_t t0 = now_ns();
			rc = gate_nft_grant(g, &cfg, &gr) < 0;
			ns[i] = now_ns() - t0;
		}
		if (rc == 0)
			report("grant (refresh)", ns, n);
		free(ns);
	} else {
		usage();
	}
	gate_nft_free(g);
	return rc;
}
