/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sesame keygen --sequence NAME [-o FILE]
 *
 * Makes a new secret for a rotating door: writes the client's secret file
 * (mode 0600, never over an existing file; default
 * ~/.config/sesame/NAME.seq) and prints on stdout the line for the
 * server's Sequence_Secrets file, then the client's profile line
 * (Sequence_Secret_File = PATH) after a comment saying where it goes. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "cmd.h"
#include "spa_paths.h"
#include "keygen_files.h"
#include "rotseq.h"
#include "spa_keys.h"

#define SECRET_LEN 32

static void usage(FILE *f)
{
	fprintf(f, "usage: sesame keygen --sequence NAME [-o FILE]\n"
		"  Writes a new secret for a rotating door (default\n"
		"  ~/.config/sesame/NAME.seq, mode 0600) and prints the line to append to\n"
		"  the server's Sequence_Secrets file, then the line for the server's\n"
		"  profile in client.conf ([DOOR] with Host = SERVER, or any [NAME]\n"
		"  with Door = DOOR); then: sesame open DOOR.\n"
		"  Or knock with: sesame knock --secret-file FILE --door DOOR HOST\n"
		"  NAME: letters, digits and . _ - @ +.\n");
}

bool keygen_sequence_wanted(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "--sequence") == 0 || strncmp(argv[i], "--sequence=", 11) == 0)
			return true;
	}
	return false;
}

/* NAME.key's path with NAME.seq: a secret of another kind, beside it. */
static int seq_default_path(const char *name, char *buf, size_t len)
{
	int rc = spa_default_key_path(name, buf, len);
	size_t n = rc == 0 ? strlen(buf) : 0;
	if (n > 4)
		memcpy(buf + n - 4, ".seq", 4);
	return rc;
}

int cmd_keygen_sequence(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "sequence", required_argument, NULL, 's' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *name = NULL, *out = NULL;
	int c;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+o:h", opts, NULL)) != -1) {
		switch (c) {
		case 's': name = optarg; break;
		case 'o': out = optarg; break;
		case 'h': usage(stdout); return 0;
		default:
			fprintf(stderr, "sesame keygen: bad option '%s' (see sesame keygen "
				"--sequence -h)\n", argv[optind - 1]);
			return 1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "sesame keygen: unexpected argument '%s'\n", argv[optind]);
		return 1;
	}
	if (!name || !spa_key_name_valid(name)) {
		fprintf(stderr, "sesame keygen: --sequence needs a NAME (1-63 of letters, digits, "
			". _ - @ +)\n");
		return 1;
	}
	char path[PATH_MAX];
	if (!keygen_path(out, seq_default_path, name, path, sizeof path))
		return 1;
	struct rotseq_secret s = { .len = SECRET_LEN };
	snprintf(s.name, sizeof s.name, "%s", name);
	if (RAND_priv_bytes(s.key, SECRET_LEN) != 1) {
		fprintf(stderr, "sesame keygen: no randomness available\n");
		return 1;
	}
	char line[ROTSEQ_NAME_MAX + 4 * ROTSEQ_SECRET_MAX / 3 + 16];
	int rc = rotseq_secret_format(&s, line, sizeof line);
	OPENSSL_cleanse(&s, sizeof s);
	if (rc == 0)
		rc = keygen_write_file(path, line);
	if (rc < 0) {
		OPENSSL_cleanse(line, sizeof line);
		fprintf(stderr, "sesame keygen: cannot write %s: %s%s\n", path, strerror(-rc),
			rc == -EEXIST ? " (secrets are never overwritten; remove it or use -o)" : "");
		return 1;
	}
	fprintf(stderr, "sesame keygen: wrote %s; append the first line to the server's "
		"Sequence_Secrets file; the last goes in the server's section of "
		"client.conf\n", path);
	fputs(line, stdout);
	/* A comment, harmless if pasted along into either file. */
	printf("# client.conf: in [DOOR] with Host = SERVER (or [NAME] with Door = DOOR)\n"
	       "Sequence_Secret_File = %s\n", path);
	OPENSSL_cleanse(line, sizeof line);
	return fflush(stdout) == 0 ? 0 : 1;
}
