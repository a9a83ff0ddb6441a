/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fleet_msg — see fleet_msg.h. */
#include "fleet_msg.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "portspec.h"

#define MAGIC "sesame-fleet/1"
#define MAC_HEX (2 * 32)
#define FIELDS 8

static bool mac_of(const uint8_t key[FLEET_KEY_LEN], const char *ns, const char *body,
		   size_t len, uint8_t mac[32])
{
	/* NS "\n" BODY, without copying BODY: HMAC over two pieces. */
	uint8_t buf[CONFIG_NAME_MAX + 1 + FLEET_MSG_MAX];
	size_t nl = strlen(ns);
	if (nl >= CONFIG_NAME_MAX || len >= FLEET_MSG_MAX)
		return false;
	memcpy(buf, ns, nl);
	buf[nl] = '\n';
	memcpy(buf + nl + 1, body, len);
	unsigned int maclen = 0;
	bool ok = HMAC(EVP_sha256(), key, FLEET_KEY_LEN, buf, nl + 1 + len, mac, &maclen) &&
		  maclen == 32;
	OPENSSL_cleanse(buf, sizeof buf);
	return ok;
}

static void hex(const uint8_t *in, size_t n, char *out)
{
	static const char d[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = d[in[i] >> 4];
		out[2 * i + 1] = d[in[i] & 15];
	}
	out[2 * n] = '\0';
}

static bool unhex(const char *s, size_t n, uint8_t *out)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t v = 0;
		for (int j = 0; j < 2; j++) {
			char c = s[2 * i + j];
			v <<= 4;
			if (c >= '0' && c <= '9')
				v |= (uint8_t)(c - '0');
			else if (c >= 'a' && c <= 'f')
				v |= (uint8_t)(c - 'a' + 10);
			else
				return false;
		}
		out[i] = v;
	}
	return true;
}

static int format_ports(const struct fleet_grant *fg, char *buf, size_t len)
{
	if (fg->nports == 0)
		return snprintf(buf, len, "-") < (int)len ? 0 : -ENOSPC;
	size_t off = 0;
	for (uint32_t i = 0; i < fg->nports; i++) {
		int n = snprintf(buf + off, len - off, "%s%u/%s", i ? "," : "",
				 fg->ports[i].port, port_proto_name(fg->ports[i].proto));
		if (n < 0 || (size_t)n >= len - off)
			return -ENOSPC;
		off += (size_t)n;
	}
	return 0;
}

/* A door name may hold spaces, the field separator: in the line a space
 * is "%20" and a '%' is "%25", every other byte as it is. */
static int door_encode(const char *name, char *buf, size_t len)
{
	size_t o = 0;
	for (const char *p = name; *p; p++) {
		const char *e = *p == ' ' ? "%20" : *p == '%' ? "%25" : NULL;
		size_t n = e ? 3 : 1;
		if (o + n >= len)
			return -ENOSPC;
		memcpy(buf + o, e ? e : p, n);
		o += n;
	}
	buf[o] = '\0';
	return 0;
}

static bool door_decode(const char *field, char *out, size_t len)
{
	size_t o = 0;
	for (const char *p = field; *p; p++) {
		char c = *p;
		if (c == '%') {
			if (strncmp(p, "%20", 3) == 0)
				c = ' ';
			else if (strncmp(p, "%25", 3) != 0)
				return false;
			p += 2;
		}
		if (o + 1 >= len)
			return false;
		out[o++] = c;
	}
	out[o] = '\0';
	return config_door_name_valid(out, CONFIG_DOOR_NAME_LEN);
}

int fleet_msg_format(const struct fleet_grant *fg, const uint8_t key[FLEET_KEY_LEN],
		     const char *ns, char *buf, size_t len)
{
	if (!config_fleet_node_valid(fg->node) ||
	    !config_door_name_valid(fg->door, CONFIG_DOOR_NAME_LEN) || fg->nports > CONFIG_OPEN_MAX)
		return -EINVAL;
	char a[ADDR_STRLEN], ports[CONFIG_OPEN_MAX * 12], door[3 * CONFIG_DOOR_NAME_LEN + 1];
	if (format_ports(fg, ports, sizeof ports) < 0 || door_encode(fg->door, door, sizeof door) < 0)
		return -EINVAL;
	int n = snprintf(buf, len, MAGIC " %s %s %s %s %llu %llu ", fg->node, door,
			 addr_format(&fg->addr, a, sizeof a), ports,
			 (unsigned long long)fg->issued_ms, (unsigned long long)fg->expire_ms);
	if (n < 0 || (size_t)n + MAC_HEX >= len || (size_t)n + MAC_HEX >= FLEET_MSG_MAX)
		return -ENOSPC;
	uint8_t mac[32];
	if (!mac_of(key, ns, buf, (size_t)n - 1, mac))
		return -EINVAL;
	hex(mac, sizeof mac, buf + n);
	return n + MAC_HEX;
}

static bool parse_u64(const char *s, uint64_t *out)
{
	size_t n = strlen(s);
	if (n == 0 || n > 19 || strspn(s, "0123456789") != n || (n > 1 && s[0] == '0'))
		return false;
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++)
		v = v * 10 + (uint64_t)(s[i] - '0');
	*out = v;
	return true;
}

