/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pages — zeroed memory straight from the kernel, for tables sized for
 * the worst case (a flood, the most doors or grants).
 *
 * A page of an anonymous mapping costs nothing until it is first written:
 * a table of a few hundred KiB that an idle daemon never fills stays out
 * of its resident memory, where calloc() may clear (and so touch) a reused
 * block.  And the whole table goes back to the kernel when freed, leaving
 * no hole in malloc's heap.  Sizes are rounded up to whole pages.
 */
#ifndef SESAME_PAGES_H
#define SESAME_PAGES_H

#include <stddef.h>

/* N bytes of zeroes, page-aligned, or NULL (errno set). */
void *pages_alloc(size_t n);
/* Frees what pages_alloc(N) returned (the same N); NULL is ignored. */
void pages_free(void *p, size_t n);

#endif
