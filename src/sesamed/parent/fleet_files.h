/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fleet_files — what a gateway of a fleet reads besides its config: the
 * fleet key (Fleet_Key_File: 32 bytes in base64, one line), the Redis
 * password (Fleet_Password_File: one printable line) and its node name
 * (Fleet_Node, else the host name).  Both files are secrets: one that
 * others may read or write is refused.  Errors go through DIAG (NULL:
 * the log) as "FILE: message". */
#ifndef SESAME_FLEET_FILES_H
#define SESAME_FLEET_FILES_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "fleet_msg.h"

/* The key of PATH into KEY.  0 or -errno. */
int fleet_key_load(const char *path, config_diag_fn diag, void *ctx, uint8_t key[FLEET_KEY_LEN]);
/* The password of PATH into *OUT (malloc'd; the caller cleanses and
 * frees it).  0 or -errno. */
int fleet_password_load(const char *path, config_diag_fn diag, void *ctx, char **out);
/* Fleet_Node of CFG, or the host name when it can name a node, into OUT
 * (LEN bytes).  0 or -EINVAL. */
int fleet_node_name(const struct config *cfg, config_diag_fn diag, void *ctx, char *out,
		    size_t len);

/* All three for CFG (when Fleet is set), read and forgotten: what the
 * daemon would refuse at start.  0 or the first -errno. */
int fleet_check(const struct config *cfg, config_diag_fn diag, void *ctx);

#endif
