/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nft_query — see nft_query.h. */
#include "nft_query.h"

#include <endian.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define RECV_BUF  (64 * 1024)
#define NAME_MAX_ 256                   /* NFT_NAME_MAXLEN */

int nftq_open(struct nftq *q)
{
	memset(q, 0, sizeof *q);
	q->fd = -1;
	q->buf = malloc(RECV_BUF);
	if (!q->buf)
		return -ENOMEM;
	q->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
	if (q->fd < 0) {
		int e = errno;
		nftq_close(q);
		return -e;
	}
	/* A reply that never comes must not hang the daemon's loop. */
	struct timeval tv = { .tv_sec = 2 };
	setsockopt(q->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	q->seq = (uint32_t)getpid() << 8;
	return 0;
}

void nftq_close(struct nftq *q)
{
	if (q->fd >= 0)
		close(q->fd);
	free(q->buf);
	q->fd = -1;
	q->buf = NULL;
}

/* --- requests ------------------------------------------------------- */

struct req {
	uint8_t b[1024];
	size_t len;
};

static void req_start(struct req *r, uint16_t msg, uint16_t flags, uint8_t family, uint32_t seq)
{
	memset(r, 0, sizeof *r);
	struct nlmsghdr *h = (struct nlmsghdr *)r->b;
	h->nlmsg_type = (uint16_t)((NFNL_SUBSYS_NFTABLES << 8) | msg);
	h->nlmsg_flags = (uint16_t)(NLM_F_REQUEST | flags);
	h->nlmsg_seq = seq;
	struct nfgenmsg *g = (struct nfgenmsg *)(r->b + NLMSG_HDRLEN);
	g->nfgen_family = family;
	g->version = NFNETLINK_V0;
	r->len = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof *g);
}

static bool req_str(struct req *r, uint16_t type, const char *s)
{
	size_t slen = strnlen(s, NAME_MAX_);
	if (slen >= NAME_MAX_)
		return false;
	size_t alen = NLA_HDRLEN + slen + 1;
	if (r->len + NLA_ALIGN(alen) > sizeof r->b)
		return false;
	struct nlattr *a = (struct nlattr *)(r->b + r->len);
	a->nla_type = type;
	a->nla_len = (uint16_t)alen;
	memcpy(r->b + r->len + NLA_HDRLEN, s, slen + 1);
	r->len += NLA_ALIGN(alen);
	return true;
}

/* --- replies -------------------------------------------------------- */

/* Called with the payload after struct nfgenmsg of each data message. */
typedef void (*msg_fn)(void *ctx, const uint8_t *p, size_t len);

/* One datagram from the kernel into Q->buf (others' are skipped).
 * Returns its length or -errno (-ETIMEDOUT: no answer in time). */
static ssize_t recv_kernel(struct nftq *q)
{
	for (;;) {
		struct sockaddr_nl from;
		socklen_t flen = sizeof from;
		ssize_t n = recvfrom(q->fd, q->buf, RECV_BUF, MSG_TRUNC,
				     (struct sockaddr *)&from, &flen);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		}
		if (n > RECV_BUF)
			return -EMSGSIZE;
		if (flen == sizeof from && from.nl_pid == 0)
			return n;
	}
}

/* The next message of a datagram at *P (*LEFT bytes): its header H and
 * its payload PL of PLEN bytes.  1, 0 at the end, or -EBADMSG. */
static int next_msg(const uint8_t **p, size_t *left, const struct nlmsghdr **h,
		    const uint8_t **pl, size_t *plen)
{
	if (*left < NLMSG_HDRLEN)
		return 0;
	*h = (const struct nlmsghdr *)*p;
	if ((*h)->nlmsg_len < NLMSG_HDRLEN || (*h)->nlmsg_len > *left)
		return -EBADMSG;
	size_t step = NLMSG_ALIGN((*h)->nlmsg_len);
	*pl = *p + NLMSG_HDRLEN;
	*plen = (*h)->nlmsg_len - NLMSG_HDRLEN;
	if (step > *left)
		step = *left;
	*p += step;
	*left -= step;
	return 1;
}

/* Sends R and reads replies until the answer is complete: the single
 * reply of a plain request, or NLMSG_DONE of a dump. */
