/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_spa — libFuzzer harness for the native SPA side.  The low two bits
 * of the first input byte pick the target; the rest is the input:
 *   0: the codec (spa_parse_header/spa_open): what opens must encode back
 *      to the same bytes;
 *   1: the key-file parser (spa_keys_parse);
 *   2: the door pipeline (spa_doors_check, native and fwknop doors on one
 *      port) on hostile datagrams; bit 7 of the first byte: IPv6 source;
 *   3: structured: the input describes a request (door, version, port and
 *      door it names, address, ports by index into the door's Open or
 *      arbitrary, timestamp, client timeout), the harness seals it with
 *      the door's key and feeds it through the pipeline with a clock that
 *      advances per input, and every grant must hold: it passes the
 *      parent's grant_validate(); no port twice; its ports are the
 *      request's (all of Open when none) and within Open; its address is
 *      the source, or the one asked for where SPA_Allow_Address allows it;
 *      timeout within Open_Timeout; the timestamp within SPA_Window; the
 *      door is the one the packet was made for, at its own port; and the
 *      same packet fed again is refused.
 * Keys are the test-vector key of docs/spa-protocol.md, so the seed
 * corpus (fuzz/corpus/spa/) reaches the authenticated paths.  A broken
 * property aborts (libFuzzer reports it as a crash). */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fwknop.h"
#include "grant.h"
#include "log.h"
#include "spa.h"
#include "spa_door.h"
#include "spa_keys.h"

static const uint8_t vector_key[SPA_KEY_LEN] = {
	0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
	16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31,
};
static const char vector_line[] =
	"alice d6919210e16206d8 AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n";

enum { NDOORS = 3 };
static struct spa_doors *doors;
static struct spa_aead *aead;
static struct door door[NDOORS];
static struct config cfg;
static uint64_t clock_s = 1767225600, clock_ms = 1000;

static void init(void)
{
	log_set_level(LOG_EMERG);
	log_to_stderr(false);
	static char dir[] = "/tmp/fuzz-spa-XXXXXX";
	static char path[64];
	if (!mkdtemp(dir))
		abort();
	snprintf(path, sizeof path, "%s/keys", dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, vector_line, sizeof vector_line - 1) != (ssize_t)sizeof vector_line - 1)
		abort();
	close(fd);
	/* n: native, takes version 1 too (the codec seeds are version 1);
	 * f: fwknop on the same port; m: native on another port with the
	 * same key, requiring an address, allowing any. */
	door[0] = (struct door){ .name = "n", .spa_format = SPA_FORMAT_SESAME, .spa_port = 62201,
				 .spa_keys = path, .spa_window_s = 30, .open_len = 3,
				 .open = { { 22, PROTO_TCP }, { 443, PROTO_TCP }, { 53, PROTO_UDP } },
				 .open_timeout_s = 30, .allow = ALLOW_CIDR, .allow_len = 1,
				 .spa_accept_v1 = true };
	cidr_parse("198.18.0.0/15", &door[0].allow_nets[0]);
	door[1] = (struct door){ .name = "f", .spa_format = SPA_FORMAT_FWKNOP, .spa_port = 62201,
				 .spa_window_s = 120, .open_len = 2,
				 .open = { { 22, PROTO_TCP }, { 80, PROTO_TCP } }, .open_timeout_s = 60,
				 .fwknop_key_len = 16, .fwknop_hmac_key_len = 16,
				 .fwknop_hmac_digest = HMAC_SHA256 };
	memcpy(door[1].fwknop_key, "fuzz-fuzz-fuzz-k", 16);
	memcpy(door[1].fwknop_hmac_key, "fuzz-fuzz-fuzz-h", 16);
	door[2] = (struct door){ .name = "m", .spa_format = SPA_FORMAT_SESAME, .spa_port = 62202,
				 .spa_keys = path, .spa_window_s = 30, .open_len = 1,
				 .open = { { 22, PROTO_TCP } }, .open_timeout_s = 10,
				 .allow = ALLOW_YES, .spa_require_address = true };
	cfg = (struct config){ .path = "fuzz", .doors = door, .ndoors = NDOORS,
			       .replay_cache = NULL };
	if (spa_doors_new(&cfg, &doors) < 0)
		abort();
	unlink(path);
	rmdir(dir);
	aead = spa_aead_new();
	if (!aead)
		abort();
}

