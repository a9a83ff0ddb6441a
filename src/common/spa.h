/* SPDX-License-Identifier: GPL-2.0-or-later */
/* spa — sesame's native single-packet-authorization wire format.
 *
 * Shared by the client (`sesame spa`) and the daemon; it knows nothing of
 * doors, policies or firewalls.  The format is specified byte by byte in
 * docs/spa-protocol.md.  In short, one 128-byte UDP payload:
 *
 *   0   version (2; 1 is the legacy format)
 *   1   key id (8)       first 8 bytes of SHA-256("sesame-spa-v1 key id" || key)
 *   9   nonce (12)       random
 *   21  timestamp (8)    big-endian seconds since the epoch
 *   29  ciphertext (83)  ChaCha20-Poly1305 of the request body
 *   112 tag (16)
 *
 * Bytes 0..28 are the associated data: authenticated, not encrypted, so
 * that the daemon can check size, version, key id and time before it
 * spends an AEAD open on a packet.  Version 2 bodies also name the UDP
 * port the packet was sent to and, optionally, the door it was made for,
 * so that a packet redirected to another door's port opens nothing.
 */
#ifndef SESAME_SPA_H
#define SESAME_SPA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "config.h"

#define SPA_VERSION       2        /* what encoders write by default */
#define SPA_VERSION_LEGACY 1       /* no port, no door: decoded on request */
#define SPA_KEY_LEN       32
#define SPA_KEYID_LEN     8
#define SPA_NONCE_LEN     12
#define SPA_TAG_LEN       16
#define SPA_HEADER_LEN    29
#define SPA_PACKET_LEN    128
#define SPA_BODY_LEN      (SPA_PACKET_LEN - SPA_HEADER_LEN - SPA_TAG_LEN)
#define SPA_PORTS_MAX     16
#define SPA_DOOR_TAG_LEN  8
#define SPA_DEFAULT_PORT  62201

/* The clear, authenticated header. */
struct spa_header {
	uint8_t version;
	uint8_t key_id[SPA_KEYID_LEN];
	uint8_t nonce[SPA_NONCE_LEN];
	uint64_t timestamp;
};

/* What a client asks for. */
struct spa_request {
	uint8_t version;                /* 0: SPA_VERSION */
	uint64_t timestamp;             /* wall-clock seconds */
	uint16_t dport;                 /* v2: the UDP port it is sent to */
	uint8_t door_tag[SPA_DOOR_TAG_LEN]; /* v2: spa_door_tag(), zeros: any door */
	struct addr addr;               /* family 0: the packet's source */
	size_t nports;                  /* 0: every port the door guards */
	struct port_proto ports[SPA_PORTS_MAX];
};

/* Key id of KEY (domain-separated hash, so it reveals nothing of KEY). */
void spa_key_id(const uint8_t key[SPA_KEY_LEN], uint8_t id[SPA_KEYID_LEN]);

/* Tag of door NAME (domain-separated hash, never all zero), which a v2
 * request may carry to say which door it is for. */
void spa_door_tag(const char *name, uint8_t tag[SPA_DOOR_TAG_LEN]);

/* An AEAD context, reused across packets so the daemon's hot path
 * allocates nothing.  NULL on allocation failure. */
struct spa_aead;
struct spa_aead *spa_aead_new(void);
void spa_aead_free(struct spa_aead *c);

/* Seals REQ under KEY with NONCE into OUT.  C may be NULL (a temporary
 * context is used).  Returns 0, -EINVAL for a request that cannot be
 * encoded (too many ports, bad proto, port 0, bad family, an unknown
 * version, a v2 request without dport, a v1 request with dport or door
 * tag) or -EIO. */
int spa_encode(struct spa_aead *c, const uint8_t key[SPA_KEY_LEN],
	       const uint8_t nonce[SPA_NONCE_LEN], const struct spa_request *req,
	       uint8_t out[SPA_PACKET_LEN]);

/* The cheap checks: exact size, then version (SPA_VERSION or
 * SPA_VERSION_LEGACY: whether the legacy one is welcome is the caller's
 * policy).  Returns 0 and fills H, -EMSGSIZE for a wrong size,
 * -EPROTONOSUPPORT for another version. */
int spa_parse_header(const uint8_t *pkt, size_t len, struct spa_header *h);

/* Opens a packet that passed spa_parse_header.  Returns 0 and fills OUT,
 * -EBADMSG when authentication fails (wrong key, any bit changed), or
 * -EINVAL for an authentic body that breaks the format's rules (only a
 * buggy or hostile key holder makes those).  OUT is wiped on failure. */
int spa_open(struct spa_aead *c, const uint8_t key[SPA_KEY_LEN],
	     const uint8_t *pkt, size_t len, struct spa_request *out);

#endif
