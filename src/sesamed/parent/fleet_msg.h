/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fleet_msg — the grant message gateways of one fleet exchange through
 * Redis, and its checks.
 *
 * One line of text, fields separated by one space:
 *
 *     sesame-fleet/1 NODE DOOR ADDR PORTS ISSUED_MS EXPIRE_MS MAC
 *
 * NODE the gateway that granted ([A-Za-z0-9._-]{1,63}), DOOR the door's
 * name (a space in it written "%20", a '%' "%25"), ADDR the numeric address let in, PORTS "22/tcp,443/tcp" or "-"
 * (a door with commands only), ISSUED_MS and EXPIRE_MS Unix time in
 * milliseconds, MAC the 64 lowercase hex digits of
 * HMAC-SHA256(fleet key, NAMESPACE "\n" everything before " MAC").
 * Binding the namespace (Fleet_Name) keeps two fleets sharing one Redis
 * and one key apart.
 *
 * Whoever can write to Redis can write such a line; only a holder of the
 * fleet key can make one that fleet_msg_parse() accepts, and even then
 * fleet_msg_grant() lets it open only what the receiving gateway's own
 * config guards: a door of that name with Fleet = yes, ports among its
 * Open, a lifetime within its timeout, not expired, not from the future.
 */
#ifndef SESAME_FLEET_MSG_H
#define SESAME_FLEET_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "config.h"
#include "grant.h"

#define FLEET_KEY_LEN   32
#define FLEET_MSG_MAX   512     /* longest line, with NUL */
/* How far ahead of our clock a message may be issued (clocks of the
 * gateways differ a little). */
#define FLEET_SKEW_MS   10000

struct fleet_grant {
	char node[CONFIG_FLEET_NODE_MAX];
	char door[CONFIG_NAME_MAX];
	struct addr addr;
	uint32_t nports;
	struct port_proto ports[CONFIG_OPEN_MAX];
	uint64_t issued_ms, expire_ms;  /* Unix time */
};

/* The line for FG, signed with KEY for namespace NS, into BUF.  Returns
 * its length or -ENOSPC / -EINVAL (a field that cannot be written). */
int fleet_msg_format(const struct fleet_grant *fg, const uint8_t key[FLEET_KEY_LEN],
		     const char *ns, char *buf, size_t len);

/* Parses the LEN bytes of MSG (not NUL-terminated; any bytes) and checks
 * its MAC under KEY and NS before anything else.  Returns NULL and fills
 * *OUT, or what is wrong (for the log). */
const char *fleet_msg_parse(const char *msg, size_t len, const uint8_t key[FLEET_KEY_LEN],
			    const char *ns, struct fleet_grant *out);

/* The grant FG asks of this gateway under CFG at NOW_MS (Unix time),
 * with its remaining lifetime.  MAX_AGE_MS: refuse messages issued
 * longer ago (0: any age, while not expired — a resync).  Returns NULL
 * and fills *OUT (a grant grant_validate() accepts), or why not. */
const char *fleet_msg_grant(const struct fleet_grant *fg, const struct config *cfg,
			    uint64_t now_ms, uint64_t max_age_ms, struct grant *out);

/* The message for GR, granted by NODE under CFG at NOW_MS: every port
 * spelled out (a door's Open may differ between gateways), the door's
 * timeout when GR has none.  Returns 0 or -EINVAL. */
int fleet_grant_from(const struct grant *gr, const struct config *cfg, const char *node,
		     uint64_t now_ms, struct fleet_grant *out);

#endif
