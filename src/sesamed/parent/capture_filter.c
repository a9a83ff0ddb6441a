/* SPDX-License-Identifier: GPL-2.0-or-later */
/* capture_filter — the BPF filter text for the doors of a config.  See
 * capture_filter.h.
 *
 * The filter runs in the kernel for every frame on the interface, and the
 * kernel takes at most 4,096 classic BPF instructions on a socket (beyond
 * that libpcap does not fail: it filters in user space, after every frame
 * has been copied to the worker).  So its size must follow what the doors
 * listen to, not how many doors there are: the doors' ports are pooled
 * into one set per condition (target address, TCP flags, protocol), each
 * set sorted and written as ports and port ranges, each port once.  A
 * hundred doors sharing three ports make the filter of one door; a
 * hundred doors on adjacent ports make one "portrange".
 *
 * Pooling admits a port under a condition as soon as one door listens to
 * it under that condition, which is exactly what one clause per door
 * admitted.  Were it ever to widen (say, ranges merged across small
 * gaps), that would be safe: the filter only spares the worker packets no
 * door could use, and the doors decide every packet they get exactly as
 * if there were no filter.  It must never narrow: a packet the filter
 * drops is a knock lost, and nothing in the worker could notice.
 */
#include "capture_filter.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "rotseq.h"
#include "strbuf.h"

/* What a set of ports is admitted under: packets to TARGET (family 0:
 * any address), for TCP with the flags byte & MASK == SET on IPv4 (mask
 * 0: any flags; UDP sets always have mask 0). */
struct cond {
	struct addr target;
	uint8_t mask, set;
};

/* Ports LO..HI of PROTO under condition COND (an index into the
 * condition table, in the order the doors first used them). */
struct span {
	size_t cond;
	uint8_t proto;
	uint16_t lo, hi;
};

struct pool {
	struct cond *conds;
	size_t nconds;
	struct span *spans;
	size_t nspans;
};

static bool cond_equal(const struct cond *a, const struct cond *b)
{
	if (a->mask != b->mask || a->set != b->set ||
	    a->target.family != b->target.family)
		return false;
	return !a->target.family || addr_equal(&a->target, &b->target);
}

/* The tables are sized for the config before any add (see pool_init), so
 * adding cannot fail. */
static void add(struct pool *p, const struct door *d, uint8_t proto,
		uint8_t mask, uint8_t set, uint16_t lo, uint16_t hi)
{
	struct cond c = { .mask = mask, .set = set };
	size_t i;

	if (d->target.family == AF_INET || d->target.family == AF_INET6)
		c.target = d->target;
	if (proto != PROTO_TCP)
		c.mask = c.set = 0;
	if (!c.mask)
		c.set = 0;
	for (i = 0; i < p->nconds && !cond_equal(&p->conds[i], &c); i++)
		;
	if (i == p->nconds)
		p->conds[p->nconds++] = c;
	p->spans[p->nspans++] = (struct span){ i, proto, lo, hi };
}

/* Most spans one door can add: its sequence, all TCP and UDP (one-time
 * sequences), a rotating range per protocol, its SPA port. */
#define DOOR_SPANS_MAX (CONFIG_SEQ_MAX + 5)

static int pool_init(struct pool *p, size_t ndoors)
{
	/* A door uses at most three conditions: its TCPFlags, a rotating
	 * door's default flags, and none (UDP). */
	p->conds = calloc(3 * ndoors + 1, sizeof *p->conds);
	p->spans = calloc(DOOR_SPANS_MAX * ndoors + 1, sizeof *p->spans);
	p->nconds = p->nspans = 0;
	if (!p->conds || !p->spans) {
		free(p->conds);
		free(p->spans);
		return -ENOMEM;
	}
	return 0;
}

static void pool_fini(struct pool *p)
{
	free(p->conds);
	free(p->spans);
}

/* A sequence door: each port of its sequence (TCP under its TCPFlags);
 * with One_Time_Sequences every port, as its ports change while the
 * filter stays locked. */
static void add_sequence_door(struct pool *p, const struct door *d)
{
	uint8_t mask = d->has_tcpflags ? d->tcpflags_set | d->tcpflags_clear : 0;

	if (d->one_time_file) {
		add(p, d, PROTO_TCP, mask, d->tcpflags_set, 0, UINT16_MAX);
		add(p, d, PROTO_UDP, 0, 0, 0, UINT16_MAX);
		return;
	}
	for (size_t i = 0; i < d->seq_len && i < CONFIG_SEQ_MAX; i++)
		add(p, d, d->seq[i].proto, mask, d->tcpflags_set,
		    d->seq[i].port, d->seq[i].port);
}

/* A rotating door: every port of Sequence_Ports may be a knock (the
 * excluded ones are few and the worker tells them apart).  Without
 * TCPFlags, TCP knocks are SYNs without ACK: the range is wide, and the
 * replies to the server's own connections land in it. */
