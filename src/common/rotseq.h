/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rotseq — rotating knock sequences: the derivation both ends compute.
 *
 * A rotating door gives each client a secret; the sequence a client knocks
 * depends on the secret, the door's name and the current time step, so a
 * sniffed knock is worth nothing once its step has passed (and the daemon
 * spends it at once anyway).  docs/rotating.md publishes the derivation
 * with test vectors, so that any client can implement it:
 *
 *   counter = floor(unix_time / period)                    (RFC 6238)
 *   M       = door name ‖ counter (8 bytes, big-endian)
 *   block 0 = HMAC-SHA256(secret, M)
 *   block i = HMAC-SHA256(secret, M ‖ i (1 byte)), i = 1..255
 *   draws   = the blocks' bytes as 32-bit big-endian numbers, in order
 *   each draw u: with S the allowed ports (ascending) and n = |S| (tcp,
 *   udp) or 2|S| (mixed), u is rejected when u >= 2^32 - 2^32 mod n;
 *   else k = u mod n picks S[k] (tcp, udp) or S[k/2], over tcp when k is
 *   even and udp when odd (mixed); a port already drawn is rejected too.
 *
 * With Sequence_Bind_Address the first knock is drawn as above, and the
 * others from the stream of M ‖ the knocker's address (4 or 16 bytes),
 * a port equal to the first knock's rejected as well.
 *
 * The allowed set S is Sequence_Ports minus the excluded ports (on the
 * daemon: every door's Open and SPA ports and the ports named in
 * /etc/services; the client is told the same, see docs/rotating.md).
 *
 * Secret files: one line per client, "NAME BASE64SECRET" (secret 16..64
 * bytes); '#' comments and blank lines ignored.
 */
#ifndef SESAME_ROTSEQ_H
#define SESAME_ROTSEQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "config.h"

#define ROTSEQ_SECRET_MIN 16
#define ROTSEQ_SECRET_MAX 64
#define ROTSEQ_NAME_MAX   64            /* client name, with NUL */
#define ROTSEQ_CLIENTS_MAX 65536        /* lines in one Sequence_Secrets file */
#define ROTSEQ_LEN_MIN    2
#define ROTSEQ_LEN_MAX    CONFIG_SEQ_MAX
#define ROTSEQ_PERIOD_MAX 86400         /* Sequence_Period: a day */
#define ROTSEQ_BLOCKS     256           /* HMAC blocks at most per sequence */

enum rotseq_protos { ROTSEQ_TCP = 0, ROTSEQ_UDP, ROTSEQ_MIXED };

struct rotseq_secret {
	char name[ROTSEQ_NAME_MAX];
	uint8_t key[ROTSEQ_SECRET_MAX];
	size_t len;
	unsigned line;                  /* where it was read */
};

/* The ports a sequence may use, ascending. */
struct rotseq_set {
	uint16_t *ports;
	size_t n;
};

/* A bitmap of 65536 ports: bit P set when port P is excluded. */
#define ROTSEQ_BITMAP_BYTES (65536 / 8)
static inline void rotseq_bit_set(uint8_t *bm, uint16_t p)
{
	bm[p / 8] |= (uint8_t)(1u << (p % 8));
}
static inline bool rotseq_bit(const uint8_t *bm, uint16_t p)
{
	return (bm[p / 8] >> (p % 8)) & 1;
}

/* floor(UNIX_TIME / PERIOD), 0 before 1970 (PERIOD >= 1). */
uint64_t rotseq_counter(int64_t unix_time, unsigned period);

/* S = LOW..HIGH minus the ports set in EXCLUDED (may be NULL).  Returns 0
 * or -ENOMEM; an empty set is allowed here (the caller decides). */
int rotseq_set_build(uint16_t low, uint16_t high, const uint8_t *excluded,
		     struct rotseq_set *out);
void rotseq_set_fini(struct rotseq_set *s);

/* The sequence of LENGTH (2..32) steps for (KEY, DOOR, COUNTER), BIND
 * mixed in when not NULL.  Returns 0, -EINVAL for bad arguments (or a set
 * smaller than LENGTH), -ERANGE when 256 blocks were not enough (a set
 * barely larger than LENGTH), -EIO when the HMAC fails. */
int rotseq_derive(const uint8_t *key, size_t keylen, const char *door, uint64_t counter,
		  const struct addr *bind, const struct rotseq_set *set,
		  enum rotseq_protos protos, size_t length, struct port_proto *out);

/* The services(5) file both ends read by default. */
#define ROTSEQ_SERVICES "/etc/services"

/* The allowed set of rotating door D of CFG: Sequence_Ports minus every
 * door's Open ports and SPA_Port, and the ports named in SERVICES (NULL:
 * none; a missing file excludes nothing).  0 or -errno. */
int rotseq_door_set(const struct config *cfg, const struct door *d, const char *services,
		    struct rotseq_set *out);

/* Marks in EXCLUDED every port named in a services(5) file at PATH: for
 * tcp or udp, or with ANY_PROTO for any protocol.  Lines that do not parse
 * are skipped (the file is only a list of ports to avoid).  Returns 0 or
 * -errno (a missing file is -ENOENT: the caller decides). */
int rotseq_services_exclude(const char *path, bool any_proto, uint8_t *excluded);

/* "LOW-HIGH" or "PORT" into *LOW, *HIGH. */
bool rotseq_parse_range(const char *s, uint16_t *low, uint16_t *high);
/* "tcp", "udp", "mixed" (any case). */
bool rotseq_parse_protos(const char *s, enum rotseq_protos *out);
const char *rotseq_protos_name(enum rotseq_protos p);

/* Parses the secret lines of TEXT (NAME for messages).  Returns the
 * count (>= 0) with *OUT allocated (rotseq_secrets_free), or -EINVAL
 * after reporting every bad line through DIAG (NULL: the log). */
int rotseq_secrets_parse(const char *name, const char *text, size_t len,
			 config_diag_fn diag, void *ctx, struct rotseq_secret **out);
/* The server's Sequence_Secrets file (no access for others). */
int rotseq_secrets_load(const char *path, config_diag_fn diag, void *ctx,
			struct rotseq_secret **out);
/* A client's secret file: exactly one line, owner-only access. */
int rotseq_secret_load_client(const char *path, config_diag_fn diag, void *ctx,
			      struct rotseq_secret *out);
/* "NAME BASE64SECRET\n" into BUF.  0 or -ENOSPC. */
int rotseq_secret_format(const struct rotseq_secret *s, char *buf, size_t len);
void rotseq_secrets_free(struct rotseq_secret *s, size_t n);

#endif
