/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nft_query — read-only questions to nf_tables over a raw netlink socket:
 * the ruleset generation, the sets and rules of our table, and the live
 * elements of a set with the milliseconds they have left.
 *
 * libnftables answers such questions only as text meant for people
 * (seconds rounded, formats that change between versions); these are the
 * kernel's own numbers.  Every reply is length-checked attribute by
 * attribute before use.  One change goes through here too, the grant's hot
 * path: adding elements to a set, as one netlink batch, without the
 * ruleset cache libnftables reads back before every command.  Everything
 * else changes through libnftables transactions (gate_nft.c).
 */
#ifndef SESAME_NFT_QUERY_H
#define SESAME_NFT_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct nftq {
	int fd;
	uint32_t seq;
	uint8_t *buf;                   /* receive buffer */
};

/* Opens the netlink socket.  0 or -errno (EPROTONOSUPPORT: no nfnetlink). */
int nftq_open(struct nftq *q);
void nftq_close(struct nftq *q);

/* The ruleset generation: it changes with every committed transaction,
 * ours and everybody else's.  0 or -errno (EPERM: no CAP_NET_ADMIN;
 * EOPNOTSUPP/ENOENT: no nf_tables in the kernel). */
int nftq_genid(struct nftq *q, uint32_t *gen);

/* Calls FN for every named set of inet TABLE.  -ENOENT: no such table. */
typedef void (*nftq_set_fn)(void *ctx, const char *name, uint32_t key_len, uint32_t flags);
int nftq_sets(struct nftq *q, const char *table, nftq_set_fn fn, void *ctx);

/* Counts the rules of inet TABLE's CHAIN (0 when either is missing). */
int nftq_rules(struct nftq *q, const char *table, const char *chain, size_t *count);

/* Calls FN for every live element of inet TABLE's SET: its key bytes and
 * the milliseconds until it expires (0: no timeout).  -ENOENT: no such
 * table or set. */
typedef void (*nftq_elem_fn)(void *ctx, const uint8_t *key, size_t keylen,
			     uint64_t expires_ms);
int nftq_elems(struct nftq *q, const char *table, const char *set,
	       nftq_elem_fn fn, void *ctx);

/* Adds N elements (KEYS: N keys of KEYLEN bytes each, as the kernel keeps
 * them) to inet TABLE's SET with TIMEOUT_MS, in one transaction.  RENEW:
 * the kernel restarts the timeout of an element that is already there
 * when given its expiration again; else the element is added, deleted and
 * added in the same transaction (older kernels keep an existing element's
 * running timeout on a plain add).  Returns 0 or -errno (the kernel's
 * answer: ENOENT, no such table or set). */
int nftq_add_elems(struct nftq *q, const char *table, const char *set,
		   const uint8_t *keys, size_t n, size_t keylen,
		   uint64_t timeout_ms, bool renew);

/* Several such additions (to sets of one table) in one transaction: all
 * or none.  -EMSGSIZE: more than one batch holds (about 128 KiB: some
 * 800 elements with RENEW, 300 without); split them. */
struct nftq_elems {
	const char *set;
	const uint8_t *keys;            /* N keys of KEYLEN bytes */
	size_t n, keylen;
	uint64_t timeout_ms;
};
int nftq_add_elems_many(struct nftq *q, const char *table, const struct nftq_elems *e,
			size_t ne, bool renew);

#endif
