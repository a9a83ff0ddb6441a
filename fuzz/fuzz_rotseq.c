/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_rotseq — rotating sequences, two ways:
 *  - input starting with 0: rotseq_secrets_parse() on the rest (the
 *    Sequence_Secrets and client secret file parser);
 *  - input starting with 1: the rest as a spent file (spent.c) opened for
 *    three entries, then marked and reopened: marks must hold;
 *  - otherwise the derivation property: a client secret, door settings,
 *    a time and a clock offset of -3..+3 periods taken from the input;
 *    the client's sequence (rotseq_derive) must be well formed (in the
 *    allowed set, no port twice), and a rotating door (rotdoor.c) fed
 *    that sequence at that time must open exactly when the offset is
 *    -1, 0 or +1, and only once (once per live step whose sequence is
 *    the same: with tiny port sets, two steps may draw the same one). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base64.h"
#include "config.h"
#include "log.h"
#include "rotdoor.h"
#include "rotseq.h"
#include "spent.h"

static void drop(void *ctx, int level, const char *msg)
{
	(void)level;
	*(size_t *)ctx += strlen(msg);
}

static char secrets[64];

static uint64_t take(const uint8_t **p, size_t *n, size_t bytes)
{
	uint64_t v = 0;
	for (size_t i = 0; i < bytes; i++) {
		v = v << 8 | (*n ? **p : 0);
		if (*n) {
			(*p)++;
			(*n)--;
		}
	}
	return v;
}

static void parse_secrets(const uint8_t *data, size_t size)
{
	size_t sink = 0;
	struct rotseq_secret *s = NULL;
	int n = rotseq_secrets_parse("fuzz", (const char *)data, size, drop, &sink, &s);
	for (int i = 0; i < n; i++)
		if (s[i].len < ROTSEQ_SECRET_MIN || s[i].len > ROTSEQ_SECRET_MAX ||
		    !s[i].name[0] || s[i].line == 0)
			__builtin_trap();
	rotseq_secrets_free(s, n > 0 ? (size_t)n : 0);
}

static void spent_file(const uint8_t *data, size_t size)
{
	char path[80];
	snprintf(path, sizeof path, "%s.spent", secrets);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return;
	}
	close(fd);
	uint8_t keys[3][SPENT_KEY_LEN];
	spent_key("ssh", "alice", keys[0]);
	spent_key("ssh", "bob", keys[1]);
	spent_key("web", "alice", keys[2]);
	struct spent *s = NULL;
	if (spent_open(path, (const uint8_t (*)[SPENT_KEY_LEN])keys, 3, &s) < 0)
		return;
	/* Entry 0 reads the same after a reopen; entry 1's new mark holds. */
	static const uint64_t probe[] = { 0, 1, 63, 64, 1000, 1ull << 40, UINT64_MAX };
	bool before[sizeof probe / sizeof probe[0]];
	for (size_t i = 0; i < sizeof probe / sizeof probe[0]; i++)
		before[i] = spent_test(s, 0, probe[i]);
	if (spent_mark(s, 1, 12345) < 0 || !spent_test(s, 1, 12345))
		__builtin_trap();
	spent_close(s);
	if (spent_open(path, (const uint8_t (*)[SPENT_KEY_LEN])keys, 3, &s) < 0)
		__builtin_trap();
	for (size_t i = 0; i < sizeof probe / sizeof probe[0]; i++)
		if (spent_test(s, 0, probe[i]) != before[i])
			__builtin_trap();
	if (!spent_test(s, 1, 12345))
		__builtin_trap();
	spent_close(s);
}

