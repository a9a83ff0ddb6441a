/* SPDX-License-Identifier: GPL-2.0-or-later */
/* spa_keys — native SPA key files.
 *
 * One format for both sides: a line
 *
 *     NAME KEYID BASE64KEY
 *
 * NAME is 1..63 of [A-Za-z0-9._@+-], KEYID the 16 lowercase hex digits of
 * spa_key_id(KEY) (a checksum against copy errors, and what the server
 * looks keys up by), BASE64KEY the 32-byte key in padded base64.  Fields
 * are separated by spaces or tabs; blank lines and lines starting with '#'
 * are ignored.  A client key file (`sesame keygen`) holds exactly one such
 * line; the server's SPA_Keys file holds one per authorized client, which
 * is why keygen prints the very same line for the server.
 *
 * Files holding secrets are refused when they are not regular files, when
 * anyone but the owner (client key) or the owner's group (SPA_Keys) may
 * access them (secret_file.h).  Every problem is reported as
 * "file:line: message".
 */
#ifndef SESAME_SPA_KEYS_H
#define SESAME_SPA_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "secret_file.h"          /* for the callers of secret_file_read() too */
#include "spa.h"

#define SPA_KEY_NAME_MAX  64            /* with NUL */
#define SPA_KEYS_MAX      4096          /* lines in one SPA_Keys file */
/* Longest key line spa_keyline_format() writes, with newline and NUL. */
#define SPA_KEYLINE_MAX   (SPA_KEY_NAME_MAX + 2 * SPA_KEYID_LEN + 48 + 4)

struct spa_key {
	char name[SPA_KEY_NAME_MAX];
	uint8_t id[SPA_KEYID_LEN];
	uint8_t key[SPA_KEY_LEN];
	unsigned line;                  /* where it was read, 0 if generated */
};

/* A fresh random key named NAME.  Returns 0, -EINVAL (bad name) or -EIO
 * (no randomness). */
int spa_key_generate(const char *name, struct spa_key *out);
bool spa_key_name_valid(const char *name);

/* "NAME KEYID BASE64KEY\n" into BUF.  Returns 0 or -ENOSPC. */
int spa_keyline_format(const struct spa_key *k, char *buf, size_t len);

/* Parses the key lines of TEXT (NAME is the file name for messages).
 * Returns the number of keys (>= 0) with *OUT allocated (free with
 * spa_keys_free), or -EINVAL after reporting every bad line through DIAG
 * (NULL: the log).  Duplicate names or key ids are errors. */
int spa_keys_parse(const char *name, const char *text, size_t len,
		   config_diag_fn diag, void *ctx, struct spa_key **out);

/* Reads the server's SPA_Keys file PATH (permission checks included).
 * Returns the number of keys (0 is allowed: a door nobody may open yet)
 * or -errno, every problem reported through DIAG. */
int spa_keys_load(const char *path, config_diag_fn diag, void *ctx,
		  struct spa_key **out);

/* Reads a client key file: exactly one key line, owner-only access. */
int spa_key_load_client(const char *path, config_diag_fn diag, void *ctx,
			struct spa_key *out);

/* Wipes and frees N keys. */
void spa_keys_free(struct spa_key *keys, size_t n);
void spa_key_wipe(struct spa_key *k);

#endif
