/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nft_script — one libnftables script, run as one transaction in a child
 * process.
 *
 * libnftables reads the ruleset back into a cache before a command and
 * builds each command in a buffer of about 2 MiB: a megabyte or more of
 * short-lived allocations per script.  Run in the parent they land in the
 * middle of its long-lived heap, and every reload left the heap a little
 * more touched than before (and each worker, forked from that heap,
 * carried the same pages).  A child made for the script takes all of
 * that with it when it exits; the parent keeps only the verdict and the
 * first line of the error.  The child is named sesamed-nft, and stays
 * root for the few milliseconds it lives.  Scripts are rare (load,
 * reload, restore, revoke); grants do not come here (nft_query.c).
 */
#ifndef SESAME_NFT_SCRIPT_H
#define SESAME_NFT_SCRIPT_H

#include <stddef.h>

/* Runs SCRIPT.  0, or -EIO with the first line of libnftables' error in
 * ERR (ERRLEN bytes, at least 2), or another -errno when the child could
 * not be made or did not answer (ERR says which). */
int nft_script_run(const char *script, char *err, size_t errlen);

#endif
