/* SPDX-License-Identifier: GPL-2.0-or-later */
/* base64 — RFC 4648 standard alphabet, for keys in config files and for
 * fwknop's wire format (which drops the '=' padding). */
#ifndef SESAME_BASE64_H
#define SESAME_BASE64_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Characters base64_encode() writes for N bytes, without the NUL. */
size_t base64_encoded_len(size_t n, bool pad);
/* Encodes IN into OUT (NUL-terminated).  Returns the length written, or
 * -1 if OUTLEN is too small. */
long base64_encode(const uint8_t *in, size_t n, char *out, size_t outlen, bool pad);
/* Decodes exactly N characters of IN (padding optional, nothing else but
 * the alphabet; trailing bits must be zero).  Returns the byte count, or
 * -1 on any bad input or if OUTLEN is too small. */
long base64_decode(const char *in, size_t n, uint8_t *out, size_t outlen);

#endif
