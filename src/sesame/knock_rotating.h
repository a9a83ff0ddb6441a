/* SPDX-License-Identifier: GPL-2.0-or-later */
/* knock_rotating — the command line of `sesame knock --secret-file` and
 * `sesame knock --one-time` (cmd_knock_rotating.c), parsed apart from
 * the sending so it can be fuzzed. */
#ifndef SESAME_KNOCK_ROTATING_H
#define SESAME_KNOCK_ROTATING_H

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"
#include "rotseq.h"

struct rot_args {
	const char *secret_file, *one_time, *door, *host;   /* into argv */
	const char *services;           /* NULL: none */
	unsigned length, period;
	enum rotseq_protos protos;
	uint16_t low, high;
	uint8_t *exclude;               /* ROTSEQ_BITMAP_BYTES, the caller's */
	struct addr bind;
	bool has_bind;
	long long offset;               /* --time-offset, seconds */
	unsigned delay_ms;
	int family;
	bool verbose, test;
};

/* True when ARGV asks for a rotating (--secret-file) or one-time
 * (--one-time) knock, which cmd_knock_rotating() handles. */
bool knock_rotating_wanted(int argc, char **argv);

/* The defaults, EXCLUDE (ROTSEQ_BITMAP_BYTES) cleared and used. */
void knock_rotating_defaults(struct rot_args *a, uint8_t *exclude);

/* Parses ARGV[1..ARGC-1] into A (which holds the defaults).  Returns -1
 * to go on, else the exit status (help, version, or an error printed on
 * stderr). */
int knock_rotating_parse(int argc, char **argv, struct rot_args *a);

/* "PORT,LOW-HIGH,..." (--exclude, a profile's Sequence_Exclude): sets
 * the ports in BM (ROTSEQ_BITMAP_BYTES; NULL: only checks).  False when
 * an item is not a port or range. */
bool knock_rotating_parse_excludes(const char *v, uint8_t *bm);

#endif
