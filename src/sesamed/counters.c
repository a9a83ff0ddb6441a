/* SPDX-License-Identifier: GPL-2.0-or-later */
/* counters — see counters.h. */
#include "counters.h"

const char *const spa_refusal_text[SPA_R_COUNT] = {
	[SPA_R_SIZE] = "bad size",
	[SPA_R_VERSION] = "unknown version",
	[SPA_R_UNKNOWN_KEY] = "unknown key id",
	[SPA_R_RATE] = "rate limited",
	[SPA_R_STALE] = "stale timestamp",
	[SPA_R_FUTURE] = "future timestamp",
	[SPA_R_AUTH] = "authentication failed",
	[SPA_R_MALFORMED] = "malformed request",
	[SPA_R_REPLAY] = "replayed packet",
	[SPA_R_CACHE] = "replay cache unavailable",
	[SPA_R_PORT] = "port not in the door's Open",
	[SPA_R_ADDRESS] = "address not allowed",
	[SPA_R_FWKNOP] = "fwknop",
	[SPA_R_LEGACY] = "protocol version 1 (not bound to a port; SPA_Accept_V1 is off)",
	[SPA_R_WRONG_PORT] = "made for another port",
	[SPA_R_WRONG_DOOR] = "made for another door",
	[SPA_R_NO_ADDRESS] = "no address named (SPA_Require_Address)",
};

const char *const spa_refusal_label[SPA_R_COUNT] = {
	[SPA_R_SIZE] = "bad_size",
	[SPA_R_VERSION] = "unknown_version",
	[SPA_R_UNKNOWN_KEY] = "unknown_key",
	[SPA_R_RATE] = "rate_limited",
	[SPA_R_STALE] = "stale",
	[SPA_R_FUTURE] = "future",
	[SPA_R_AUTH] = "bad_mac",
	[SPA_R_MALFORMED] = "malformed",
	[SPA_R_REPLAY] = "replay",
	[SPA_R_CACHE] = "replay_cache_unavailable",
	[SPA_R_PORT] = "port_not_allowed",
	[SPA_R_ADDRESS] = "address_not_allowed",
	[SPA_R_FWKNOP] = "fwknop",
	[SPA_R_LEGACY] = "version_1",
	[SPA_R_WRONG_PORT] = "wrong_port",
	[SPA_R_WRONG_DOOR] = "wrong_door",
	[SPA_R_NO_ADDRESS] = "no_address",
};
