/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nft_render — the nftables text of the native gate.  Pure: it builds
 * libnftables scripts from a config and never talks to the kernel, so
 * the exact rules are checked by unit tests (tests/unit/
 * test_gate_nft_render.c) and documented in docs/gate.md.
 *
 * The table (one libnftables transaction, see nft_render_load):
 *
 *   table inet <NftTable> {
 *     set <door>_v4 { type ipv4_addr . inet_proto . inet_service; flags timeout; }
 *     set <door>_v6 { type ipv6_addr . inet_proto . inet_service; flags timeout; }
 *     chain input {
 *       type filter hook input priority filter - 10; policy accept;
 *       ct state established,related accept
 *       meta l4proto . th dport { <door's Open> } ip saddr . meta l4proto . th dport @<door>_v4 accept
 *       meta l4proto . th dport { <door's Open> } ip6 saddr . meta l4proto . th dport @<door>_v6 accept
 *       ...        (two rules per door with Open, except Forward_To doors)
 *       meta l4proto . th dport { <every guarded, knock and SPA port> } drop
 *     }
 *     chain forward {                          (only with a Forward door)
 *       type filter hook forward priority filter - 10; policy accept;
 *       ct state established,related accept
 *       meta l4proto tcp <scope> ct original proto-dst 2222 ip saddr . meta l4proto . ct original proto-dst @<door>_v4 accept
 *       ... (v6 likewise; one rule per port of Open; every door's accepts, then:)
 *       meta l4proto tcp <scope> ct original proto-dst 2222 drop
 *     }
 *   }
 *
 * <scope> is "ct status dnat" (any port forward: a connection whose
 * destination a DNAT rewrote, whoever installed it), or the door's
 * Forward_To, "ip daddr A [th dport P]" (the destination after any DNAT).
 * Forward doors' Open ports are the ports the client sent to (the
 * conntrack original tuple), so one set element (source, proto, port)
 * serves both paths.  A Forward door without Forward_To also guards its
 * ports on the input path (a local proxy such as docker-proxy listens
 * there); one with Forward_To guards that destination only.  DNAT runs in prerouting at priority -100; by the
 * forward hook the header holds the rewritten port, hence ct original.
 *
 * A set element is (source address, protocol, port), so a grant may open
 * a subset of a door's ports (an SPA client asking for tcp/22 of a door
 * guarding 22 and 443 gets 22 only).  The door's own port list in front of
 * its set lookup keeps a stale element from opening a port the door no
 * longer guards after a reload.
 */
#ifndef SESAME_NFT_RENDER_H
#define SESAME_NFT_RENDER_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "grant.h"
#include "strbuf.h"

#define NFT_CHAIN        "input"
#define NFT_FORWARD_CHAIN "forward"
/* Before the filter-priority forward chains of iptables-nft (Docker's
 * FORWARD and DOCKER-USER, libvirt), Docker's and libvirt's own nft
 * tables and netavark (all at filter), and firewalld (filter + 10). */
#define NFT_FORWARD_PRIORITY "filter - 10"
/* Longest set name we make, with NUL: door name, "_v4", NUL. */
#define NFT_SETNAME_MAX  (CONFIG_NAME_MAX + 4)
/* Key lengths the kernel reports for our set types (each field of a
 * concatenation padded to 4 bytes): addr . proto . port. */
#define NFT_KEYLEN_V4    12u
#define NFT_KEYLEN_V6    24u

/* The one rule for NftTable and `sesame rules --table`: a name nft
 * reads unquoted in any ruleset and that is also fine as an iptables
 * chain or xt_recent list prefix: [A-Za-z_][A-Za-z0-9_]*, 1..63 bytes.
 * (nft itself would take '-', '.' and '/' after the first byte; the
 * other tools and a shell do not all agree, so we do not.) */
bool nft_table_name_ok(const char *name);
#define NFT_TABLE_NAME_RULE \
	"letters, digits and '_', starting with a letter or '_', at most 63"

/* Set name of door I for FAMILY (AF_INET/AF_INET6): the door's name with
 * every byte outside [A-Za-z0-9_] replaced by '_' (and a leading digit
 * prefixed by '_'), then "_v4" or "_v6".  Returns BUF. */
const char *nft_set_name(const struct config *cfg, size_t i, int family,
			 char *buf, size_t len);

/* NAME as an nft identifier (the same mapping): written to BUF, which
 * must hold strlen(NAME) + 2 bytes.  Returns the length written. */
size_t nft_ident(const char *name, char *buf, size_t len);

/* Checks what the kernel would refuse or what would be ambiguous: the
 * table name, and two gated doors whose names map to the same set.
 * Returns true, or false with one line in ERR. */
bool nft_config_ok(const struct config *cfg, char *err, size_t errlen);

/* True for a door the gate makes sets for (it has Open). */
bool nft_door_gated(const struct door *d);
/* True for a gated door with Forward = yes; nft_wants_forward(): any. */
bool nft_door_forwarded(const struct door *d);
/* True for a gated door that guards its ports on the input path: all but
 * those with Forward_To, which guard that one inner destination only. */
bool nft_door_input(const struct door *d);
bool nft_wants_forward(const struct config *cfg);

/* The whole table as one script: add table, add chain(s), flush
 * chain(s), delete the sets named in DROP_SETS (NDROP of them: sets of
 * doors that disappeared, or of a wrong type), add the sets (a no-op for
 * existing ones, which keep their elements), add the rules.  With
 * DROP_FORWARD and no Forward door, the forward chain (left by an earlier
 * config) is deleted.  Appends to OUT. */
void nft_render_load(const struct config *cfg, const char *const *drop_sets,
		     size_t ndrop, bool drop_forward, struct strbuf *out);
/* Rules nft_render_load() puts in the input chain and in the forward
 * chain (0: no forward chain), to notice tampering. */
size_t nft_render_rule_count(const struct config *cfg);
size_t nft_render_forward_rule_count(const struct config *cfg);

/* The two transactions that tell whether a plain add refreshes an
 * element's timeout (set PROBE_SET, element timeout 1000 s then 2000 s),
 * and the one that removes the probe set. */
#define NFT_PROBE_SET "sesame_probe"
void nft_render_probe(const char *table, int step, struct strbuf *out);

/* Deletes the element (A, PP) of door DOOR's set for A's family (a
 * grant's port, `sesame revoke`).  Appends one line to OUT. */
void nft_render_revoke(const struct config *cfg, size_t door, const struct addr *a,
		       const struct port_proto *pp, struct strbuf *out);

/* "delete table inet NAME". */
void nft_render_remove(const char *table, struct strbuf *out);

#endif
