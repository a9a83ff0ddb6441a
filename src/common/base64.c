/* SPDX-License-Identifier: GPL-2.0-or-later */
/* base64 — see base64.h.  Written for untrusted input: every index is
 * checked, no lookup reads past the input. */
#include "base64.h"

static const char alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t base64_encoded_len(size_t n, bool pad)
{
	return pad ? (n + 2) / 3 * 4 : n / 3 * 4 + (n % 3 ? n % 3 + 1 : 0);
}

long base64_encode(const uint8_t *in, size_t n, char *out, size_t outlen, bool pad)
{
	size_t need = base64_encoded_len(n, pad);
	if (outlen <= need)
		return -1;
	size_t o = 0;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;
		size_t left = n - i;
		if (left > 1)
			v |= (uint32_t)in[i + 1] << 8;
		if (left > 2)
			v |= in[i + 2];
		out[o++] = alphabet[(v >> 18) & 63];
		out[o++] = alphabet[(v >> 12) & 63];
		if (left > 1)
			out[o++] = alphabet[(v >> 6) & 63];
		else if (pad)
			out[o++] = '=';
		if (left > 2)
			out[o++] = alphabet[v & 63];
		else if (pad)
			out[o++] = '=';
	}
	out[o] = '\0';
	return (long)o;
}

static int value_of(char c)
{
	if (c >= 'A' && c <= 'Z') return c - 'A';
	if (c >= 'a' && c <= 'z') return c - 'a' + 26;
	if (c >= '0' && c <= '9') return c - '0' + 52;
	if (c == '+') return 62;
	if (c == '/') return 63;
	return -1;
}

long base64_decode(const char *in, size_t n, uint8_t *out, size_t outlen)
{
	/* Strip up to two '=' of padding; a padded text must be whole quads. */
	size_t len = n;
	if (len > 0 && in[len - 1] == '=') {
		if (n % 4 != 0)
			return -1;
		len--;
		if (len > 0 && in[len - 1] == '=')
			len--;
	}
	if (len % 4 == 1)
		return -1;
	size_t bytes = len / 4 * 3 + (len % 4 ? len % 4 - 1 : 0);
	if (bytes > outlen)
		return -1;
	size_t o = 0;
	uint32_t acc = 0;
	unsigned bits = 0;
	for (size_t i = 0; i < len; i++) {
		int v = value_of(in[i]);
		if (v < 0)
			return -1;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (uint8_t)(acc >> bits);
		}
	}
	/* Leftover bits must be zero, else two texts decode to one value. */
	if (acc & ((1u << bits) - 1))
		return -1;
	return (long)o;
}
