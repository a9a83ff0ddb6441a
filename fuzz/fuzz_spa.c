/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_spa — libFuzzer harness for the native SPA side: the codec
 * (spa_parse_header/spa_open), the key-file parser (spa_keys_parse) and
 * the whole door pipeline (spa_doors_check, native and fwknop doors on
 * one port).  The first input byte picks the target; the rest is the
 * hostile input.  Keys are the test-vector key of docs/spa-protocol.md,
 * so the seed corpus (fuzz/corpus/spa/) reaches the authenticated paths. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "spa.h"
#include "spa_door.h"
#include "spa_keys.h"

static const uint8_t vector_key[SPA_KEY_LEN] = {
	0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
	16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31,
};
static const char vector_line[] =
	"alice d6919210e16206d8 AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n";

static struct spa_doors *doors;
static struct spa_aead *aead;
static struct door door[2];
static struct config cfg;

static void init(void)
{
	log_set_level(LOG_EMERG);
	log_to_stderr(false);
	static char dir[] = "/tmp/fuzz-spa-XXXXXX";
	static char path[64];
	if (!mkdtemp(dir))
		abort();
	snprintf(path, sizeof path, "%s/keys", dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, vector_line, sizeof vector_line - 1) != (ssize_t)sizeof vector_line - 1)
		abort();
	close(fd);
	door[0] = (struct door){ .name = "n", .spa_format = SPA_FORMAT_SESAME, .spa_port = 62201,
				 .spa_keys = path, .spa_window_s = 30, .open_len = 2,
				 .open = { { 22, PROTO_TCP }, { 443, PROTO_TCP } },
				 .allow = ALLOW_CIDR, .allow_len = 1 };
	cidr_parse("198.18.0.0/15", &door[0].allow_nets[0]);
	door[1] = (struct door){ .name = "f", .spa_format = SPA_FORMAT_FWKNOP, .spa_port = 62201,
				 .spa_window_s = 120, .open_len = 1, .open = { { 22, PROTO_TCP } },
				 .fwknop_key_len = 16, .fwknop_hmac_key_len = 16,
				 .fwknop_hmac_digest = HMAC_SHA256 };
	memcpy(door[1].fwknop_key, "fuzz-fuzz-fuzz-k", 16);
	memcpy(door[1].fwknop_hmac_key, "fuzz-fuzz-fuzz-h", 16);
	cfg = (struct config){ .path = "fuzz", .doors = door, .ndoors = 2, .replay_cache = NULL };
	if (spa_doors_new(&cfg, &doors) < 0)
		abort();
	unlink(path);
	rmdir(dir);
	aead = spa_aead_new();
	if (!aead)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!doors)
		init();
	if (size < 1)
		return 0;
	uint8_t mode = data[0];
	data++;
	size--;
	switch (mode % 3) {
	case 0: {
		struct spa_header h;
		struct spa_request req;
		if (spa_parse_header(data, size, &h) == 0 &&
		    spa_open(aead, vector_key, data, size, &req) == 0) {
			/* What opened must encode back to the same bytes. */
			uint8_t again[SPA_PACKET_LEN];
			if (spa_encode(aead, vector_key, h.nonce, &req, again) != 0 ||
			    memcmp(again, data, SPA_PACKET_LEN) != 0)
				abort();
		}
		break;
	}
	case 1: {
		struct spa_key *keys = NULL;
		int n = spa_keys_parse("fuzz", (const char *)data, size, NULL, NULL, &keys);
		if (n >= 0)
			spa_keys_free(keys, (size_t)n);
		break;
	}
	case 2: {
		/* The clock is the packet's own timestamp (when it has one) so
		 * the fuzzer can get past the time window. */
		uint64_t now = 1767225600;
		if (size >= SPA_HEADER_LEN) {
			struct spa_header h;
			if (spa_parse_header(data, size, &h) == 0 && h.timestamp < (1ull << 40))
				now = h.timestamp;
		}
		struct knock_event ev = { .proto = PROTO_UDP, .sport = 1, .dport = 62201,
					  .payload = data, .payload_len = size,
					  .time_us = now * 1000000ull };
		ev.saddr.family = mode & 0x80 ? AF_INET6 : AF_INET;
		ev.saddr.bytes[0] = 198;
		ev.saddr.bytes[1] = 18;
		ev.saddr.bytes[3] = mode;
		struct grant gr;
		if (spa_doors_check(doors, &ev, now, &gr) &&
		    (gr.door >= 2 || (gr.addr.family != AF_INET && gr.addr.family != AF_INET6)))
			abort();
		break;
	}
	}
	return 0;
}
