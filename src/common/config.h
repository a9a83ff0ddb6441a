/* SPDX-License-Identifier: GPL-2.0-or-later */
/* config — knockd.conf-compatible configuration, plus sesame's own keys.
 *
 * The parser builds plain data and starts nothing: no sockets, no
 * firewall, no commands.  Keys are case-insensitive; values keep their
 * case.  Every error and warning carries "file:line: ".  docs/config.md
 * and sesamed.conf(5) describe every key.
 *
 * Ownership: config_load() returns a tree owned by the caller, released
 * with one config_free().  Strings inside are owned by the tree; fwknop
 * keys are wiped by config_free().
 *
 * What the parser guarantees to the rest of sesamed, so nobody re-checks:
 *  - a door is either a sequence door (seq_len > 0 xor one_time_file), a
 *    rotating door (rot_secrets set, rot_length 2..32 within the
 *    Sequence_Ports range) or an SPA door (spa_format set, spa_port set,
 *    open_len > 0; native: spa_keys set; fwknop: both keys non-empty),
 *    exactly one of them;
 *  - door names are unique (case-insensitively) and match
 *    [A-Za-z_][A-Za-z0-9_-]{0,47}; nft_table passes nft_table_name_ok();
 *  - every number is in range (see docs/config.md), ports are 1..65535,
 *    protocols PROTO_TCP or PROTO_UDP, Open lists no port twice;
 *  - relative paths were joined to the config file's directory;
 *  - with Firewall = none no door has Open;
 *  - a door with forward has Open; a door with forward_to has forward.
 */
#ifndef SESAME_CONFIG_H
#define SESAME_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <syslog.h>          /* LOG_ERR, LOG_WARNING for config_diag_fn */

#include "addr.h"

#define CONFIG_SEQ_MAX        32        /* knockd's limit per sequence */
#define CONFIG_OPEN_MAX       16        /* ports one door may guard */
#define CONFIG_NAME_MAX       64        /* door name, with NUL */
#define CONFIG_ALLOW_MAX      16        /* CIDRs in SPA_Allow_Address */
#define CONFIG_KEY_MAX        64        /* fwknop key bytes */
#define CONFIG_DOORS_MAX      256       /* doors per file */
#define CONFIG_DOOR_NAME_LEN  48        /* door name bytes: leaves room for
					 * "_v4" and step suffixes in nft */
#define CONFIG_LINE_MAX       4096      /* bytes per line, without newline */
#define CONFIG_FLEET_HOST_MAX 46        /* INET6_ADDRSTRLEN */
#define CONFIG_FLEET_NODE_MAX 64        /* Fleet_Node, with NUL */

/* IPPROTO_TCP / IPPROTO_UDP values, kept as uint8_t in the tables. */
enum { PROTO_TCP = 6, PROTO_UDP = 17 };

/* TCP flag bits as on the wire (byte 13 of the TCP header). */
enum {
	TCPF_FIN = 0x01, TCPF_SYN = 0x02, TCPF_RST = 0x04,
	TCPF_PSH = 0x08, TCPF_ACK = 0x10, TCPF_URG = 0x20,
};

/* One knock, or one guarded port: PORT/PROTO. */
struct port_proto {
	uint16_t port;
	uint8_t proto;                  /* PROTO_TCP or PROTO_UDP */
};

enum spa_format { SPA_FORMAT_NONE = 0, SPA_FORMAT_SESAME, SPA_FORMAT_FWKNOP };
enum allow_policy { ALLOW_NO = 0, ALLOW_YES, ALLOW_CIDR };
enum firewall_kind { FIREWALL_AUTO = 0, FIREWALL_NFT, FIREWALL_NONE };
enum hmac_digest {
	HMAC_NONE = 0, HMAC_MD5, HMAC_SHA1, HMAC_SHA256, HMAC_SHA384,
	HMAC_SHA512, HMAC_SHA3_256, HMAC_SHA3_512,
};

struct door {
	char name[CONFIG_NAME_MAX];     /* the [section] name, as written */
	unsigned line;                  /* line of the [section] header */