/* Input bytes, zeros once they run out. */
struct in {
	const uint8_t *p;
	size_t n;
};

static uint8_t next(struct in *in)
{
	if (!in->n)
		return 0;
	in->n--;
	return *in->p++;
}

static void must(bool ok)
{
	if (!ok)
		abort();
}

static bool in_open(const struct door *d, const struct port_proto *pp)
{
	for (size_t i = 0; i < d->open_len; i++)
		if (d->open[i].port == pp->port && d->open[i].proto == pp->proto)
			return true;
	return false;
}

static bool in_list(const struct port_proto *l, size_t n, const struct port_proto *pp)
{
	for (size_t i = 0; i < n; i++)
		if (l[i].port == pp->port && l[i].proto == pp->proto)
			return true;
	return false;
}

static bool zero_addr(const struct addr *a)
{
	uint8_t acc = 0;
	for (size_t i = 0; i < addr_len(a); i++)
		acc |= a->bytes[i];
	return acc == 0;
}

/* What the harness asked for, to judge the grant by. */
struct want {
	size_t door;                    /* whose key sealed it */
	uint16_t sent_to;               /* the port it is delivered to */
	uint8_t version;                /* native */
	uint16_t dport;                 /* native v2: the port it names */
	int tag;                        /* native v2: 0 none, 1 right, 2 wrong */
	uint64_t ts;
	bool has_addr;
	struct addr addr;
	struct port_proto ports[SPA_PORTS_MAX];
	size_t nports;
	uint32_t client_timeout;        /* fwknop */
};

static void judge(const struct want *w, const struct knock_event *ev, const struct grant *gr)
{
	must(grant_validate(gr, &cfg));
	for (uint32_t i = 0; i < gr->nports; i++)
		for (uint32_t j = 0; j < i; j++)
			must(gr->ports[i].port != gr->ports[j].port ||
			     gr->ports[i].proto != gr->ports[j].proto);
	/* The door is the one on the port it arrived at that holds the key
	 * (n and m share one; version 1 names no port, so it is good at
	 * either one that takes version 1).  A version 2 packet arrived
	 * where it was sent, for that door or any. */
	const struct door *made_for = &door[w->door];
	size_t expect = made_for->spa_format == SPA_FORMAT_FWKNOP ? 1 : ev->dport == 62201 ? 0 : 2;
	must(gr->door == expect && door[expect].spa_port == ev->dport);
	const struct door *d = &door[expect];
	if (d->spa_format == SPA_FORMAT_SESAME) {
		must(w->version == SPA_VERSION || d->spa_accept_v1);
		if (w->version == SPA_VERSION)
			must(w->dport == ev->dport && (w->tag == 0 || (w->tag == 1 && w->door == expect)));
	}
	uint64_t gap = w->ts > clock_s ? w->ts - clock_s : clock_s - w->ts;
	must(gap <= d->spa_window_s);
	must(gr->timeout_s <= d->open_timeout_s);
	if (gr->timeout_s)
		must(gr->timeout_s == w->client_timeout);
	if (w->nports == 0) {
		must(gr->nports == 0);
	} else {
		size_t distinct = 0;
		for (size_t i = 0; i < w->nports; i++) {
			must(in_open(d, &w->ports[i]));      /* else refused */
			distinct += !in_list(w->ports, i, &w->ports[i]);
		}
		must(gr->nports == distinct);
		for (uint32_t i = 0; i < gr->nports; i++)
			must(in_list(w->ports, w->nports, &gr->ports[i]) && in_open(d, &gr->ports[i]));
	}
	if (!w->has_addr) {
		must(!d->spa_require_address && addr_equal(&gr->addr, &ev->saddr));
	} else {
		must(addr_equal(&gr->addr, &w->addr) && !zero_addr(&w->addr));
		bool ok = addr_equal(&w->addr, &ev->saddr) || d->allow == ALLOW_YES;
		for (size_t i = 0; i < d->allow_len && d->allow == ALLOW_CIDR; i++)
			ok |= cidr_contains(&d->allow_nets[i], &w->addr);
		must(ok);
	}
}

