/* SPDX-License-Identifier: GPL-2.0-or-later */
/* spa_paths — what `sesame keygen` and `sesame spa` agree on: the
 * default key name (USER@HOST) and where a client key lives by default
 * (~/.config/sesame/NAME.key). */
#ifndef SESAME_SPA_PATHS_H
#define SESAME_SPA_PATHS_H

#include <stddef.h>

/* USER@HOST, with characters a key name may not hold replaced by '-';
 * "sesame" when neither is known. */
void spa_default_key_name(char *buf, size_t len);

/* $HOME/.config/sesame/NAME.key (HOME from the environment, else the
 * password database).  Returns 0 or -errno. */
int spa_default_key_path(const char *name, char *buf, size_t len);

#endif