static void property(const uint8_t *p, size_t n)
{
	int offset = (int)(take(&p, &n, 1) % 7) - 3;
	unsigned len = 2 + (unsigned)(take(&p, &n, 1) % 31);
	enum rotseq_protos protos = (enum rotseq_protos)(take(&p, &n, 1) % 3);
	bool bind = take(&p, &n, 1) & 1;
	unsigned period = 1 + (unsigned)(take(&p, &n, 2) % 3600);
	uint16_t lo = (uint16_t)(1024 + take(&p, &n, 2) % 60000);
	uint16_t hi = (uint16_t)(lo + 2 * len + take(&p, &n, 2) % 4000);
	if (hi < lo)
		hi = 65535;
	uint64_t t = 86400 * 4 + take(&p, &n, 4);
	size_t klen = ROTSEQ_SECRET_MIN + take(&p, &n, 1) % (ROTSEQ_SECRET_MAX - ROTSEQ_SECRET_MIN + 1);
	uint8_t key[ROTSEQ_SECRET_MAX];
	for (size_t i = 0; i < klen; i++)
		key[i] = (uint8_t)take(&p, &n, 1);
	char door[16];
	snprintf(door, sizeof door, "d%02x", (unsigned)take(&p, &n, 1));

	char b64[128];
	base64_encode(key, klen, b64, sizeof b64, true);
	int fd = open(secrets, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return;
	char line[200];
	int ll = snprintf(line, sizeof line, "c %s\n", b64);
	if (write(fd, line, (size_t)ll) != ll) {
		close(fd);
		return;
	}
	close(fd);
	char text[512];
	snprintf(text, sizeof text, "[options]\nStateLimit = 16\n[%s]\nsequence_secrets = %s\n"
		 "sequence_length = %u\nsequence_period = %u\nsequence_protocols = %s\n"
		 "sequence_ports = %u-%u\nsequence_bind_address = %s\nopen = 22\n",
		 door, secrets, len, period, rotseq_protos_name(protos), lo, hi,
		 bind ? "yes" : "no");
	struct config *cfg = NULL;
	if (config_parse("fuzz.conf", text, strlen(text), NULL, NULL, &cfg) < 0)
		__builtin_trap();
	free(cfg->state_dir);
	cfg->state_dir = NULL;          /* spent marks in memory */
	struct rotseq_set set;
	if (rotseq_door_set(cfg, &cfg->doors[0], ROTSEQ_SERVICES, &set) < 0)
		__builtin_trap();
	struct rotdoors *r = NULL;
	if (set.n < 2 * len || rotdoors_new(cfg, t, &r) < 0) {
		/* Too few ports left: the daemon refuses the door. */
		rotseq_set_fini(&set);
		config_free(cfg);
		return;
	}
	struct knock_event ev = { 0 };
	addr_parse("198.18.0.2", &ev.saddr);
	addr_parse("198.18.0.1", &ev.daddr);
	uint64_t c = t / period + (uint64_t)(int64_t)offset;
	struct port_proto s[CONFIG_SEQ_MAX];
	if (rotseq_derive(key, klen, door, c, bind ? &ev.saddr : NULL, &set, protos, len, s) < 0)
		__builtin_trap();
	for (unsigned i = 0; i < len; i++) {
		bool in = false;
		for (size_t k = 0; k < set.n && !in; k++)
			in = set.ports[k] == s[i].port;
		if (!in || (protos == ROTSEQ_TCP && s[i].proto != PROTO_TCP) ||
		    (protos == ROTSEQ_UDP && s[i].proto != PROTO_UDP))
			__builtin_trap();
		for (unsigned j = 0; j < i; j++)
			if (s[j].port == s[i].port)
				__builtin_trap();
	}
	/* How many live steps (c-1, c, c+1) have this very sequence: the
	 * knock's own if it is live, and others by chance (small sets).
	 * Each opens once. */
	unsigned nlive = 0;
	for (int o = -1; o <= 1; o++) {
		struct port_proto q[CONFIG_SEQ_MAX];
		if (rotseq_derive(key, klen, door, t / period + (uint64_t)(int64_t)o,
				  bind ? &ev.saddr : NULL, &set, protos, len, q) < 0)
			__builtin_trap();
		bool same = true;
		for (unsigned i = 0; i < len && same; i++)
			same = q[i].port == s[i].port && q[i].proto == s[i].proto;
		nlive += same;
	}
	if (offset >= -1 && offset <= 1 && nlive == 0)
		__builtin_trap();
	struct grant g[2];
	uint64_t mono = 1000;
	for (unsigned round = 0; round < 4; round++) {
		/* A fresh start each round: what the last one left behind
		 * times out (Seq_Timeout 25 s). */
		mono += 100000;
		size_t got = 0;
		for (unsigned i = 0; i < len; i++) {
			ev.dport = s[i].port;
			ev.proto = s[i].proto;
			ev.sport = (uint16_t)(40000 + i + round * 100);
			ev.tcpflags = TCPF_SYN;
			got += rotdoors_feed(r, &ev, mono++, t, g, NULL, 2);
		}
		bool want = round < nlive;
		if (got != (want ? 1u : 0u))
			__builtin_trap();
	}
	rotdoors_free(r);
	rotseq_set_fini(&set);
	config_free(cfg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!secrets[0]) {
		snprintf(secrets, sizeof secrets, "/tmp/sesame-fuzz-rotseq.%d", (int)getpid());
		log_set_level(LOG_CRIT);
	}
	if (size && data[0] == 0)
		parse_secrets(data + 1, size - 1);
	else if (size && data[0] == 1)
		spent_file(data + 1, size - 1);
	else if (size)
		property(data + 1, size - 1);
	return 0;
}