static void structured(const uint8_t *data, size_t size, uint8_t mode)
{
	struct in in = { data, size };
	struct want w = { 0 };
	clock_s += 1 + next(&in) % 4;
	clock_ms += 1000;
	w.door = next(&in) % NDOORS;
	const struct door *d = &door[w.door];
	uint8_t flags = next(&in);
	w.version = flags & 1 ? SPA_VERSION_LEGACY : SPA_VERSION;
	w.sent_to = flags & 2 ? (d->spa_port == 62201 ? 62202 : 62201) : d->spa_port;
	w.dport = flags & 4 ? (uint16_t)(62201 + next(&in) % 3) : d->spa_port;
	w.tag = (flags >> 3) % 3;

	struct knock_event ev = { .proto = PROTO_UDP, .sport = 40000, .dport = w.sent_to,
				  .time_us = clock_s * 1000000ull };
	if (mode & 0x80) {
		addr_parse("2001:db8:5e5::2", &ev.saddr);
		ev.saddr.bytes[15] = next(&in);
	} else {
		addr_parse("198.18.0.2", &ev.saddr);
		ev.saddr.bytes[3] = next(&in);
	}
	char text[ADDR_STRLEN];
	switch (next(&in) % 6) {
	case 0: break;
	case 1: w.has_addr = true; w.addr = ev.saddr; break;
	case 2: w.has_addr = addr_parse("198.19.0.0", &w.addr); break;
	case 3: w.has_addr = addr_parse("203.0.113.0", &w.addr); break;
	case 4: w.has_addr = addr_parse("2001:db8:77::", &w.addr); break;
	default: w.has_addr = addr_parse("0.0.0.0", &w.addr); break;
	}
	if (w.has_addr) {
		w.addr.bytes[w.addr.family == AF_INET ? 3 : 15] ^= next(&in);
		/* fwknop's 0.0.0.0 means "the source", as naming none. */
		if (d->spa_format == SPA_FORMAT_FWKNOP && zero_addr(&w.addr))
			w.has_addr = false;
	}
	w.nports = next(&in) % (SPA_PORTS_MAX + 1);
	for (size_t i = 0; i < w.nports; i++) {
		uint8_t b = next(&in);
		if (b < 224) {
			w.ports[i] = d->open[b % d->open_len];
		} else {
			w.ports[i].port = (uint16_t)((b & 15) << 8 | next(&in));
			w.ports[i].proto = b & 16 ? PROTO_UDP : PROTO_TCP;
			if (!w.ports[i].port)
				w.ports[i].port = 1;
		}
	}
	w.ts = clock_s + (uint64_t)(int64_t)((int8_t)next(&in) * 2);
	w.client_timeout = next(&in) & 1 ? next(&in) : 0;

	static uint64_t serial;
	serial++;
	uint8_t pkt[FWKNOP_WIRE_MAX + 1];
	size_t len;
	if (d->spa_format == SPA_FORMAT_SESAME) {
		struct spa_request req = { .version = w.version, .timestamp = w.ts,
					   .nports = w.nports };
		if (w.version == SPA_VERSION) {
			req.dport = w.dport;
			if (w.tag)
				spa_door_tag(w.tag == 1 ? d->name : "elsewhere", req.door_tag);
		}
		if (w.has_addr)
			req.addr = w.addr;
		memcpy(req.ports, w.ports, sizeof w.ports);
		uint8_t nonce[SPA_NONCE_LEN] = { 0 };
		memcpy(nonce, &serial, sizeof serial);
		if (spa_encode(aead, vector_key, nonce, &req, pkt) != 0)
			return;
		len = SPA_PACKET_LEN;
	} else {
		if (w.nports == 0)              /* fwknop always names ports */
			w.ports[w.nports++] = d->open[0];
		struct fwknop_keys k = {
			.key = d->fwknop_key, .key_len = d->fwknop_key_len,
			.hmac_key = d->fwknop_hmac_key, .hmac_key_len = d->fwknop_hmac_key_len,
			.hmac_digest = d->fwknop_hmac_digest,
		};
		struct fwknop_msg m;
		if (fwknop_msg_access(&m, "fuzz", w.ts, w.has_addr ?
				      addr_format(&w.addr, text, sizeof text) : NULL,
				      w.ports, w.nports, w.client_timeout) != FWKNOP_OK)
			return;
		uint8_t salt[FWKNOP_SALT_LEN];
		memcpy(salt, &serial, sizeof salt);
		long n = fwknop_encode(&m, &k, salt, (char *)pkt, sizeof pkt);
		if (n <= 0)
			return;
		len = (size_t)n;
	}
	ev.payload = pkt;
	ev.payload_len = len;
	struct grant gr;
	if (spa_doors_check(doors, &ev, clock_s, clock_ms, &gr)) {
		judge(&w, &ev, &gr);
		/* The same datagram again, a moment later, from anywhere. */
		clock_ms += 1000;
		ev.saddr.bytes[3] ^= 0x55;
		must(!spa_doors_check(doors, &ev, clock_s, clock_ms, &gr));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!doors)
		init();
	if (size < 1)
		return 0;
	uint8_t mode = data[0];
	data++;
	size--;
	switch (mode & 3) {
	case 0: {
		struct spa_header h;
		struct spa_request req;
		if (spa_parse_header(data, size, &h) == 0 &&
		    spa_open(aead, vector_key, data, size, &req) == 0) {
			/* What opened must encode back to the same bytes. */
			uint8_t again[SPA_PACKET_LEN];
			if (spa_encode(aead, vector_key, h.nonce, &req, again) != 0 ||
			    memcmp(again, data, SPA_PACKET_LEN) != 0)
				abort();
		}
		break;
	}
	case 1: {
		struct spa_key *keys = NULL;
		int n = spa_keys_parse("fuzz", (const char *)data, size, NULL, NULL, &keys);
		if (n >= 0)
			spa_keys_free(keys, (size_t)n);
		break;
	}
	case 2: {
		/* The clock is the packet's own timestamp (when it has one) so
		 * the fuzzer can get past the time window. */
		uint64_t now = 1767225600;
		if (size >= SPA_HEADER_LEN) {
			struct spa_header h;
			if (spa_parse_header(data, size, &h) == 0 && h.timestamp < (1ull << 40))
				now = h.timestamp;
		}
		struct knock_event ev = { .proto = PROTO_UDP, .sport = 1, .dport = 62201,
					  .payload = data, .payload_len = size,
					  .time_us = now * 1000000ull };
		ev.saddr.family = mode & 0x80 ? AF_INET6 : AF_INET;
		ev.saddr.bytes[0] = 198;
		ev.saddr.bytes[1] = 18;
		ev.saddr.bytes[3] = mode;
		struct grant gr;
		if (spa_doors_check(doors, &ev, now, clock_ms += 1000, &gr) &&
		    !grant_validate(&gr, &cfg))
			abort();
		break;
	}
	case 3:
		structured(data, size, mode);
		break;
	}
	return 0;
}
