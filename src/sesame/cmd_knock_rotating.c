/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cmd_knock_rotating — `sesame knock --secret-file` (a rotating door's
 * sequence of the current time step, derived by rotseq.c exactly as the
 * daemon does) and `sesame knock --one-time` (the first unused line of a
 * knockd One_Time_Sequences file, marked used afterwards as knockd marks
 * it on its side, so both files stay in step). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "cmd.h"
#include "knock_rotating.h"
#include "knock_send.h"
#include "onetime.h"
#include "rotseq.h"

static void diag_stderr(void *ctx, int level, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "sesame knock: %s%s\n", level == LOG_WARNING ? "warning: " : "", msg);
}

static int knock_rotating(const struct rot_args *a)
{
	struct rotseq_secret sec;
	if (rotseq_secret_load_client(a->secret_file, diag_stderr, NULL, &sec) < 0)
		return 1;
	if (a->services) {
		int rc = rotseq_services_exclude(a->services, false, a->exclude);
		if (rc < 0 && !(rc == -ENOENT && strcmp(a->services, ROTSEQ_SERVICES) == 0)) {
			fprintf(stderr, "sesame knock: %s: %s\n", a->services, strerror(-rc));
			explicit_bzero(&sec, sizeof sec);
			return 1;
		}
	}
	struct rotseq_set set;
	int rc = rotseq_set_build(a->low, a->high, a->exclude, &set);
	struct port_proto seq[CONFIG_SEQ_MAX];
	uint64_t c = 0;
	if (rc == 0) {
		long long now = (long long)time(NULL) + a->offset;
		c = rotseq_counter(now, a->period);
		rc = rotseq_derive(sec.key, sec.len, a->door, c, a->has_bind ? &a->bind : NULL,
				   &set, a->protos, a->length, seq);
	}
	explicit_bzero(&sec, sizeof sec);
	rotseq_set_fini(&set);
	if (rc < 0) {
		fprintf(stderr, "sesame knock: cannot derive the sequence: %s\n",
			rc == -EINVAL ? "bad door name, or too few ports left in --ports"
				      : strerror(-rc));
		return 1;
	}
	if (a->verbose || a->test)
		printf("door %s, time step %llu\n", a->door, (unsigned long long)c);
	if (a->test)
		return knock_print_test(a->host, a->family, seq, a->length, a->delay_ms);
	return knock_send(a->host, a->family, seq, a->length, a->delay_ms, a->verbose);
}

static int knock_one_time(const struct rot_args *a)
{
	struct onetime_seq s;
	int rc = onetime_next(a->one_time, diag_stderr, NULL, &s);
	if (rc == -ENOENT) {
		fprintf(stderr, "sesame knock: %s: every sequence is used (or the file is "
			"missing)\n", a->one_time);
		return 1;
	}
	if (rc < 0)
		return 1;
	if (a->verbose || a->test)
		printf("%s:%u: one-time sequence\n", a->one_time, s.line);
	if (a->test)                    /* left unused: nothing is sent */
		return knock_print_test(a->host, a->family, s.seq, s.len, a->delay_ms);
	/* Marked first: a line the server may have seen is never sent twice,
	 * even if sending fails half-way (knockd too spends it on use). */
	rc = onetime_mark_used(a->one_time, &s);
	if (rc < 0) {
		fprintf(stderr, "sesame knock: %s:%u: cannot mark the sequence used: %s\n",
			a->one_time, s.line, rc == -ESTALE ? "the line has changed" : strerror(-rc));
		return 1;
	}
	return knock_send(a->host, a->family, s.seq, s.len, a->delay_ms, a->verbose);
}

int cmd_knock_rotating(int argc, char **argv)
{
	static uint8_t exclude[ROTSEQ_BITMAP_BYTES];
	struct rot_args a;
	knock_rotating_defaults(&a, exclude);
	int rc = knock_rotating_parse(argc, argv, &a);
	if (rc >= 0)
		return rc;
	return a.secret_file ? knock_rotating(&a) : knock_one_time(&a);
}
