/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_config — config_parse() and config_lint() on arbitrary bytes, and
 * what every accepted config must satisfy.
 *
 * Diagnostics are formatted (so the message paths run) and dropped.
 * Properties (abort with a message on violation):
 *  - a failed parse leaves no result;
 *  - bounds on every accepted config: NUL-terminated names of at most
 *    CONFIG_DOOR_NAME_LEN bytes, unique; at most CONFIG_DOORS_MAX doors;
 *    sequences, Open lists, SPA_Allow_Address lists and keys within their
 *    arrays; every port non-zero with protocol TCP or UDP; no port twice
 *    in one Open; TCPFlags never both set and clear; timeouts non-zero;
 *    a door is a sequence door, an SPA door, or neither, never both;
 *  - nftables: when the gate accepts the config (nft_config_ok), the set
 *    names of every gated door (both families) are valid nft identifiers
 *    ([A-Za-z_][A-Za-z0-9_]*, shorter than NFT_SETNAME_MAX) and pairwise
 *    distinct, and the table name is one too;
 *  - the parent's grant validation (grant_validate) and the nft gate's
 *    own check (gate_nft_grant_ok) agree on a spread of grants for every
 *    door the gate guards: in range or not, each family, port lists
 *    taken from the door's Open (with repeats) or not, timeouts around
 *    Open_Timeout and Cmd_Timeout. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "config.h"
#include "gate_nft.h"
#include "grant.h"
#include "nft_render.h"

#define require(cond) do {                                              \
	if (!(cond)) {                                                  \
		fprintf(stderr, "fuzz_config: %s\n", #cond);            \
		abort();                                                \
	}                                                               \
} while (0)

static bool verbose;

static void drop(void *ctx, int level, const char *msg)
{
	(void)level;
	/* Touch the message so a bad pointer or missing NUL shows up. */
	*(size_t *)ctx += strlen(msg);
	if (verbose)    /* FUZZ_VERBOSE=1 to see why an input is refused */
		fprintf(stderr, "%s\n", msg);
}

static bool port_ok(const struct port_proto *p)
{
	return p->port != 0 && (p->proto == PROTO_TCP || p->proto == PROTO_UDP);
}

static bool nft_identifier(const char *s, size_t max)
{
	size_t n = strnlen(s, max);
	if (n == 0 || n >= max)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
		if (!alpha && !(c >= '0' && c <= '9' && i > 0))
			return false;
	}
	return true;
}

static void check_door(const struct config *cfg, size_t i)
{
	const struct door *d = &cfg->doors[i];
	size_t n = strnlen(d->name, sizeof d->name);
	require(n > 0 && n <= CONFIG_DOOR_NAME_LEN);
	for (size_t j = 0; j < i; j++)
		require(strcmp(cfg->doors[j].name, d->name) != 0);
	require(config_find_door(cfg, d->name) == d);

	require(d->seq_len <= CONFIG_SEQ_MAX);
	for (size_t k = 0; k < d->seq_len; k++)
		require(port_ok(&d->seq[k]));
	require(!(d->tcpflags_set & d->tcpflags_clear));
	require(!door_is_sequence(d) || d->seq_timeout_ms > 0);
	require(d->target.family == 0 || d->target.family == AF_INET ||
		d->target.family == AF_INET6);

	require(d->open_len <= CONFIG_OPEN_MAX);
	for (size_t k = 0; k < d->open_len; k++) {
		require(port_ok(&d->open[k]));
		for (size_t j = 0; j < k; j++)
			require(d->open[j].port != d->open[k].port ||
				d->open[j].proto != d->open[k].proto);
	}
	require(d->open_timeout_s > 0);

	require(!(door_is_sequence(d) && door_is_spa(d)));
	if (door_is_spa(d)) {
		require(d->spa_port != 0);
		require(d->spa_window_s > 0);
	}
	require(d->allow_len <= CONFIG_ALLOW_MAX);
	require(d->fwknop_key_len <= sizeof d->fwknop_key);
	require(d->fwknop_hmac_key_len <= sizeof d->fwknop_hmac_key);
}

