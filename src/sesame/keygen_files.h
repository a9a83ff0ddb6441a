/* SPDX-License-Identifier: GPL-2.0-or-later */
/* keygen_files — what `sesame keygen` and `sesame keygen --sequence` share:
 * choosing the file, making its directory and writing it once. */
#ifndef SESAME_KEYGEN_FILES_H
#define SESAME_KEYGEN_FILES_H

#include <stdbool.h>
#include <stddef.h>

/* mkdir -p, mode 0700, for the directories of PATH.  0 or -errno. */
int keygen_make_dirs(const char *path);
/* Writes LINE to a new file PATH (mode 0600, never over an existing
 * file: -EEXIST), fsync'd.  0 or -errno. */
int keygen_write_file(const char *path, const char *line);

/* The default file of a key or secret named NAME, into BUF.  0 or -errno. */
typedef int (*keygen_default_fn)(const char *name, char *buf, size_t len);
/* Where a new key or secret goes, into PATH (LEN bytes): the file OUT
 * names, or without OUT the file DEFAULT_PATH gives for NAME, its
 * directories made (mode 0700).  Returns true, or false after telling
 * stderr why. */
bool keygen_path(const char *out, keygen_default_fn default_path, const char *name,
		 char *path, size_t len);

#endif
