/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rules — compiles sequence doors into firewall rules that knock with no
 * daemon at all (`sesame rules`, docs/rules.md).
 *
 * Two back ends, one model: per door, a "started" list that expires
 * Seq_Timeout after the first knock (so the timeout bounds the whole
 * sequence, as in sesamed), one list per intermediate step holding the
 * sources exactly at that step, and an "open" list that the guarded ports
 * accept for Open_Timeout.  A knock on one of the door's ports that is not
 * the expected next step removes the source from every list; the first
 * port always starts over.  Every knock is dropped (stealth).
 *
 * What a firewall cannot express exactly is refused, not approximated:
 * one-time sequences, a port used twice in one sequence, a knock port that
 * is also a guarded port, doors with no ports to open.
 */
#ifndef SESAME_RULES_H
#define SESAME_RULES_H

#include <stdbool.h>
#include <stdio.h>

#include "config.h"

enum rules_format { RULES_NFT, RULES_IPTABLES };

struct rules_opts {
	enum rules_format format;
	int family;                     /* iptables only: 4 or 6 */
	const char *table;              /* nft table name */
	/* For doors without Open (knockd.conf): --open and --timeout. */
	struct port_proto open[CONFIG_OPEN_MAX];
	size_t open_len;
	unsigned open_timeout_s;        /* 0: the door's, else this */
	/* For doors without Forward: --forward and --forward-to. */
	bool forward;
	struct addr forward_to;         /* family 0: any DNAT destination */
	uint16_t forward_to_port;
	unsigned set_size;              /* nft set size / documented limit */
};

/* The guarded ports and grant time that apply to D under O. */
struct rules_door {
	const struct door *door;
	unsigned index;                 /* in the config, for unique names */
	const struct port_proto *open;
	size_t open_len;
	unsigned open_timeout_s;
	/* Also guard forwarded connections (nft only): see docs/gate.md. */
	bool forward;
	const struct addr *forward_to;  /* family 0: any DNAT destination */
	uint16_t forward_to_port;
};

/* Resolves D under O into RD, or returns false with the reason in ERR. */
bool rules_door_prepare(const struct door *d, unsigned index,
			const struct rules_opts *o, struct rules_door *rd,
			char *err, size_t errlen);

void rules_print_nft(FILE *out, const struct rules_door *doors, size_t n,
		     const struct rules_opts *o);
void rules_print_iptables(FILE *out, const struct rules_door *doors, size_t n,
			  const struct rules_opts *o);

#endif
