/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fleet_files — the fleet's key, Redis password and node name.  See
 * fleet_files.h. */
#include "fleet_files.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "base64.h"
#include "secret_file.h"

#define PASSWORD_MAX    512

/* The first line of TEXT, blanks around it cut: [*START, *START + *N). */
static void first_line(const char *text, size_t len, size_t *start, size_t *n)
{
	size_t a = 0;
	while (a < len && (text[a] == ' ' || text[a] == '\t' || text[a] == '\n' || text[a] == '\r'))
		a++;
	size_t b = a;
	while (b < len && text[b] != '\n' && text[b] != '\r')
		b++;
	while (b > a && (text[b - 1] == ' ' || text[b - 1] == '\t'))
		b--;
	*start = a;
	*n = b - a;
}

/* Reads PATH (a secret: no access for others) and finds its first line,
 * blanks trimmed, at *START, *N bytes long.  The caller frees TEXT with
 * secret_file_free().  0 or -errno (reported through DIAG). */
static int first_line_read(const char *path, config_diag_fn diag, void *ctx, char **text,
			   size_t *len, size_t *start, size_t *n)
{
	int rc = secret_file_read(path, S_IRWXO, "others", diag, ctx, text, len);
	if (rc < 0)
		return rc;
	first_line(*text, *len, start, n);
	return 0;
}

int fleet_key_load(const char *path, config_diag_fn diag, void *ctx, uint8_t key[FLEET_KEY_LEN])
{
	char *text = NULL;
	size_t len = 0, a, n;
	int rc = first_line_read(path, diag, ctx, &text, &len, &a, &n);
	if (rc < 0)
		return rc;
	uint8_t tmp[64];
	long got = base64_decode(text + a, n, tmp, sizeof tmp);
	secret_file_free(text, len);
	if (got != FLEET_KEY_LEN) {
		OPENSSL_cleanse(tmp, sizeof tmp);
		config_diagf(diag, ctx, LOG_ERR, "%s: not a fleet key (one line: 32 bytes in base64; "
		      "'sesame keygen --fleet' writes one)", path);
		return -EINVAL;
	}
	memcpy(key, tmp, FLEET_KEY_LEN);
	OPENSSL_cleanse(tmp, sizeof tmp);
	return 0;
}

int fleet_password_load(const char *path, config_diag_fn diag, void *ctx, char **out)
{
	char *text = NULL;
	size_t len = 0, a, n;
	int rc = first_line_read(path, diag, ctx, &text, &len, &a, &n);
	if (rc < 0)
		return rc;
	bool ok = n > 0 && n <= PASSWORD_MAX;
	for (size_t i = 0; ok && i < n; i++)
		ok = (unsigned char)text[a + i] >= 0x20 && text[a + i] != 0x7f;
	if (!ok) {
		secret_file_free(text, len);
		config_diagf(diag, ctx, LOG_ERR, "%s: not a password (one line, 1..%d printable bytes)",
		      path, PASSWORD_MAX);
		return -EINVAL;
	}
	*out = strndup(text + a, n);
	secret_file_free(text, len);
	return *out ? 0 : -ENOMEM;
}

int fleet_node_name(const struct config *cfg, config_diag_fn diag, void *ctx, char *out,
		     size_t len)
{
	if (cfg->fleet_node[0]) {
		snprintf(out, len, "%s", cfg->fleet_node);
		return 0;
	}
	char host[256] = "";
	if (gethostname(host, sizeof host - 1) < 0 || !config_fleet_node_valid(host)) {
		config_diagf(diag, ctx, LOG_ERR, "%s: the host name '%.64s' cannot name this gateway in "
		      "the fleet: set Fleet_Node", cfg->path, host);
		return -EINVAL;
	}
	snprintf(out, len, "%s", host);
	return 0;
}

int fleet_check(const struct config *cfg, config_diag_fn diag, void *ctx)
{
	if (!config_fleet_on(cfg))
		return 0;
	uint8_t key[FLEET_KEY_LEN];
	char node[CONFIG_FLEET_NODE_MAX];
	int rc = fleet_key_load(cfg->fleet_key_file, diag, ctx, key);
	OPENSSL_cleanse(key, sizeof key);
	if (cfg->fleet_password_file) {
		char *pw = NULL;
		int r = fleet_password_load(cfg->fleet_password_file, diag, ctx, &pw);
		if (pw) {
			OPENSSL_cleanse(pw, strlen(pw));
			free(pw);
		}
		if (r < 0 && rc == 0)
			rc = r;
	}
	int r = fleet_node_name(cfg, diag, ctx, node, sizeof node);
	return rc < 0 ? rc : r;
}
