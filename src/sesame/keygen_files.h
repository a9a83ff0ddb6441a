/* SPDX-License-Identifier: GPL-2.0-or-later */
/* keygen_files — what `sesame keygen` and `sesame keygen --sequence` share:
 * making the key directory and writing a secret file once. */
#ifndef SESAME_KEYGEN_FILES_H
#define SESAME_KEYGEN_FILES_H

#include <stdbool.h>

/* mkdir -p, mode 0700, for the directories of PATH.  0 or -errno. */
int keygen_make_dirs(const char *path);
/* Writes LINE to a new file PATH (mode 0600, never over an existing
 * file: -EEXIST), fsync'd.  0 or -errno. */
int keygen_write_file(const char *path, const char *line);

/* `sesame keygen --sequence NAME [-o FILE]` (cmd_keygen_sequence.c). */
bool keygen_sequence_wanted(int argc, char **argv);
int cmd_keygen_sequence(int argc, char **argv);

#endif