/* Set names: valid identifiers, distinct across doors and families. */
static void check_nft_names(const struct config *cfg)
{
	char err[256];
	if (!nft_config_ok(cfg, err, sizeof err))
		return;         /* the gate refuses it (and says why) */
	require(nft_identifier(cfg->nft_table, CONFIG_NAME_MAX));
	static char names[CONFIG_DOORS_MAX * 2][NFT_SETNAME_MAX];
	size_t n = 0;
	for (size_t i = 0; i < cfg->ndoors; i++) {
		if (!nft_door_gated(&cfg->doors[i]))
			continue;
		for (int f = 0; f < 2; f++) {
			char *s = names[n];
			nft_set_name(cfg, i, f ? AF_INET6 : AF_INET, s, NFT_SETNAME_MAX);
			require(nft_identifier(s, NFT_SETNAME_MAX));
			for (size_t j = 0; j < n; j++)
				require(strcmp(names[j], s) != 0);
			n++;
		}
	}
}

/* Grants around the door's limits: both checks must give one answer. */
static void check_grants(const struct config *cfg, size_t i, const uint8_t *data, size_t size)
{
	const struct door *d = &cfg->doors[i];
	if (!nft_door_gated(d))
		return;
	const uint32_t timeouts[] = {
		0, 1, d->open_timeout_s - 1, d->open_timeout_s, d->open_timeout_s + 1,
		d->cmd_timeout_s, d->cmd_timeout_s + 1, UINT32_MAX,
	};
	for (unsigned t = 0; t < sizeof timeouts / sizeof timeouts[0]; t++)
		for (unsigned shape = 0; shape < 12; shape++) {
			struct grant gr;
			memset(&gr, 0, sizeof gr);
			gr.door = (uint32_t)(shape == 11 ? cfg->ndoors : i);
			gr.addr.family = shape == 10 ? AF_UNIX : (shape & 1) ? AF_INET6 : AF_INET;
			gr.addr.bytes[0] = 198;
			gr.timeout_s = timeouts[t];
			/* Ports: none (the whole Open), each of Open, Open with
			 * one port repeated, one port too many, a foreign port,
			 * or picked by the input's bytes. */
			size_t np = shape < 2 ? 0 : d->open_len + (shape >= 4 && shape < 8);
			if (np > CONFIG_OPEN_MAX)
				np = CONFIG_OPEN_MAX;
			gr.nports = (uint32_t)np;
			for (size_t k = 0; k < np; k++) {
				size_t pick = k % d->open_len;
				if (shape == 8 && size)
					pick = data[k % size] % d->open_len;
				gr.ports[k] = d->open[pick];
			}
			if (shape == 6 && np)
				gr.ports[np - 1].proto ^= PROTO_TCP ^ PROTO_UDP;
			if (shape == 9 && np)
				gr.ports[0].port = 0;
			bool parent = grant_validate(&gr, cfg), gate = gate_nft_grant_ok(cfg, &gr);
			if (parent != gate)
				fprintf(stderr, "fuzz_config: door %s: grant (shape %u, %u ports, "
					"timeout %u): grant_validate %d, gate %d\n", d->name, shape,
					gr.nports, gr.timeout_s, parent, gate);
			require(parent == gate);
		}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t sink = 0;
	struct config *cfg = NULL;
	verbose = getenv("FUZZ_VERBOSE") != NULL;
	/* A directory in the name exercises relative path joining. */
	if (config_parse("/etc/sesame/fuzz.conf", (const char *)data, size,
			 drop, &sink, &cfg) == 0) {
		require(cfg);
		config_lint(cfg, drop, &sink);
		(void)config_wants_nft(cfg);
		require(cfg->ndoors <= CONFIG_DOORS_MAX);
		require(cfg->state_limit > 0);
		for (size_t i = 0; i < cfg->ndoors; i++) {
			check_door(cfg, i);
			check_grants(cfg, i, data, size);
		}
		check_nft_names(cfg);
		config_free(cfg);
	} else {
		require(!cfg);  /* a failed parse must leave *out NULL */
	}
	return 0;
}