	/* Sequence door: seq_len > 0, or one_time_file set. */
	struct port_proto seq[CONFIG_SEQ_MAX];
	size_t seq_len;
	char *one_time_file;            /* One_Time_Sequences, or NULL */
	unsigned seq_timeout_ms;        /* Seq_Timeout, default 25 s */
	bool has_tcpflags;              /* TCPFlags given */
	uint8_t tcpflags_set;           /* flags that must be set */
	uint8_t tcpflags_clear;         /* flags that must be clear ("!ack") */
	struct addr target;             /* Target; family 0 when not given */

	/* Rotating door: rot_secrets set (see rotseq.h, docs/rotating.md). */
	char *rot_secrets;              /* Sequence_Secrets file */
	unsigned rot_length;            /* Sequence_Length, default 4 */
	unsigned rot_period_s;          /* Sequence_Period, default 30 */
	uint8_t rot_protos;             /* Sequence_Protocols: enum rotseq_protos */
	uint16_t rot_low, rot_high;     /* Sequence_Ports, default 1024-65535 */
	bool rot_bind;                  /* Sequence_Bind_Address */

	/* Command gate.  NULL: not given.  "" (empty value): nothing to run. */
	char *start_command;            /* Start_Command / Command */
	char *start_command6;           /* Start_Command_6 / Command_6 */
	char *stop_command;
	char *stop_command6;
	unsigned cmd_timeout_s;         /* Cmd_Timeout, default 10 */
	bool has_cmd_timeout;

	/* Fleet: grants of this door are shared with the other gateways
	 * (default yes when [options] Fleet is set; never without it). */
	bool fleet;

	/* Native gate. */
	struct port_proto open[CONFIG_OPEN_MAX];
	size_t open_len;                /* > 0: door has Open */
	unsigned open_timeout_s;        /* Open_Timeout, default 30 */
	/* Forward = yes: Open names ports as the client sends them, and the
	 * gate also guards forwarded connections (DNAT'd, or to forward_to). */
	bool forward;
	struct addr forward_to;         /* Forward_To; family 0 when not given */
	uint16_t forward_to_port;       /* Forward_To's :PORT; 0: any */

	/* SPA door: spa_format != SPA_FORMAT_NONE. */
	enum spa_format spa_format;
	uint16_t spa_port;              /* SPA_Port, default 62201 */
	char *spa_keys;                 /* SPA_Keys file (native format) */
	unsigned spa_window_s;          /* default 30 native, 120 fwknop */
	enum allow_policy allow;
	struct cidr allow_nets[CONFIG_ALLOW_MAX];
	size_t allow_len;
	bool spa_require_address;       /* SPA_Require_Address: refuse packets
					 * that do not name the address */
	bool spa_accept_v1;             /* SPA_Accept_V1 (native): also take
					 * legacy packets, bound to no port */

	/* fwknop format (raw bytes, decoded from base64 or taken literally). */
	uint8_t fwknop_key[CONFIG_KEY_MAX];
	size_t fwknop_key_len;
	uint8_t fwknop_hmac_key[CONFIG_KEY_MAX * 2];
	size_t fwknop_hmac_key_len;
	enum hmac_digest fwknop_hmac_digest;    /* default HMAC_SHA256 */

	/* Line of each key as given (0: not given), for warnings. */
	struct door_lines {
		unsigned sequence, one_time, seq_timeout, tcpflags, target;
		unsigned start_command, start_command6, stop_command,
			 stop_command6, cmd_timeout;
		unsigned open, open_timeout, spa_port, spa_format;
		unsigned forward, forward_to;
		unsigned rot_secrets;
		unsigned fleet;
	} lines;
};

struct config {
	char *path;                     /* file it was read from */

	/* [options] — knockd's. */
	bool use_syslog;
	char *log_file;
	unsigned log_file_line;         /* line of LogFile, 0: not given */
	char *pid_file;
	char *interface;                /* NULL: the default route's */

	/* [options] — sesame's own. */
	enum firewall_kind firewall;    /* AUTO: nft if any door has Open */
	char nft_table[CONFIG_NAME_MAX];/* default "sesame" */
	unsigned state_limit;           /* default 65536 */
	char *state_dir;                /* default /var/lib/sesame */
	char *replay_cache;             /* default /var/lib/sesame/replay */
	char *control_socket;           /* default /run/sesame/control */
	char *user;                     /* default "sesame" */

