/* SPDX-License-Identifier: GPL-2.0-or-later */
/* profile_files — profile_check_files() (see profile.h): the key, secret
 * or one-time file a profile names, checked before anything is sent, each
 * problem reported at the line that names the file. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "profile.h"
#include "rotseq.h"
#include "spa_keys.h"

struct key_diag {
	struct profile_diag *d;
	const struct profile *p;
	unsigned line;
	const char *key;
};

static void key_diag(void *ctx, int level, const char *msg)
{
	(void)level;
	struct key_diag *k = ctx;
	if (k->line)
		profile_err(k->d, "%s:%u: %s: %s", k->p->file, k->line, k->key, msg);
	else
		profile_err(k->d, "%s:%u: profile %s: default key: %s (make it with "
			    "'sesame keygen %s')", k->p->file, k->p->line, k->p->name, msg,
			    k->p->name);
}

int profile_check_files(const struct profile *p, struct profile_diag *d)
{
	if (p->method == PM_SPA) {
		struct key_diag kd = { d, p, p->key_line, "SPA_Key" };
		struct spa_key k;
		int rc = spa_key_load_client(p->key_file, key_diag, &kd, &k);
		spa_key_wipe(&k);
		return rc;
	}
	if (p->method == PM_ROTATING) {
		struct key_diag kd = { d, p, p->key_line, "Sequence_Secret_File" };
		struct rotseq_secret sec;
		int rc = rotseq_secret_load_client(p->key_file, key_diag, &kd, &sec);
		explicit_bzero(&sec, sizeof sec);
		return rc;
	}
	if (p->method == PM_ONETIME) {
		/* Written too: a sent line is marked used. */
		int fd = open(p->key_file, O_RDWR | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
		if (fd < 0) {
			int e = errno;
			struct key_diag kd = { d, p, p->key_line, "One_Time_File" };
			char msg[PATH_MAX + 64];
			snprintf(msg, sizeof msg, "%s: %s", p->key_file, strerror(e));
			key_diag(&kd, LOG_ERR, msg);
			return -e;
		}
		close(fd);
		return 0;
	}
	if (p->method == PM_FWKNOP && !p->key_b64[0]) {
		const char *files[2] = { p->key_file, p->hmac_key_file };
		const unsigned lines[2] = { p->key_line, p->hmac_key_line };
		const char *names[2] = { "Fwknop_Key_File", "Fwknop_HMAC_Key_File" };
		for (int i = 0; i < 2; i++) {
			struct key_diag kd = { d, p, lines[i], names[i] };
			char *text = NULL;
			size_t len = 0;
			int rc = secret_file_read(files[i], S_IRWXG | S_IRWXO, "group or others",
						  key_diag, &kd, &text, &len);
			secret_file_free(text, len);
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}
