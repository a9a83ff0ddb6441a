/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fwknop — the wire format of fwknop 2.x SPA packets (Rijndael + HMAC),
 * shared by the daemon (SPA_Format = fwknop doors) and the client
 * (`sesame spa --fwknop`).  It knows nothing of doors or firewalls.
 *
 * Wire format (one UDP payload, printable text, no terminator):
 *
 *   wire  = B64(CT)[10:] || B64(HMAC(hmac_key, "U2FsdGVkX1" || B64(CT)[10:]))
 *   CT    = "Salted__" || salt[8] || AES-256-CBC(key_d, iv_d, PT)  (PKCS#7)
 *   key_d || iv_d = MD5-chain KDF (OpenSSL EVP_BytesToKey, 1 round) of
 *           key || salt
 *   PT    = FIELDS ":" B64(DIGEST(FIELDS))
 *   FIELDS = rand16 ":" B64(user) ":" time ":" version ":" type ":" B64(msg)
 *           [":" B64(nat_access)] [":" B64(server_auth)] [":" client_timeout]
 *
 * B64 is standard base64 without '=' padding; "U2FsdGVkX1" (the base64 of
 * "Salted__") is stripped from the wire and restored before the HMAC and
 * the decryption.  The HMAC text is as long as the configured digest's
 * base64, so the receiver splits by length.  See docs/fwknop.md.
 *
 * Security stance: the HMAC is checked, in constant time, before anything
 * is decrypted or parsed.  A key without an HMAC key is refused (without
 * an HMAC the CBC ciphertext is malleable), and so are legacy-IV packets.
 */
#ifndef SESAME_FWKNOP_H
#define SESAME_FWKNOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "config.h"     /* enum hmac_digest, struct port_proto */

#define FWKNOP_DEFAULT_PORT     62201
#define FWKNOP_DEFAULT_WINDOW   120     /* seconds, fwknopd's default */
#define FWKNOP_WIRE_MAX         1500    /* longest UDP payload accepted */
#define FWKNOP_SALT_LEN         8
#define FWKNOP_RAND_LEN         16      /* decimal digits */
#define FWKNOP_USER_MAX         64      /* bytes, without NUL */
#define FWKNOP_VERSION_MAX      16
#define FWKNOP_MSG_MAX          512     /* decoded message text */
#define FWKNOP_NAT_MAX          128     /* decoded NAT access text */
#define FWKNOP_AUTH_MAX         128     /* decoded server auth text */
#define FWKNOP_PORTS_MAX        CONFIG_OPEN_MAX
#define FWKNOP_CLIENT_TIMEOUT_MAX 0x7fffffffu
#define FWKNOP_REPLAY_KEY_LEN   32      /* SHA-256 */

/* Message types as on the wire (the decimal "type" field). */
enum fwknop_msg_type {
	FWKNOP_MSG_COMMAND = 0,
	FWKNOP_MSG_ACCESS = 1,
	FWKNOP_MSG_NAT_ACCESS = 2,
	FWKNOP_MSG_CLIENT_TIMEOUT_ACCESS = 3,
	FWKNOP_MSG_CLIENT_TIMEOUT_NAT_ACCESS = 4,
	FWKNOP_MSG_LOCAL_NAT_ACCESS = 5,
	FWKNOP_MSG_CLIENT_TIMEOUT_LOCAL_NAT_ACCESS = 6,
};

/* Keys of one door (or of the client).  KEY: the Rijndael key bytes
 * (passphrase bytes, or the decoded KEY_BASE64), 1..CONFIG_KEY_MAX.
 * HMAC_KEY: 1..2*CONFIG_KEY_MAX bytes; required.  HMAC_DIGEST: one of
 * HMAC_MD5..HMAC_SHA3_512 (HMAC_NONE is refused). */
struct fwknop_keys {
	const uint8_t *key;
	size_t key_len;
	const uint8_t *hmac_key;
	size_t hmac_key_len;
	enum hmac_digest hmac_digest;
};

/* One decoded message.  Every string is NUL-terminated, printable ASCII,
 * and bounded by its array.  Filled by fwknop_decode(); also the input of
 * fwknop_encode() (which reads rand, username, timestamp, version, type,
 * message, nat_access/has_nat, server_auth/has_server_auth,
 * client_timeout and digest). */
struct fwknop_msg {
	char rand[FWKNOP_RAND_LEN + 1];         /* 16 decimal digits */
	char username[FWKNOP_USER_MAX + 1];
	uint64_t timestamp;                     /* Unix seconds, client clock */
	char version[FWKNOP_VERSION_MAX + 1];   /* "3.0.0" from 2.6.x */
	enum fwknop_msg_type type;
	char message[FWKNOP_MSG_MAX + 1];       /* "IP,tcp/22[,...]" or "IP,cmd" */
	bool has_nat;
	char nat_access[FWKNOP_NAT_MAX + 1];    /* "IP,port", NAT types only */
	bool has_server_auth;
	char server_auth[FWKNOP_AUTH_MAX + 1];
	uint32_t client_timeout;                /* seconds; 0: server's default */
	enum hmac_digest digest;                /* inner digest type */

	/* Parsed from MESSAGE by fwknop_decode() for access types (1, 3; and
	 * for NAT types, whose message has the same form).  For a command
	 * message only addr_text/addr are set. */
	char addr_text[ADDR_STRLEN];            /* as written by the client */
	struct addr addr;                       /* family 0 when addr_any */
	bool addr_any;                          /* 0.0.0.0 (or ::): use the
						 * packet's source (fwknop -s) */
	struct port_proto ports[FWKNOP_PORTS_MAX];
	size_t nports;
};

/* Results.  0 is success; every failure is a negative value with a
 * one-line reason from fwknop_strerror(), fit for a log line. */
enum fwknop_err {
	FWKNOP_OK = 0,
	FWKNOP_ERR_ARG = -1,            /* bad arguments / keys */
	FWKNOP_ERR_NO_HMAC_KEY = -2,    /* refusing to run without an HMAC */
	FWKNOP_ERR_SIZE = -3,           /* wire too short or too long */
	FWKNOP_ERR_CHARSET = -4,        /* byte outside the base64 alphabet */
	FWKNOP_ERR_HMAC = -5,           /* HMAC mismatch (wrong key, tampered) */
	FWKNOP_ERR_CIPHERTEXT = -6,     /* not "Salted__"+salt+blocks */
	FWKNOP_ERR_DECRYPT = -7,        /* bad padding after a valid HMAC */
	FWKNOP_ERR_LEGACY_IV = -8,      /* a legacy-IV (pre-2.5) packet */
	FWKNOP_ERR_FORMAT = -9,         /* plaintext fields malformed */
	FWKNOP_ERR_DIGEST = -10,        /* inner digest mismatch */
	FWKNOP_ERR_MESSAGE = -11,       /* access message malformed */
	FWKNOP_ERR_SPACE = -12,         /* encode: output buffer too small */
	FWKNOP_ERR_CRYPTO = -13,        /* OpenSSL failed (not the input) */
	FWKNOP_ERR_NO_HMAC = -14,       /* packet made without --use-hmac */
};
const char *fwknop_strerror(int err);

/* Verifies and decodes one UDP payload.  Order: size and charset, HMAC
 * (constant time), ciphertext shape, decryption, field parsing, inner
 * digest, access message.  Does not judge the timestamp, the message
 * type or the address: the caller (door) does, with fwknop_time_ok()
 * and the fields.  Returns FWKNOP_OK or a negative enum fwknop_err; OUT
 * is only meaningful on success.  Key material is wiped after use. */
int fwknop_decode(const uint8_t *wire, size_t len, const struct fwknop_keys *keys,
		  struct fwknop_msg *out);

/* Builds the wire packet for MSG with the given SALT (8 bytes) into OUT
 * (NUL-terminated; the packet is the OUTLEN-bounded text without the
 * NUL).  MSG->message must be the final text ("IP,tcp/22").  Returns the
 * packet length, or a negative enum fwknop_err.  Deterministic: same
 * inputs, same bytes (that is how the unit tests re-encode the vectors). */
long fwknop_encode(const struct fwknop_msg *msg, const struct fwknop_keys *keys,
		   const uint8_t salt[FWKNOP_SALT_LEN], char *out, size_t outlen);

/* Fills MSG for an access request from the client side: random rand
 * field, USERNAME, TIMESTAMP, version "3.0.0", type 1 (or 3 when
 * CLIENT_TIMEOUT > 0), message "ADDR,proto/port,...", inner digest
 * SHA-256.  ADDR NULL means "0.0.0.0" (open for the packet's source).
 * Returns FWKNOP_OK or a negative enum fwknop_err. */
int fwknop_msg_access(struct fwknop_msg *msg, const char *username, uint64_t timestamp,
		      const char *addr, const struct port_proto *ports, size_t nports,
		      uint32_t client_timeout);

/* True when the message's timestamp is within WINDOW_S seconds of NOW_S,
 * either way. */
bool fwknop_time_ok(const struct fwknop_msg *msg, uint64_t now_s, unsigned window_s);

/* True for the types sesame grants: access (1) and client-timeout access
 * (3).  Command and NAT types are refused by the door with
 * fwknop_msg_type_name() in the log line. */
bool fwknop_msg_is_access(const struct fwknop_msg *msg);
const char *fwknop_msg_type_name(enum fwknop_msg_type t);

/* The replay-cache key of a packet: SHA-256 of the wire payload exactly
 * as received (the HMAC binds every byte of it, so it cannot be varied
 * without failing verification). */
void fwknop_replay_key(const uint8_t *wire, size_t len,
		       uint8_t out[FWKNOP_REPLAY_KEY_LEN]);

/* Fetches every algorithm fwknop_decode() and fwknop_encode() use and
 * runs one packet authenticated with HMAC_DIGEST through both, so that
 * the first real packet after a start pays for none of OpenSSL's
 * first-use set-up (milliseconds), and a sandbox entered afterwards has
 * no file for OpenSSL to read.  Optional: without it the same happens
 * on first use.  Returns FWKNOP_OK or a negative enum fwknop_err. */
int fwknop_preload(enum hmac_digest hmac_digest);

/* "md5", "sha1", "sha256", "sha384", "sha512", "sha3_256", "sha3_512"
 * (any case, '-' for '_' accepted) to enum hmac_digest; false if unknown.
 * For config (Fwknop_HMAC_Digest) and the client's --hmac-digest. */
bool fwknop_digest_parse(const char *s, enum hmac_digest *out);
const char *fwknop_digest_name(enum hmac_digest d);

#endif
