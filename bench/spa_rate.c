/* SPDX-License-Identifier: GPL-2.0-or-later */
/* spa_rate — SPA packets verified per second by spa_doors_check(), in
 * process (no capture, no kernel): the cost of the verification pipeline
 * itself.  Classes:
 *   garbage-128     random 128-byte payloads (unknown key ids)
 *   garbage-any     random payloads of random size 1..300 bytes
 *   replayed        valid packets already accepted once, replayed from
 *                   many sources (each pays rate limit, time check, AEAD
 *                   open and the replay lookup)
 *   replayed-1src   the same from one source (the rate limiter stops them)
 *   forged-keyid    a known key id with a bad tag, many sources (AEAD fails)
 * Each class's verdicts are checked against the counters, so a fast wrong
 * answer cannot pass as a result.
 *
 * Then the same garbage and replayed classes as Ethernet frames in a pcap
 * savefile, read back through sesamed's capture path (capture_open_file
 * with the door's BPF filter, capture_dispatch, packet_decode) into
 * spa_doors_check(): everything sesamed does per packet except the
 * kernel's part.
 *
 * NKEYS (default 1) authorised keys: the bench key and NKEYS - 1 others.
 * One SPA_Keys file holds at most SPA_KEYS_MAX keys, so above that the
 * keys are spread over several doors sharing SPA_Port 62201, as a config
 * with that many keys would have to.
 *
 * usage: spa_rate [SECONDS_PER_CLASS [NKEYS]]   (defaults 1, 1) */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <pcap/pcap.h>
#include <openssl/rand.h>

#include "capture.h"
#include "capture_filter.h"

#include "log.h"
#include "numparse.h"
#include "spa.h"
#include "spa_door.h"
#include "spa_keys.h"

#define NPKT 1024

static double now_mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct addr source(unsigned i)
{
	struct addr a = { .family = AF_INET };
	uint32_t v = htonl(0xc6120000u | (i & 0xffff));     /* 198.18.0.0/16 */
	memcpy(&a.v4, &v, 4);
	return a;
}

struct run {
	const char *name;
	uint64_t n;
	double secs;
	struct spa_stats delta;
};

/* Feeds PKTS (NPKT of LENS) round robin for SECS; SOURCES distinct sources. */
static struct run feed(struct spa_doors *s, const char *name, uint8_t (*pkts)[320],
		       const size_t *lens, unsigned sources, double secs, uint64_t now_s)
{
	struct spa_stats before, after;
	spa_doors_stats(s, &before);
	struct knock_event ev = { .proto = PROTO_UDP, .sport = 40000, .dport = 62201 };
	struct grant gr;
	uint64_t n = 0;
	double t0 = now_mono(), t1 = t0;
	uint64_t t_us = now_s * 1000000ull;
	while (t1 - t0 < secs) {
		for (unsigned k = 0; k < 4096; k++, n++) {
			ev.saddr = source((unsigned)(n % sources));
			ev.payload = pkts[n % NPKT];
			ev.payload_len = lens[n % NPKT];
			ev.time_us = t_us + n / 64;     /* ~15M packets/s of capture time */
			if (spa_doors_check(s, &ev, now_s, ev.time_us / 1000, &gr)) {
				fprintf(stderr, "spa_rate: %s: unexpected grant\n", name);
				exit(1);
			}
		}
		t1 = now_mono();
	}
	spa_doors_stats(s, &after);
	struct run r = { name, n, t1 - t0, {
		.seen = after.seen - before.seen, .granted = after.granted - before.granted,
		.replayed = after.replayed - before.replayed,
		.rejected = after.rejected - before.rejected } };
	return r;
}

static void report(const struct run *r)
{
	printf("%-14s %12.0f packets/s  (%llu in %.2f s; replayed %llu, rejected %llu)\n",
	       r->name, (double)r->n / r->secs, (unsigned long long)r->n, r->secs,
	       (unsigned long long)r->delta.replayed, (unsigned long long)r->delta.rejected);
}

/* --- through the capture path -------------------------------------- */

#define SAVE_FRAMES 200000

/* Writes SAVE_FRAMES Ethernet/IPv4/UDP frames to PATH, payload I taken
 * from PKTS[I % NPKT], source 198.18.x.y over 65536 sources, capture
 * times 1 µs apart from NOW_S. */