static void add_rotating_door(struct pool *p, const struct door *d)
{
	uint8_t set = d->has_tcpflags ? d->tcpflags_set : TCPF_SYN;
	uint8_t mask = d->has_tcpflags ? d->tcpflags_set | d->tcpflags_clear
				       : TCPF_SYN | TCPF_ACK;

	if (d->rot_protos != ROTSEQ_UDP)
		add(p, d, PROTO_TCP, mask, set, d->rot_low, d->rot_high);
	if (d->rot_protos != ROTSEQ_TCP)
		add(p, d, PROTO_UDP, 0, 0, d->rot_low, d->rot_high);
}

static int span_cmp(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	if (x->cond != y->cond)
		return x->cond < y->cond ? -1 : 1;
	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return (x->hi > y->hi) - (x->hi < y->hi);
}

/* Sorts the spans and merges those of one condition and protocol that
 * overlap or touch: each port once, adjacent ports as one range. */
static void pool_merge(struct pool *p)
{
	size_t n = 0;

	qsort(p->spans, p->nspans, sizeof *p->spans, span_cmp);
	for (size_t i = 0; i < p->nspans; i++) {
		struct span *last = n ? &p->spans[n - 1] : NULL;
		const struct span *s = &p->spans[i];

		if (last && last->cond == s->cond && last->proto == s->proto &&
		    (uint32_t)s->lo <= (uint32_t)last->hi + 1) {
			if (s->hi > last->hi)
				last->hi = s->hi;
			continue;
		}
		p->spans[n++] = *s;
	}
	p->nspans = n;
}

/* "tcp", "(tcp dst port A)", "(udp dst port A or udp dst portrange B-C)"
 * for the spans S[0..N) (one condition and protocol, merged). */
static void put_ports(struct strbuf *t, const struct span *s, size_t n)
{
	const char *name = port_proto_name(s[0].proto);

	if (n == 1 && s[0].lo == 0 && s[0].hi == UINT16_MAX) {
		strbuf_puts(t, name);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		strbuf_printf(t, "%s%s dst port", i ? " or " : "(", name);
		if (s[i].lo == s[i].hi)
			strbuf_printf(t, " %u", (unsigned)s[i].lo);
		else
			strbuf_printf(t, "range %u-%u", (unsigned)s[i].lo,
				      (unsigned)s[i].hi);
	}
	strbuf_puts(t, ")");
}

/* The ports of one condition: TCP tested on the flags byte, which is on
 * IPv4 only: libpcap cannot index into TCP behind an IPv6 header. */
static void put_cond(struct strbuf *t, const struct cond *c,
		     const struct span *s, size_t n)
{
	char addr[ADDR_STRLEN];
	bool flags = s[0].proto == PROTO_TCP && c->mask;

	strbuf_puts(t, "(");
	if (c->target.family)
		strbuf_printf(t, "dst host %s and ",
			      addr_format(&c->target, addr, sizeof addr));
	/* The flags test first: libpcap's optimizer then shares it, where
	 * after the ports it is repeated on the path of each port (about
	 * three times the instructions for a long list). */
	if (flags)
		strbuf_printf(t, "(ip6 or tcp[13] & 0x%02x == 0x%02x) and ",
			      (unsigned)c->mask, (unsigned)c->set);
	put_ports(t, s, n);
	strbuf_puts(t, ")");
}

int capture_filter_build(const struct config *cfg, char *buf, size_t len)
{
	struct strbuf t;
	struct pool p;
	int rc;

	if (!cfg || !buf || !len)
		return -EINVAL;
	rc = pool_init(&p, cfg->ndoors);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < cfg->ndoors; i++) {
		const struct door *d = &cfg->doors[i];

		if (door_is_sequence(d))
			add_sequence_door(&p, d);
		if (door_is_rotating(d))
			add_rotating_door(&p, d);
		if (door_is_spa(d))
			add(&p, d, PROTO_UDP, 0, 0, d->spa_port, d->spa_port);
	}
	if (!p.nspans) {
		pool_fini(&p);
		return -EINVAL;
	}
	pool_merge(&p);
	strbuf_init_fixed(&t, buf, len);
	/* BPF sees only the first next header of IPv6; let the decoder walk
	 * chains of extension headers (fragment included: first fragments
	 * may be knocks, packet_decode refuses the others).  First: written
	 * after a long list of ports, libpcap's optimizer repeats it on the
	 * path of each port (about four times the instructions). */
	strbuf_puts(&t, "(ip6 and (ip6[6] == 0 or ip6[6] == 43 or ip6[6] == 44"
		    " or ip6[6] == 51 or ip6[6] == 60))");
	for (size_t i = 0, j; i < p.nspans; i = j) {
		for (j = i + 1; j < p.nspans && p.spans[j].cond == p.spans[i].cond &&
				p.spans[j].proto == p.spans[i].proto; j++)
			;
		strbuf_puts(&t, " or ");
		put_cond(&t, &p.conds[p.spans[i].cond], &p.spans[i], j - i);
	}
	pool_fini(&p);
	if (strbuf_failed(&t)) {
		buf[0] = '\0';
		return -ENOSPC;
	}
	return (int)t.len;
}