static int transact(struct nftq *q, struct req *r, msg_fn fn, void *ctx)
{
	struct nlmsghdr *rh = (struct nlmsghdr *)r->b;
	bool dump = rh->nlmsg_flags & NLM_F_DUMP;
	rh->nlmsg_len = (uint32_t)r->len;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	if (sendto(q->fd, r->b, r->len, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0)
		return -errno;
	for (;;) {
		ssize_t n = recv_kernel(q);
		if (n < 0)
			return (int)n;
		size_t left = (size_t)n;
		const uint8_t *p = q->buf, *pl;
		const struct nlmsghdr *h;
		size_t plen;
		int more;
		while ((more = next_msg(&p, &left, &h, &pl, &plen)) > 0) {
			if (h->nlmsg_seq != rh->nlmsg_seq)
				continue;       /* a late answer to an older question */
			if (h->nlmsg_type == NLMSG_ERROR) {
				if (plen < sizeof(struct nlmsgerr))
					return -EBADMSG;
				int err = ((const struct nlmsgerr *)pl)->error;
				return err > 0 ? -EBADMSG : err;
			}
			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
			if (plen < sizeof(struct nfgenmsg))
				return -EBADMSG;
			size_t gl = NLMSG_ALIGN(sizeof(struct nfgenmsg));
			if (gl > plen)
				gl = plen;
			fn(ctx, pl + gl, plen - gl);
			if (!dump)
				return 0;
		}
		if (more < 0)
			return more;
	}
}

/* Attribute table of one nesting level: TB[type] = payload, LEN[type]. */
#define TB_MAX 32
struct attrs {
	const uint8_t *v[TB_MAX];
	uint16_t len[TB_MAX];
};

static void parse_attrs(const uint8_t *p, size_t len, struct attrs *tb)
{
	memset(tb, 0, sizeof *tb);
	while (len >= NLA_HDRLEN) {
		struct nlattr a;
		memcpy(&a, p, sizeof a);
		if (a.nla_len < NLA_HDRLEN || a.nla_len > len)
			return;                 /* malformed: stop, keep what was sane */
		uint16_t type = a.nla_type & NLA_TYPE_MASK;
		if (type < TB_MAX) {
			tb->v[type] = p + NLA_HDRLEN;
			tb->len[type] = (uint16_t)(a.nla_len - NLA_HDRLEN);
		}
		size_t step = NLA_ALIGN(a.nla_len);
		if (step >= len)
			return;
		p += step;
		len -= step;
	}
}

static bool attr_u32(const struct attrs *tb, int type, uint32_t *out)
{
	if (!tb->v[type] || tb->len[type] < 4)
		return false;
	uint32_t be;
	memcpy(&be, tb->v[type], 4);
	*out = be32toh(be);
	return true;
}

static bool attr_u64(const struct attrs *tb, int type, uint64_t *out)
{
	if (!tb->v[type] || tb->len[type] < 8)
		return false;
	uint64_t be;
	memcpy(&be, tb->v[type], 8);
	*out = be64toh(be);
	return true;
}

/* A NUL-terminated string attribute within its length, or NULL. */
static const char *attr_str(const struct attrs *tb, int type)
{
	if (!tb->v[type] || tb->len[type] == 0 || !memchr(tb->v[type], '\0', tb->len[type]))
		return NULL;
	return (const char *)tb->v[type];
}

/* --- questions ------------------------------------------------------ */

struct gen_ctx { uint32_t gen; bool got; };

static void gen_msg(void *ctx, const uint8_t *p, size_t len)
{
	struct gen_ctx *c = ctx;
	struct attrs tb;
	parse_attrs(p, len, &tb);
	c->got = attr_u32(&tb, NFTA_GEN_ID, &c->gen);
}

int nftq_genid(struct nftq *q, uint32_t *gen)
{
	struct req r;
	req_start(&r, NFT_MSG_GETGEN, 0, AF_UNSPEC, ++q->seq);
	struct gen_ctx c = { 0, false };
	int rc = transact(q, &r, gen_msg, &c);
	if (rc < 0)
		return rc;
	if (!c.got)
		return -EBADMSG;
	*gen = c.gen;
	return 0;
}

struct set_ctx { nftq_set_fn fn; void *ctx; };

static void set_msg(void *ctx, const uint8_t *p, size_t len)
{
	struct set_ctx *c = ctx;
	struct attrs tb;
	parse_attrs(p, len, &tb);
	const char *name = attr_str(&tb, NFTA_SET_NAME);
	uint32_t key_len = 0, flags = 0;
	attr_u32(&tb, NFTA_SET_KEY_LEN, &key_len);
	attr_u32(&tb, NFTA_SET_FLAGS, &flags);
	if (name)
		c->fn(c->ctx, name, key_len, flags);
}

int nftq_sets(struct nftq *q, const char *table, nftq_set_fn fn, void *ctx)
{
	struct req r;
	req_start(&r, NFT_MSG_GETSET, NLM_F_DUMP, NFPROTO_INET, ++q->seq);
	if (!req_str(&r, NFTA_SET_TABLE, table))
		return -EINVAL;
	struct set_ctx c = { fn, ctx };
	return transact(q, &r, set_msg, &c);
}

struct rule_ctx { const char *table, *chain; size_t n; };

static void rule_msg(void *ctx, const uint8_t *p, size_t len)
{
	struct rule_ctx *c = ctx;
	struct attrs tb;
	parse_attrs(p, len, &tb);
	const char *t = attr_str(&tb, NFTA_RULE_TABLE), *ch = attr_str(&tb, NFTA_RULE_CHAIN);
	/* The kernel filters the dump already; check anyway. */
	if (t && ch && strcmp(t, c->table) == 0 && strcmp(ch, c->chain) == 0)
		c->n++;
}

int nftq_rules(struct nftq *q, const char *table, const char *chain, size_t *count)
{
	struct req r;
	req_start(&r, NFT_MSG_GETRULE, NLM_F_DUMP, NFPROTO_INET, ++q->seq);
	if (!req_str(&r, NFTA_RULE_TABLE, table) || !req_str(&r, NFTA_RULE_CHAIN, chain))
		return -EINVAL;
	struct rule_ctx c = { table, chain, 0 };
	int rc = transact(q, &r, rule_msg, &c);
	if (rc == -ENOENT)
		rc = 0, c.n = 0;
	if (rc == 0)
		*count = c.n;
	return rc;
}

struct elem_ctx { nftq_elem_fn fn; void *ctx; };

static void elem_one(struct elem_ctx *c, const uint8_t *p, size_t len)
{
	struct attrs tb, key;
	parse_attrs(p, len, &tb);
	if (!tb.v[NFTA_SET_ELEM_KEY])
		return;
	parse_attrs(tb.v[NFTA_SET_ELEM_KEY], tb.len[NFTA_SET_ELEM_KEY], &key);
	if (!key.v[NFTA_DATA_VALUE])
		return;
	uint64_t expires = 0;
	attr_u64(&tb, NFTA_SET_ELEM_EXPIRATION, &expires);
	c->fn(c->ctx, key.v[NFTA_DATA_VALUE], key.len[NFTA_DATA_VALUE], expires);
}

static void elem_msg(void *ctx, const uint8_t *p, size_t len)
{
	struct attrs tb;
	parse_attrs(p, len, &tb);
	const uint8_t *l = tb.v[NFTA_SET_ELEM_LIST_ELEMENTS];
	size_t left = tb.len[NFTA_SET_ELEM_LIST_ELEMENTS];
	if (!l)
		return;
	/* A list of NFTA_LIST_ELEM, each a nest of element attributes. */
	while (left >= NLA_HDRLEN) {
		struct nlattr a;
		memcpy(&a, l, sizeof a);
		if (a.nla_len < NLA_HDRLEN || a.nla_len > left)
			return;
		if ((a.nla_type & NLA_TYPE_MASK) == NFTA_LIST_ELEM)
			elem_one(ctx, l + NLA_HDRLEN, a.nla_len - NLA_HDRLEN);
		size_t step = NLA_ALIGN(a.nla_len);
		if (step >= left)
			return;
		l += step;
		left -= step;
	}
}

int nftq_elems(struct nftq *q, const char *table, const char *set,
	       nftq_elem_fn fn, void *ctx)
{
	struct req r;
	req_start(&r, NFT_MSG_GETSETELEM, NLM_F_DUMP, NFPROTO_INET, ++q->seq);
	if (!req_str(&r, NFTA_SET_ELEM_LIST_TABLE, table) ||
	    !req_str(&r, NFTA_SET_ELEM_LIST_SET, set))
		return -EINVAL;
	struct elem_ctx c = { fn, ctx };
	return transact(q, &r, elem_msg, &c);
}

/* --- adding elements ------------------------------------------------ */

/* Largest batch we send: well under the socket's default send buffer
 * (net.core.wmem_default, 208 KiB), which bounds one netlink message. */
#define BATCH_MAX (128 * 1024)

struct batch {
	uint8_t *b;
	size_t cap;
	size_t len;
	size_t msg;                     /* offset of the open message */
	size_t nest[4];
	size_t depth;
	bool overflow;
};

static void *batch_put(struct batch *bt, size_t n)
{
	if (bt->overflow || bt->len + NLMSG_ALIGN(n) > bt->cap) {
		bt->overflow = true;
		return NULL;
	}
	void *p = bt->b + bt->len;
	memset(p, 0, NLMSG_ALIGN(n));
	bt->len += NLMSG_ALIGN(n);
	return p;
}

static void batch_msg(struct batch *bt, uint16_t type, uint16_t flags, uint32_t seq,
		      uint16_t res_id)
{
	bt->msg = bt->len;
	struct nlmsghdr *h = batch_put(bt, NLMSG_HDRLEN);
	struct nfgenmsg *g = batch_put(bt, sizeof *g);
	if (!h || !g)
		return;
	h->nlmsg_type = type;
	h->nlmsg_flags = (uint16_t)(NLM_F_REQUEST | flags);
	h->nlmsg_seq = seq;
	g->nfgen_family = type == NFNL_MSG_BATCH_BEGIN || type == NFNL_MSG_BATCH_END ?
			  AF_UNSPEC : NFPROTO_INET;
	g->version = NFNETLINK_V0;
	g->res_id = htobe16(res_id);
}

static void batch_end_msg(struct batch *bt)
{
	if (!bt->overflow)
		((struct nlmsghdr *)(bt->b + bt->msg))->nlmsg_len = (uint32_t)(bt->len - bt->msg);
}

static void batch_attr(struct batch *bt, uint16_t type, const void *v, size_t n)
{
	struct nlattr *a = batch_put(bt, NLA_HDRLEN + n);
	if (!a)
		return;
	a->nla_type = type;
	a->nla_len = (uint16_t)(NLA_HDRLEN + n);
	memcpy((uint8_t *)a + NLA_HDRLEN, v, n);
}

static void batch_nest(struct batch *bt, uint16_t type)
{
	size_t at = bt->len;
	struct nlattr *a = batch_put(bt, NLA_HDRLEN);
	if (!a || bt->depth == sizeof bt->nest / sizeof bt->nest[0]) {
		bt->overflow = true;
		return;
	}
	a->nla_type = (uint16_t)(type | NLA_F_NESTED);
	bt->nest[bt->depth++] = at;
}

static void batch_nest_end(struct batch *bt)
{
	if (bt->overflow || bt->depth == 0)
		return;
	size_t at = bt->nest[--bt->depth];
	((struct nlattr *)(bt->b + at))->nla_len = (uint16_t)(bt->len - at);
}

static void batch_elems(struct batch *bt, uint16_t type, uint32_t seq, bool ack,
			const char *table, const char *set, const uint8_t *keys,
			size_t n, size_t keylen, uint64_t timeout_ms, bool expiration)
{
	batch_msg(bt, (uint16_t)((NFNL_SUBSYS_NFTABLES << 8) | type),
		  (uint16_t)(NLM_F_CREATE | (ack ? NLM_F_ACK : 0)), seq, 0);
	batch_attr(bt, NFTA_SET_ELEM_LIST_TABLE, table, strlen(table) + 1);
	batch_attr(bt, NFTA_SET_ELEM_LIST_SET, set, strlen(set) + 1);
	batch_nest(bt, NFTA_SET_ELEM_LIST_ELEMENTS);
	uint64_t t = htobe64(timeout_ms);
	for (size_t i = 0; i < n; i++) {
		batch_nest(bt, NFTA_LIST_ELEM);
		batch_nest(bt, NFTA_SET_ELEM_KEY);
		batch_attr(bt, NFTA_DATA_VALUE, keys + i * keylen, keylen);
		batch_nest_end(bt);
		if (type == NFT_MSG_NEWSETELEM) {
			batch_attr(bt, NFTA_SET_ELEM_TIMEOUT, &t, sizeof t);
			if (expiration)
				batch_attr(bt, NFTA_SET_ELEM_EXPIRATION, &t, sizeof t);
		}
		batch_nest_end(bt);
	}
	batch_nest_end(bt);
	batch_end_msg(bt);
}

/* The bytes batch_elems() writes for one message of N keys. */
static size_t elems_bytes(const char *table, const char *set, size_t n, size_t keylen)
{
	size_t elem = 3 * NLA_HDRLEN + NLA_ALIGN(NLA_HDRLEN + keylen) +
		      2 * NLA_ALIGN(NLA_HDRLEN + sizeof(uint64_t));
	return NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct nfgenmsg)) +
	       NLA_ALIGN(NLA_HDRLEN + strlen(table) + 1) +
	       NLA_ALIGN(NLA_HDRLEN + strlen(set) + 1) + NLA_HDRLEN + n * elem;
}