	/* [options] — fleet mode (docs/fleet.md).  fleet_host[0] == 0: off. */
	char fleet_host[CONFIG_FLEET_HOST_MAX]; /* numeric IPv4/IPv6 address */
	uint16_t fleet_port;            /* default 6379 */
	unsigned fleet_db;              /* default 0 */
	char *fleet_password_file;      /* NULL: no AUTH */
	char *fleet_key_file;           /* required with Fleet */
	char fleet_name[CONFIG_NAME_MAX];       /* key namespace, default "sesame" */
	char fleet_node[CONFIG_FLEET_NODE_MAX]; /* "": the host name */
	bool fleet_required;            /* Redis down: SPA doors refuse */

	struct door *doors;
	size_t ndoors;
};

/* Where diagnostics go.  LEVEL is LOG_ERR or LOG_WARNING; MSG already
 * starts with "file:line: ".  NULL: print to stderr. */
typedef void (*config_diag_fn)(void *ctx, int level, const char *msg);
/* One formatted message to DIAG (CTX), or to the log when DIAG is NULL:
 * for the loaders of files a config names (key files, secrets). */
void config_diagf(config_diag_fn diag, void *ctx, int level, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Reads PATH.  Returns 0 and sets *OUT, or -EINVAL (errors were reported
 * through DIAG, every one of them, not just the first) or -errno when the
 * file cannot be read (reported too).  Warnings never fail the load.
 * Also reads each One_Time_Sequences file (missing or malformed: error;
 * used up: warning), as knockd does at start.  SPA_Keys files are left to
 * the SPA module. */
int config_load(const char *path, config_diag_fn diag, void *ctx,
		struct config **out);
/* Same, from a buffer (NAME used in messages and, when it has a '/', as
 * the base of relative paths), without touching any file.  For tests and
 * fuzzing. */
int config_parse(const char *name, const char *text, size_t len,
		 config_diag_fn diag, void *ctx, struct config **out);
void config_free(struct config *cfg);

/* Extra checks for `sesamed -t`: traps that are legal but almost surely
 * wrong (TCPFlags = syn,ack; a port repeated back to back; a knock port
 * equal to a guarded or well-known service port; Stop_Command without
 * Cmd_Timeout ...).  Reported as LOG_WARNING through DIAG; returns the
 * number of warnings. */
unsigned config_lint(const struct config *cfg, config_diag_fn diag, void *ctx);

/* Resolved defaults that depend on the whole config. */
bool config_wants_nft(const struct config *cfg);
/* True for a door that tracks a knock sequence (static or one-time). */
bool door_is_sequence(const struct door *d);
/* True for a door whose sequence rotates (Sequence_Secrets). */
bool door_is_rotating(const struct door *d);
bool door_is_spa(const struct door *d);

/* A door name (a client profile's Door too): 1..MAX printable ASCII
 * bytes, none of ':' '"' '\\' (a name is a field of "door NAME: ADDRESS:
 * ..." log lines, which fail2ban reads, and appears quoted in JSON and
 * Prometheus labels).  Spaces are fine, as in knockd ("[Open rtorrent]"):
 * nft names are derived from it (nft_ident), and two doors whose derived
 * names collide are refused. */
bool config_door_name_valid(const char *s, size_t max);

/* True when [options] Fleet is set. */
bool config_fleet_on(const struct config *cfg);
/* [A-Za-z0-9._-]{1,63}: safe in Redis keys, log lines and fleet messages. */
bool config_fleet_node_valid(const char *s);

/* The door named NAME (exact match), or NULL. */
const struct door *config_find_door(const struct config *cfg, const char *name);

/* "tcp" / "udp" (anything else: "?"), for logs and `sesame status`. */
const char *port_proto_name(uint8_t proto);
/* fwknop's name of D ("sha256" ...), or NULL for HMAC_NONE. */
const char *hmac_digest_name(enum hmac_digest d);
/* "sha256", "SHA3-256", ...: case ignored, '-' read as '_'.  False for
 * anything else ("none" included). */
bool hmac_digest_parse(const char *s, enum hmac_digest *out);

#endif