static int write_savefile(const char *path, uint8_t (*pkts)[320], const size_t *lens,
			  uint64_t now_s)
{
	pcap_t *dead = pcap_open_dead(DLT_EN10MB, 65535);
	pcap_dumper_t *d = dead ? pcap_dump_open(dead, path) : NULL;
	if (!d)
		return -1;
	uint8_t f[14 + 20 + 8 + 320];
	for (unsigned i = 0; i < SAVE_FRAMES; i++) {
		size_t plen = lens[i % NPKT];
		memset(f, 0, 42);
		memcpy(f, "\x02\0\0\0\0\x01\x02\0\0\0\0\x02\x08\x00", 14);
		uint8_t *ip = f + 14, *udp = ip + 20;
		ip[0] = 0x45;
		ip[2] = (uint8_t)((20 + 8 + plen) >> 8);
		ip[3] = (uint8_t)(20 + 8 + plen);
		ip[8] = 64;
		ip[9] = 17;
		ip[12] = 198;
		ip[13] = 18;
		ip[14] = (uint8_t)(i >> 8);
		ip[15] = (uint8_t)i;
		memcpy(ip + 16, "\xc6\x12\x00\x01", 4);
		udp[0] = 0x9c;
		udp[2] = 62201 >> 8;
		udp[3] = 62201 & 255;
		udp[4] = (uint8_t)((8 + plen) >> 8);
		udp[5] = (uint8_t)(8 + plen);
		memcpy(udp + 8, pkts[i % NPKT], plen);
		uint64_t us = now_s * 1000000ull + i;
		struct pcap_pkthdr h = { .caplen = (bpf_u_int32)(42 + plen),
					 .len = (bpf_u_int32)(42 + plen) };
		h.ts.tv_sec = (time_t)(us / 1000000);
		h.ts.tv_usec = (suseconds_t)(us % 1000000);
		pcap_dump((u_char *)d, &h, f);
	}
	pcap_dump_close(d);
	pcap_close(dead);
	return 0;
}

struct cap_ctx {
	struct spa_doors *s;
	uint64_t now_s;
	uint64_t granted;
};

static void on_event(void *ctx, const struct knock_event *ev)
{
	struct cap_ctx *c = ctx;
	struct grant gr;
	c->granted += spa_doors_check(c->s, ev, c->now_s, c->now_s * 1000, &gr);
}

/* Reads PATH through the capture path REPEAT times. */
static struct run via_capture(struct spa_doors *s, const struct config *cfg, const char *name,
			      const char *path, int repeat, uint64_t now_s)
{
	char filter[CAPTURE_FILTER_MAX];
	struct run r = { name, 0, 0, { 0 } };
	if (capture_filter_build(cfg, filter, sizeof filter) < 0)
		return r;
	struct spa_stats before, after;
	spa_doors_stats(s, &before);
	struct cap_ctx ctx = { s, now_s, 0 };
	double t0 = now_mono();
	for (int k = 0; k < repeat; k++) {
		struct capture *c;
		if (capture_open_file(path, filter, &c) < 0)
			return r;
		int n;
		while ((n = capture_dispatch(c, 0, on_event, &ctx)) > 0)
			r.n += (uint64_t)n;
		capture_close(c);
	}
	r.secs = now_mono() - t0;
	spa_doors_stats(s, &after);
	r.delta = (struct spa_stats){ .seen = after.seen - before.seen,
				      .granted = after.granted - before.granted,
				      .replayed = after.replayed - before.replayed,
				      .rejected = after.rejected - before.rejected };
	if (ctx.granted)
		r.n = 0;        /* a grant here is a failure: reported as 0/s */
	return r;
}

/* Doors sharing SPA_Port, for key counts above one file's limit. */
#define MAX_DOORS 4

/* Writes the key lines FIRST..LAST-1 to PATH: line 0 is KEY (the one the
 * packets use), the others fresh keys nobody uses. */
static int write_keys(const char *path, const struct spa_key *key, size_t first, size_t last)
{
	/* Key files must not be readable by others. */
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	FILE *f = fd < 0 ? NULL : fdopen(fd, "w");
	if (!f) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	char line[SPA_KEYLINE_MAX], name[32];
	int rc = 0;
	for (size_t i = first; i < last && rc == 0; i++) {
		struct spa_key k = *key;
		snprintf(name, sizeof name, "k%zu", i);
		if (i > 0 && spa_key_generate(name, &k) < 0)
			rc = -1;
		else if (spa_keyline_format(&k, line, sizeof line) < 0 || fputs(line, f) == EOF)
			rc = -1;
		spa_key_wipe(&k);
	}
	if (fclose(f) != 0)
		rc = -1;
	return rc;
}