int nftq_add_elems(struct nftq *q, const char *table, const char *set,
		   const uint8_t *keys, size_t n, size_t keylen,
		   uint64_t timeout_ms, bool renew)
{
	struct nftq_elems e = { set, keys, n, keylen, timeout_ms };
	return nftq_add_elems_many(q, table, &e, 1, renew);
}

int nftq_add_elems_many(struct nftq *q, const char *table, const struct nftq_elems *e,
			size_t ne, bool renew)
{
	if (!ne || strnlen(table, NAME_MAX_) >= NAME_MAX_)
		return -EINVAL;
	size_t cap = 2 * (NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct nfgenmsg)));
	for (size_t i = 0; i < ne; i++) {
		if (!e[i].n || !e[i].keylen || e[i].keylen > NAME_MAX_ ||
		    strnlen(e[i].set, NAME_MAX_) >= NAME_MAX_)
			return -EINVAL;
		cap += (renew ? 1 : 3) * elems_bytes(table, e[i].set, e[i].n, e[i].keylen);
		if (cap > BATCH_MAX)
			return -EMSGSIZE;
	}
	struct batch *bt = calloc(1, sizeof *bt);
	if (bt)
		bt->b = malloc(cap);
	if (!bt || !bt->b) {
		free(bt);
		return -ENOMEM;
	}
	bt->cap = cap;
	uint32_t first = ++q->seq;
	batch_msg(bt, NFNL_MSG_BATCH_BEGIN, 0, first, NFNL_SUBSYS_NFTABLES);
	batch_end_msg(bt);
	/* Only the last message asks for an ack; errors come unasked. */
	for (size_t i = 0; i < ne; i++) {
		bool last_one = i + 1 == ne;
		batch_elems(bt, NFT_MSG_NEWSETELEM, ++q->seq, renew && last_one, table, e[i].set,
			    e[i].keys, e[i].n, e[i].keylen, e[i].timeout_ms, renew);
		if (!renew) {
			batch_elems(bt, NFT_MSG_DELSETELEM, ++q->seq, false, table, e[i].set,
				    e[i].keys, e[i].n, e[i].keylen, 0, false);
			batch_elems(bt, NFT_MSG_NEWSETELEM, ++q->seq, last_one, table, e[i].set,
				    e[i].keys, e[i].n, e[i].keylen, e[i].timeout_ms, false);
		}
	}
	uint32_t last = q->seq;         /* the one message that asks for an ack */
	batch_msg(bt, NFNL_MSG_BATCH_END, 0, ++q->seq, NFNL_SUBSYS_NFTABLES);
	batch_end_msg(bt);
	int rc = bt->overflow ? -EMSGSIZE : 0;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	if (rc == 0 && sendto(q->fd, bt->b, bt->len, 0, (struct sockaddr *)&kernel,
			      sizeof kernel) < 0)
		rc = -errno;
	free(bt->b);
	free(bt);
	if (rc < 0)
		return rc;
	/* An error comes for any message of ours that failed (the whole
	 * batch is then undone); the last one's ack ends the wait. */
	int err = 0;
	for (;;) {
		ssize_t got = recv_kernel(q);
		if (got < 0)
			return (int)got;
		size_t left = (size_t)got;
		const uint8_t *p = q->buf, *pl;
		const struct nlmsghdr *h;
		size_t plen;
		int more;
		while ((more = next_msg(&p, &left, &h, &pl, &plen)) > 0) {
			if (h->nlmsg_type != NLMSG_ERROR || h->nlmsg_seq < first ||
			    h->nlmsg_seq > q->seq)
				continue;
			if (plen < sizeof(struct nlmsgerr))
				return -EBADMSG;
			int e = ((const struct nlmsgerr *)pl)->error;
			if (e > 0)
				return -EBADMSG;
			if (e < 0 && !err)
				err = e;
			if (h->nlmsg_seq == last || e < 0)
				return err;
		}
		if (more < 0)
			return more;
	}
}