const char *fleet_msg_parse(const char *msg, size_t len, const uint8_t key[FLEET_KEY_LEN],
			    const char *ns, struct fleet_grant *out)
{
	memset(out, 0, sizeof *out);
	if (len < MAC_HEX + 1 || len >= FLEET_MSG_MAX)
		return "wrong length";
	if (memchr(msg, '\0', len))
		return "NUL byte";
	char buf[FLEET_MSG_MAX];
	memcpy(buf, msg, len);
	buf[len] = '\0';
	/* The MAC first: nothing below looks at unauthenticated fields. */
	size_t body = len - MAC_HEX;
	if (buf[body - 1] != ' ')
		return "malformed";
	uint8_t want[32], got[32];
	if (!unhex(buf + body, 32, got))
		return "malformed MAC";
	if (!mac_of(key, ns, buf, body - 1, want))
		return "cannot compute the MAC";
	if (CRYPTO_memcmp(want, got, sizeof want) != 0)
		return "bad MAC (not signed with this fleet's key)";

	char *f[FIELDS];
	size_t nf = 0;
	char *p = buf;
	for (;;) {
		if (nf == FIELDS)
			return "too many fields";
		f[nf++] = p;
		char *sp = strchr(p, ' ');
		if (!sp)
			break;
		*sp = '\0';
		p = sp + 1;
	}
	if (nf != FIELDS)
		return "too few fields";
	if (strcmp(f[0], MAGIC) != 0)
		return "unknown version";
	if (!config_fleet_node_valid(f[1]))
		return "bad node name";
	snprintf(out->node, sizeof out->node, "%s", f[1]);
	if (!door_decode(f[2], out->door, sizeof out->door))
		return "bad door name";
	if (!addr_parse(f[3], &out->addr))
		return "bad address";
	if (strcmp(f[4], "-") != 0) {
		char err[64];
		int n = portspec_parse_list(f[4], true, PROTO_TCP, out->ports, CONFIG_OPEN_MAX,
					    err, sizeof err);
		if (n <= 0)
			return "bad ports";
		out->nports = (uint32_t)n;
	}
	if (!parse_u64(f[5], &out->issued_ms) || !parse_u64(f[6], &out->expire_ms))
		return "bad time";
	return NULL;
}

static bool addr_usable(const struct addr *a)
{
	if (a->family != AF_INET && a->family != AF_INET6)
		return false;
	static const uint8_t zero[16];
	return memcmp(a->bytes, zero, addr_len(a)) != 0;
}

const char *fleet_msg_grant(const struct fleet_grant *fg, const struct config *cfg,
			    uint64_t now_ms, uint64_t max_age_ms, struct grant *out)
{
	memset(out, 0, sizeof *out);
	const struct door *d = config_find_door(cfg, fg->door);
	if (!d)
		return "no door of that name here";
	if (!d->fleet)
		return "that door is not in the fleet here (Fleet = no)";
	if (!addr_usable(&fg->addr))
		return "unusable address";
	if (fg->nports > CONFIG_OPEN_MAX || fg->nports > d->open_len)
		return "more ports than the door guards here";
	if (d->open_len && fg->nports == 0)
		return "no ports named";
	if (fg->issued_ms > now_ms + FLEET_SKEW_MS)
		return "issued in the future";
	if (fg->expire_ms <= fg->issued_ms)
		return "expires before it was issued";
	if (fg->expire_ms <= now_ms)
		return "expired";
	if (max_age_ms && fg->issued_ms + max_age_ms < now_ms)
		return "too old";
	uint64_t life = fg->expire_ms - fg->issued_ms;
	uint32_t max_s = grant_max_timeout_s(d);
	if (life > (uint64_t)max_s * 1000)
		return "longer than the door's timeout here";
	/* Same expiry everywhere: what is left of it, rounded up. */
	uint64_t left = (fg->expire_ms - now_ms + 999) / 1000;
	out->door = (uint32_t)(d - cfg->doors);
	out->addr = fg->addr;
	out->timeout_s = (uint32_t)(left > max_s ? max_s : left);
	out->nports = fg->nports;
	memcpy(out->ports, fg->ports, fg->nports * sizeof fg->ports[0]);
	if (!grant_validate(out, cfg))
		return "a port the door does not guard here";
	return NULL;
}

int fleet_grant_from(const struct grant *gr, const struct config *cfg, const char *node,
		     uint64_t now_ms, struct fleet_grant *out)
{
	memset(out, 0, sizeof *out);
	if (!grant_validate(gr, cfg) || !config_fleet_node_valid(node))
		return -EINVAL;
	const struct door *d = &cfg->doors[gr->door];
	snprintf(out->node, sizeof out->node, "%s", node);
	snprintf(out->door, sizeof out->door, "%s", d->name);
	out->addr = gr->addr;
	if (gr->nports) {
		out->nports = gr->nports;
		memcpy(out->ports, gr->ports, gr->nports * sizeof gr->ports[0]);
	} else {
		out->nports = (uint32_t)d->open_len;
		memcpy(out->ports, d->open, d->open_len * sizeof d->open[0]);
	}
	uint32_t t = gr->timeout_s;
	if (!t)
		t = d->open_len ? d->open_timeout_s : d->cmd_timeout_s;
	out->issued_ms = now_ms;
	out->expire_ms = now_ms + (uint64_t)t * 1000;
	return 0;
}