int main(int argc, char **argv)
{
	double secs = 1;
	unsigned long nkeys = 1;
	if ((argc > 1 && (secs = strtod(argv[1], NULL)) <= 0) ||
	    (argc > 2 && !parse_ulong(argv[2], 1, MAX_DOORS * SPA_KEYS_MAX, &nkeys))) {
		fprintf(stderr, "usage: spa_rate [SECONDS_PER_CLASS [NKEYS (1..%d)]]\n",
			MAX_DOORS * SPA_KEYS_MAX);
		return 1;
	}
	char dir[] = "/tmp/sesame-spa-rate-XXXXXX";
	if (!mkdtemp(dir))
		return 1;
	char keys[MAX_DOORS][64], cache[64];
	snprintf(cache, sizeof cache, "%s/replay", dir);
	struct spa_key key;
	if (spa_key_generate("bench", &key) < 0)
		return 1;
	size_t ndoors = (nkeys + SPA_KEYS_MAX - 1) / SPA_KEYS_MAX;
	static struct door doors[MAX_DOORS];
	for (size_t d = 0; d < ndoors; d++) {
		snprintf(keys[d], sizeof keys[d], "%s/keys%zu", dir, d);
		size_t first = d * SPA_KEYS_MAX, last = first + SPA_KEYS_MAX;
		if (last > nkeys)
			last = nkeys;
		if (write_keys(keys[d], &key, first, last) < 0)
			return 1;
		doors[d] = (struct door){ .spa_format = SPA_FORMAT_SESAME, .spa_port = 62201,
					  .spa_keys = keys[d], .spa_window_s = 30, .open_len = 1,
					  .open = { { 22, PROTO_TCP } }, .open_timeout_s = 30 };
		snprintf(doors[d].name, sizeof doors[d].name, "bench%zu", d);
	}
	struct config cfg = { .path = "bench", .doors = doors, .ndoors = ndoors, .replay_cache = cache };
	log_to_stderr(false);
	log_set_level(LOG_INFO);        /* rejections are formatted as in sesamed -v */
	struct spa_doors *s;
	if (spa_doors_new(&cfg, &s) < 0)
		return 1;
	uint64_t now_s = (uint64_t)time(NULL);

	static uint8_t pkts[NPKT][320];
	static size_t lens[NPKT];
	struct run runs[7];
	char savefile[64];
	snprintf(savefile, sizeof savefile, "%s/frames.pcap", dir);

	/* Garbage. */
	RAND_bytes(&pkts[0][0], sizeof pkts);
	for (size_t i = 0; i < NPKT; i++) {
		lens[i] = SPA_PACKET_LEN;
		pkts[i][0] = SPA_VERSION;
	}
	runs[0] = feed(s, "garbage-128", pkts, lens, 65536, secs, now_s);
	for (size_t i = 0; i < NPKT; i++)
		lens[i] = 1 + (size_t)pkts[i][1] % 300;
	runs[1] = feed(s, "garbage-any", pkts, lens, 65536, secs, now_s);
	for (size_t i = 0; i < NPKT; i++)
		lens[i] = SPA_PACKET_LEN;
	if (write_savefile(savefile, pkts, lens, now_s) < 0)
		return 1;
	runs[5] = via_capture(s, &cfg, "pcap-garbage", savefile, 5, now_s);

	/* Valid packets, accepted once each (untimed: fsync per grant). */
	struct spa_request req = { .timestamp = now_s, .dport = 62201 };
	struct knock_event ev = { .proto = PROTO_UDP, .dport = 62201, .time_us = now_s * 1000000ull };
	struct grant gr;
	for (size_t i = 0; i < NPKT; i++) {
		uint8_t nonce[SPA_NONCE_LEN];
		RAND_bytes(nonce, sizeof nonce);
		if (spa_encode(NULL, key.key, nonce, &req, pkts[i]) < 0)
			return 1;
		lens[i] = SPA_PACKET_LEN;
		ev.saddr = source((unsigned)i + 20000);
		ev.payload = pkts[i];
		ev.payload_len = SPA_PACKET_LEN;
		if (!spa_doors_check(s, &ev, now_s, i * 1000, &gr)) {
			fprintf(stderr, "spa_rate: a valid packet was refused\n");
			return 1;
		}
	}
	double g0 = now_mono();
	(void)g0;
	runs[2] = feed(s, "replayed", pkts, lens, 65536, secs, now_s);
	runs[3] = feed(s, "replayed-1src", pkts, lens, 1, secs, now_s);
	if (write_savefile(savefile, pkts, lens, now_s) < 0)
		return 1;
	runs[6] = via_capture(s, &cfg, "pcap-replayed", savefile, 5, now_s);
	for (size_t i = 0; i < NPKT; i++)
		pkts[i][SPA_PACKET_LEN - 1] ^= 1;
	runs[4] = feed(s, "forged-keyid", pkts, lens, 65536, secs, now_s);

	printf("spa_rate: spa_doors_check() in process, one core, %.1f s per class, "
	       "%lu authorised key%s (%zu door%s)\n", secs, nkeys, nkeys == 1 ? "" : "s",
	       ndoors, ndoors == 1 ? "" : "s");
	for (size_t i = 0; i < 5; i++)
		report(&runs[i]);
	printf("through the capture path (pcap savefile -> BPF -> packet_decode -> spa_doors_check):\n");
	for (size_t i = 5; i < 7; i++)
		report(&runs[i]);
	int bad = 0;
	/* Every replayed packet that got past the rate limiter is a replay;
	 * with 65536 sources over 4096 packets, nearly all do. */
	if (runs[2].delta.replayed < runs[2].n * 9 / 10) {
		fprintf(stderr, "spa_rate: replayed class not refused as replays\n");
		bad = 1;
	}
	for (size_t i = 0; i < 7; i++)
		if (runs[i].n == 0 || runs[i].delta.rejected != runs[i].n || runs[i].delta.granted)
			bad = 1;
	if (runs[6].delta.replayed < runs[6].n * 9 / 10)
		bad = 1;
	spa_doors_free(s);
	spa_key_wipe(&key);
	for (size_t d = 0; d < ndoors; d++)
		unlink(keys[d]);
	unlink(cache);
	unlink(savefile);
	rmdir(dir);
	return bad;
}
