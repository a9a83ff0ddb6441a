/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of config: every key (good and bad values), aliases, case,
 * defaults, error lines, all errors reported.  Lint and the corpus are in
 * test_config_lint.c. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <errno.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "config.h"
#include "config_diags.h"

/* --- knockd keys ------------------------------------------------------ */

static void knockd_options(void **state)
{
	(void)state;
	struct config *c = good("[options]\n"
				"  UseSyslog\n"
				"  LogFile = /var/log/Knockd.log\n"
				"  PidFile = /run/knockd.pid\n"
				"  Interface = eth1\n");
	assert_true(c->use_syslog);
	assert_string_equal(c->log_file, "/var/log/Knockd.log");
	assert_string_equal(c->pid_file, "/run/knockd.pid");
	assert_string_equal(c->interface, "eth1");
	assert_int_equal(c->ndoors, 0);
	config_free(c);

	c = good("[options]\nusesyslog = no\n");
	assert_false(c->use_syslog);
	config_free(c);
	c = good("[options]\nUSESYSLOG = Yes\n");
	assert_true(c->use_syslog);
	config_free(c);
	bad("[options]\nusesyslog = maybe\n", "t.conf:2: UseSyslog: bad value 'maybe'");
	bad("[options]\ninterface = eth0/1\n", "Interface: bad interface name 'eth0/1'");
	bad("[options]\ninterface = 0123456789abcdef\n", "Interface: bad interface name");
	bad("[options]\nlogfile =\n", "t.conf:2: LogFile: empty value");
	bad("[options]\npidfile\n", "t.conf:2: PidFile needs a value");
}

static void knockd_door_keys(void **state)
{
	(void)state;
	struct config *c = good(
		"[openSSH]\n"
		"sequence = 7000, 8000:udp ,9000:TCP\n"
		"seq_timeout = 10\n"
		"tcpflags = syn,!ack , !URG\n"
		"start_command = /sbin/iptables -A INPUT -s %IP% -j ACCEPT # not a comment\n"
		"start_command_6 = /sbin/ip6tables -A INPUT -s %IP% -j ACCEPT\n"
		"cmd_timeout = 7\n"
		"stop_command = /sbin/iptables -D INPUT -s %IP% -j ACCEPT\n"
		"stop_command_6 = /sbin/ip6tables -D INPUT -s %IP% -j ACCEPT\n"
		"target = 192.0.2.7\n");
	assert_int_equal(c->ndoors, 1);
	const struct door *d = &c->doors[0];
	assert_string_equal(d->name, "openSSH");
	assert_int_equal(d->line, 1);
	assert_int_equal(d->seq_len, 3);
	assert_int_equal(d->seq[0].port, 7000);
	assert_int_equal(d->seq[0].proto, PROTO_TCP);
	assert_int_equal(d->seq[1].port, 8000);
	assert_int_equal(d->seq[1].proto, PROTO_UDP);
	assert_int_equal(d->seq[2].proto, PROTO_TCP);
	assert_int_equal(d->seq_timeout_ms, 10000);
	assert_true(d->has_tcpflags);
	assert_int_equal(d->tcpflags_set, TCPF_SYN);
	assert_int_equal(d->tcpflags_clear, TCPF_ACK | TCPF_URG);
	assert_string_equal(d->start_command,
			    "/sbin/iptables -A INPUT -s %IP% -j ACCEPT # not a comment");
	assert_string_equal(d->start_command6, "/sbin/ip6tables -A INPUT -s %IP% -j ACCEPT");
	assert_string_equal(d->stop_command, "/sbin/iptables -D INPUT -s %IP% -j ACCEPT");
	assert_string_equal(d->stop_command6, "/sbin/ip6tables -D INPUT -s %IP% -j ACCEPT");
	assert_int_equal(d->cmd_timeout_s, 7);
	assert_true(d->has_cmd_timeout);
	assert_int_equal(d->target.family, AF_INET);
	assert_int_equal(d->target.v4.s_addr, htonl(0xc0000207));
	assert_true(door_is_sequence(d));
	assert_false(door_is_spa(d));
	assert_int_equal(d->lines.sequence, 2);
	assert_int_equal(d->lines.stop_command, 8);
	config_free(c);

	c = good(DOOR("target = 2001:db8::1\n"));
	assert_int_equal(c->doors[0].target.family, AF_INET6);
	config_free(c);

	/* Every flag name, in any case. */
	c = good(DOOR("tcpflags = FIN,syn,Rst,psh,ack,urg\n"));
	assert_int_equal(c->doors[0].tcpflags_set, 0x3f);
	assert_int_equal(c->doors[0].tcpflags_clear, 0);
	config_free(c);
}

static void knockd_real_world(void **state)
{
	(void)state;
	/* Door names as knockd takes them: spaces, a leading digit, dots. */
	struct config *c = good("[Open rtorrent]\nsequence = 1,2,3\ncommand = /a\n"
				"[1door]\nsequence = 4,5,6\ncommand = /a\n"
				"[a.b]\nsequence = 7,8,9\nopen = 22\n");
	assert_string_equal(c->doors[0].name, "Open rtorrent");
	assert_string_equal(c->doors[1].name, "1door");
	config_free(c);
	bad("[a b]\nsequence = 1,2,3\nopen = 22\n[a_b]\nsequence = 4,5,6\nopen = 23\n",
	    "t.conf:4: door a_b: its nft sets would be named a_b_v4/_v6 like those of door a b (line 1)");
	/* Command doors have no sets: their mapped names may collide. */
	c = good("[a b]\nsequence = 1,2,3\ncommand = /a\n[a_b]\nsequence = 4,5,6\nopen = 23\n");
	config_free(c);

	/* Timeout is knockd's Seq_Timeout. */
	c = good(DOOR("timeout = 7\ncommand = /a\n"));
	assert_int_equal(c->doors[0].seq_timeout_ms, 7000);
	config_free(c);

	/* A trailing comment after a number or a port list: dropped, warned. */
	c = good("[d]\nsequence = 7000,8000:udp,9000 # my doors\ncmd_timeout = 3600\t# an hour\n"
		 "command = /bin/x %IP% # stays\nstop_command = /bin/y\nopen = 22/tcp  # ssh\n");
	assert_int_equal(c->doors[0].seq_len, 3);
	assert_int_equal(c->doors[0].seq[2].port, 9000);
	assert_int_equal(c->doors[0].cmd_timeout_s, 3600);
	assert_int_equal(c->doors[0].open_len, 1);
	assert_string_equal(c->doors[0].start_command, "/bin/x %IP% # stays");
	assert_true(has(&D, LOG_WARNING, "t.conf:2: warning: Sequence: trailing comment '# my doors' ignored"));
	assert_true(has(&D, LOG_WARNING, "t.conf:3: warning: Cmd_Timeout: trailing comment '# an hour' ignored"));
	assert_true(has(&D, LOG_WARNING, "t.conf:6: warning: Open: trailing comment"));
	assert_false(has(&D, LOG_WARNING, "Start_Command"));
	config_free(c);
	/* A '#' glued to the value is not a comment; a comment alone is no value. */
	bad(DOOR("seq_timeout = 5#x\n"), "t.conf:3: Seq_Timeout: bad value '5#x'");
	bad(DOOR("seq_timeout = # 5\n"), "t.conf:3: Seq_Timeout: bad value '# 5'");

	/* Unicode spaces where a blank was meant are named. */
	bad("[d]\n\xe3\x80\x80sequence = 1,2,3\n",
	    "t.conf:2: unknown key '\xe3\x80\x80sequence': it holds U+3000 IDEOGRAPHIC SPACE (byte 1)");
	bad("[d]\nsequence\xc2\xa0= 1,2,3\n", "it holds U+00A0 NO-BREAK SPACE (byte 9)");
	bad("[d]\nsequense = 1,2,3\n", "t.conf:2: unknown key 'sequense'");

	/* A value shortened in a message keeps whole UTF-8 characters. */
	char text[512];
	char val[200];
	memset(val, 'x', 79);
	strcpy(val + 79, "\xc3\xa9\xc3\xa9");
	snprintf(text, sizeof text, DOOR("seq_timeout = %s\n"), val);
	char want[200];
	memset(want, 0, sizeof want);
	strcpy(want, "bad value '");
	memset(want + strlen(want), 'x', 79);
	strcat(want, "...'");
	bad(text, want);
	/* The same for a port item, shown up to 20 bytes. */
	memset(val, 'x', 19);
	strcpy(val + 19, "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9");
	snprintf(text, sizeof text, "[d]\nsequence = 1,%s\n", val);
	snprintf(want, sizeof want, "bad port '%.19s'", val);
	bad(text, want);
}

static void aliases(void **state)
{
	(void)state;
	struct config *c = good(DOOR("Command = /bin/open %IP%\nCommand_6 = /bin/open6 %IP%\n"));
	assert_string_equal(c->doors[0].start_command, "/bin/open %IP%");
	assert_string_equal(c->doors[0].start_command6, "/bin/open6 %IP%");
	config_free(c);

	/* Alias and key are one key: the later wins, with a warning. */
	c = good(DOOR("start_command = /bin/a\ncommand = /bin/b\n"));
	assert_string_equal(c->doors[0].start_command, "/bin/b");
	assert_true(has(&D, LOG_WARNING, "t.conf:4: warning: Command given again (line 3)"));
	config_free(c);
}

static void empty_commands(void **state)
{
	(void)state;
	/* knockd: an empty value means "do nothing" (no v4 fallback). */
	struct config *c = good(DOOR("start_command = /bin/a %IP%\nstart_command_6 =\n"
				     "stop_command_6 =\n"));
	assert_string_equal(c->doors[0].start_command6, "");
	assert_string_equal(c->doors[0].stop_command6, "");
	assert_null(c->doors[0].stop_command);
	config_free(c);
}

static void case_and_whitespace(void **state)
{
	(void)state;
	struct config *c = good("\t[OPTIONS]  \n"
				"LOGFILE=/tmp/MixedCase.LOG\n"
				"  # a comment\n"
				"\n"
				"[ MyDoor ]\r\n"
				"SEQUENCE\t=\t1234:UDP,2345\r\n"
				"sEq_TiMeOuT=3\n"
				"COMMAND = Echo %IP% 'Keeps Case'\n");
	assert_string_equal(c->log_file, "/tmp/MixedCase.LOG");
	assert_string_equal(c->doors[0].name, "MyDoor");
	assert_int_equal(c->doors[0].seq[0].proto, PROTO_UDP);
	assert_int_equal(c->doors[0].seq_timeout_ms, 3000);
	assert_string_equal(c->doors[0].start_command, "Echo %IP% 'Keeps Case'");
	config_free(c);

	/* A UTF-8 byte order mark (some editors write one) is skipped. */
	c = good("\xef\xbb\xbf[options]\nlogfile = /x\n");
	assert_string_equal(c->log_file, "/x");
	config_free(c);
	bad("[options]\n\xef\xbb\xbflogfile = /x\n", "t.conf:2: unknown key");

	/* A value may hold '=' (commands do). */
	c = good(DOOR("command = env A=b /bin/x\n"));
	assert_string_equal(c->doors[0].start_command, "env A=b /bin/x");
	config_free(c);
}

static void defaults(void **state)
{
	(void)state;
	struct config *c = good(DOOR(""));
	assert_false(c->use_syslog);
	assert_null(c->log_file);
	assert_null(c->pid_file);
	assert_null(c->interface);
	assert_int_equal(c->firewall, FIREWALL_AUTO);
	assert_string_equal(c->nft_table, "sesame");
	assert_int_equal(c->state_limit, 65536);
	assert_string_equal(c->state_dir, "/var/lib/sesame");
	assert_string_equal(c->replay_cache, "/var/lib/sesame/replay");
	assert_string_equal(c->control_socket, "/run/sesame/control");
	assert_string_equal(c->user, "sesame");
	assert_string_equal(c->path, "t.conf");
	const struct door *d = &c->doors[0];
	assert_int_equal(d->seq_timeout_ms, 25000);
	assert_int_equal(d->cmd_timeout_s, 10);
	assert_false(d->has_cmd_timeout);
	assert_false(d->has_tcpflags);
	assert_int_equal(d->open_timeout_s, 30);
	assert_int_equal(d->open_len, 0);
	assert_int_equal(d->target.family, 0);
	assert_null(d->start_command);
	assert_null(d->one_time_file);
	assert_int_equal(d->spa_format, SPA_FORMAT_NONE);
	assert_false(config_wants_nft(c));
	config_free(c);
}

static void spa_defaults(void **state)
{
	(void)state;
	struct config *c = good("[spa]\nspa_port = 62201\nspa_keys = /k\nopen = 22\n"
				"[fw]\nspa_format = fwknop\nfwknop_key = pass\n"
				"fwknop_hmac_key = hpass\nopen = tcp/22\n");
	const struct door *s = &c->doors[0], *f = &c->doors[1];
	assert_true(door_is_spa(s));
	assert_false(door_is_sequence(s));
	assert_int_equal(s->spa_format, SPA_FORMAT_SESAME);
	assert_int_equal(s->spa_port, 62201);
	assert_int_equal(s->spa_window_s, 30);
	assert_int_equal(s->allow, ALLOW_NO);
	assert_int_equal(s->open[0].port, 22);
	assert_int_equal(s->open[0].proto, PROTO_TCP);
	assert_int_equal(f->spa_format, SPA_FORMAT_FWKNOP);
	assert_int_equal(f->spa_port, 62201);
	assert_int_equal(f->spa_window_s, 120);
	assert_int_equal(f->fwknop_hmac_digest, HMAC_SHA256);
	assert_int_equal(f->fwknop_key_len, 4);
	assert_memory_equal(f->fwknop_key, "pass", 4);
	assert_int_equal(f->fwknop_hmac_key_len, 5);
	assert_memory_equal(f->fwknop_hmac_key, "hpass", 5);
	assert_true(config_wants_nft(c));
	config_free(c);
}

/* --- sesame keys ------------------------------------------------------ */

static void sesame_options(void **state)
{
	(void)state;
	struct config *c = good("[options]\nFirewall = NFT\nNftTable = my_Table_2\n"
				"StateLimit = 1024\nStateDir = /tmp/st\n"
				"ReplayCache = /tmp/rc\nControlSocket = /tmp/cs\n"
				"User = nobody\n");
	assert_int_equal(c->firewall, FIREWALL_NFT);
	assert_true(config_wants_nft(c));
	assert_string_equal(c->nft_table, "my_Table_2");
	assert_int_equal(c->state_limit, 1024);
	assert_string_equal(c->state_dir, "/tmp/st");
	assert_string_equal(c->replay_cache, "/tmp/rc");
	assert_string_equal(c->control_socket, "/tmp/cs");
	assert_string_equal(c->user, "nobody");
	config_free(c);

	c = good("[options]\nfirewall = none\n" DOOR("command = /bin/x\n"));
	assert_int_equal(c->firewall, FIREWALL_NONE);
	assert_false(config_wants_nft(c));
	config_free(c);

	bad("[options]\nfirewall = iptables\n", "t.conf:2: Firewall: bad value 'iptables'");
	bad("[options]\nnfttable = 1table\n", "NftTable: bad table name '1table'");
	bad("[options]\nnfttable = a.b\n", "NftTable: bad table name 'a.b'");
	bad("[options]\nnfttable = my-table\n", "NftTable: bad table name 'my-table'");
	bad("[options]\nstatelimit = 0\n", "StateLimit: bad value '0'");
	bad("[options]\nstatelimit = 99999999999\n", "StateLimit: bad value '99999999999'");
	bad("[options]\nstatelimit = 1k\n", "StateLimit: bad value '1k'");
	bad("[options]\nuser = -rf\n", "User: bad user name '-rf'");
	bad("[options]\nuser = a b\n", "User: bad user name 'a b'");
	bad("[options]\ncontrolsocket = /aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
	    "ControlSocket: path too long");
	bad("[options]\nfirewall = none\n[d]\nsequence = 1,2,3\nopen = 22\n",
	    "t.conf:5: door d: Open needs the nft gate, but Firewall = none (line 2)");
	/* [options] after the door: still caught. */
	bad("[d]\nsequence = 1,2,3\nopen = 22\n[options]\nfirewall = none\n",
	    "t.conf:3: door d: Open needs the nft gate");
}

static void open_keys(void **state)
{
	(void)state;
	struct config *c = good(DOOR("open = 22/tcp, udp/53 ,443\nopen_timeout = 5\n"));
	const struct door *d = &c->doors[0];
	assert_int_equal(d->open_len, 3);
	assert_int_equal(d->open[1].port, 53);
	assert_int_equal(d->open[1].proto, PROTO_UDP);
	assert_int_equal(d->open[2].proto, PROTO_TCP);
	assert_int_equal(d->open_timeout_s, 5);
	assert_true(config_wants_nft(c));
	config_free(c);

	bad(DOOR("open = 22/icmp\n"), "t.conf:3: Open: bad port '22/icmp'");
	bad(DOOR("open =\n"), "t.conf:3: Open: empty value");
	bad(DOOR("open = 22/tcp,80,tcp/22\n"), "t.conf:3: Open: port 22/tcp given twice in '22/tcp,80,tcp/22'");
	c = good(DOOR("open = 53/tcp,53/udp\n"));
	assert_int_equal(c->doors[0].open_len, 2);
	config_free(c);
	bad(DOOR("open = 22:tcp\n"), "Open: bad port '22:tcp'");
	bad(DOOR("open = 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17\n"),
	    "Open: too many ports (at most 16)");
	bad(DOOR("open = 22\nopen_timeout = 0\n"), "t.conf:4: Open_Timeout: bad value '0'");
	bad(DOOR("open = 22\nopen_timeout = 99999999\n"), "Open_Timeout: bad value '99999999'");
}

static void forward_keys(void **state)
{
	(void)state;
	struct config *c = good(DOOR("open = 2222/tcp\nforward = yes\n"));
	const struct door *d = &c->doors[0];
	assert_true(d->forward);
	assert_int_equal(d->forward_to.family, 0);
	config_free(c);
	c = good(DOOR("open = 2222/tcp\n"));
	assert_false(c->doors[0].forward);
	config_free(c);

	static const struct { const char *v; int family; const char *addr; unsigned port; } ok[] = {
		{ "198.19.1.2", AF_INET, "198.19.1.2", 0 },
		{ "198.19.1.2:22", AF_INET, "198.19.1.2", 22 },
		{ "2001:db8:1::10", AF_INET6, "2001:db8:1::10", 0 },
		{ "[2001:db8:1::10]", AF_INET6, "2001:db8:1::10", 0 },
		{ "[2001:db8:1::10]:65535", AF_INET6, "2001:db8:1::10", 65535 },
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		char text[256];
		snprintf(text, sizeof text, DOOR("open = 2222/tcp\nforward = yes\nforward_to = %s\n"), ok[i].v);
		c = good(text);
		d = &c->doors[0];
		char a[ADDR_STRLEN];
		assert_int_equal(d->forward_to.family, ok[i].family);
		assert_string_equal(addr_format(&d->forward_to, a, sizeof a), ok[i].addr);
		assert_int_equal(d->forward_to_port, ok[i].port);
		config_free(c);
	}
	static const char *const no[] = {
		"host.example", "198.19.1.2:", "198.19.1.2:0", "198.19.1.2:65536", "198.19.1.2:22x",
		"[198.19.1.2]:22", "[2001:db8::1", "[2001:db8::1]x", "[]:22", "10.0.0.0/8", ":22",
	};
	for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
		char text[256], want[128];
		snprintf(text, sizeof text, DOOR("open = 2222/tcp\nforward = yes\nforward_to = %s\n"), no[i]);
		snprintf(want, sizeof want, "t.conf:5: Forward_To: bad value '%s'", no[i]);
		bad(text, want);
	}
	bad(DOOR("open = 22\nforward = maybe\n"), "t.conf:4: Forward: bad value 'maybe' (expected yes or no)");
	bad(DOOR("forward = yes\n"), "t.conf:3: door d: Forward needs Open");
	bad(DOOR("open = 22\nforward_to = 198.19.1.2\n"), "t.conf:4: door d: Forward_To needs Forward = yes");
	bad(DOOR("open = 22\nforward = no\nforward_to = 198.19.1.2\n"), "Forward_To needs Forward = yes");
}

static void spa_keys(void **state)
{
	(void)state;
	struct config *c = good("[s]\nspa_port = 1234\nspa_format = Sesame\nspa_keys = keys\n"
				"spa_window = 10\nspa_allow_address = 198.18.0.0/15, 2001:db8::/32,192.0.2.1\n"
				"open = 22\n");
	const struct door *d = &c->doors[0];
	assert_int_equal(d->spa_port, 1234);
	assert_int_equal(d->spa_window_s, 10);
	assert_string_equal(d->spa_keys, "keys");       /* no directory in "t.conf" */
	assert_int_equal(d->allow, ALLOW_CIDR);
	assert_int_equal(d->allow_len, 3);
	assert_int_equal(d->allow_nets[0].prefix, 15);
	assert_int_equal(d->allow_nets[1].addr.family, AF_INET6);
	assert_int_equal(d->allow_nets[2].prefix, 32);
	config_free(c);

	c = good("[s]\nspa_port = 1\nspa_keys = /k\nspa_allow_address = YES\nopen = 22\n");
	assert_int_equal(c->doors[0].allow, ALLOW_YES);
	config_free(c);
	c = good("[s]\nspa_port = 1\nspa_keys = /k\nspa_allow_address = no\nopen = 22\n");
	assert_int_equal(c->doors[0].allow, ALLOW_NO);
	config_free(c);

#define SPA(body) "[s]\nspa_keys = /k\nopen = 22\n" body
	bad(SPA("spa_port = 0\n"), "t.conf:4: SPA_Port: bad value '0'");
	bad(SPA("spa_port = 65536\n"), "SPA_Port: bad value '65536'");
	bad(SPA("spa_format = gpg\n"), "SPA_Format: bad value 'gpg'");
	bad(SPA("spa_port = 1\nspa_window = 0\n"), "t.conf:5: SPA_Window: bad value '0'");
	bad(SPA("spa_port = 1\nspa_allow_address = maybe\n"), "SPA_Allow_Address: bad value 'maybe'");
	bad(SPA("spa_port = 1\nspa_allow_address = 10.0.0.1/8\n"),
	    "SPA_Allow_Address: bad value '10.0.0.1/8'");
	bad(SPA("spa_port = 1\nspa_allow_address = 10.0.0.0/8,,10.1.0.0/16\n"),
	    "SPA_Allow_Address: bad value");
	bad(SPA("spa_port = 1\nspa_allow_address = 1.0.0.1,1.0.0.2,1.0.0.3,1.0.0.4,1.0.0.5,"
		"1.0.0.6,1.0.0.7,1.0.0.8,1.0.0.9,1.0.0.10,1.0.0.11,1.0.0.12,1.0.0.13,"
		"1.0.0.14,1.0.0.15,1.0.0.16,1.0.0.17\n"),
	    "SPA_Allow_Address: too many networks (at most 16)");
	bad("[s]\nspa_port = 1\nopen = 22\n", "t.conf:1: door s: SPA_Format sesame needs SPA_Keys");
	bad("[s]\nspa_port = 1\nspa_keys = /k\n", "t.conf:1: door s: an SPA door needs Open");
	bad(DOOR("spa_keys = /k\n"), "t.conf:3: door d: SPA_Keys needs SPA_Port or SPA_Format");
	bad(DOOR("spa_port = 1\nspa_keys = /k\nopen = 22\n"),
	    "t.conf:1: door d: a door is either a knock door");
	bad("[d]\none_time_sequences = /x\nspa_format = fwknop\n", "a door is either a knock door");
}

static void fwknop_keys(void **state)
{
	(void)state;
	/* 32-byte key and 64-byte HMAC key, as `fwknop --key-gen` makes. */
	struct config *c = good(
		"[fw]\nspa_format = FWKNOP\nspa_port = 62202\n"
		"fwknop_key_base64 = AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n"
		"fwknop_hmac_key_base64 = AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw==\n"
		"fwknop_hmac_digest = SHA3_512\nspa_window = 60\nopen = tcp/22\n");
	const struct door *d = &c->doors[0];
	assert_int_equal(d->spa_port, 62202);
	assert_int_equal(d->spa_window_s, 60);
	assert_int_equal(d->fwknop_key_len, 32);
	assert_int_equal(d->fwknop_key[31], 31);
	assert_int_equal(d->fwknop_hmac_key_len, 64);
	assert_int_equal(d->fwknop_hmac_key[63], 63);
	assert_int_equal(d->fwknop_hmac_digest, HMAC_SHA3_512);
	config_free(c);

	static const struct { const char *name; enum hmac_digest d; } dg[] = {
		{ "md5", HMAC_MD5 }, { "sha1", HMAC_SHA1 }, { "sha256", HMAC_SHA256 },
		{ "sha384", HMAC_SHA384 }, { "sha512", HMAC_SHA512 },
		{ "sha3_256", HMAC_SHA3_256 }, { "sha3_512", HMAC_SHA3_512 },
	};
	for (size_t i = 0; i < sizeof dg / sizeof dg[0]; i++) {
		char text[256];
		snprintf(text, sizeof text, "[fw]\nspa_format = fwknop\nfwknop_key = k\n"
			 "fwknop_hmac_key = h\nfwknop_hmac_digest = %s\nopen = 22\n", dg[i].name);
		c = good(text);
		assert_int_equal(c->doors[0].fwknop_hmac_digest, dg[i].d);
		assert_string_equal(hmac_digest_name(dg[i].d), dg[i].name);
		config_free(c);
	}
	assert_null(hmac_digest_name(HMAC_NONE));

	/* A passphrase is taken literally (inner spaces kept, ends trimmed). */
	c = good("[fw]\nspa_format = fwknop\nfwknop_key =  a b=c  \nfwknop_hmac_key = h\nopen = 22\n");
	assert_int_equal(c->doors[0].fwknop_key_len, 5);
	assert_memory_equal(c->doors[0].fwknop_key, "a b=c", 5);
	config_free(c);

#define FW(body) "[fw]\nspa_format = fwknop\nopen = 22\n" body
	bad(FW("fwknop_key_base64 = ***\nfwknop_hmac_key = h\n"),
	    "t.conf:4: Fwknop_Key_Base64: not valid base64");
	bad(FW("fwknop_key = k\nfwknop_hmac_key_base64 = QQ=\n"),
	    "t.conf:5: Fwknop_HMAC_Key_Base64: not valid base64");
	bad(FW("fwknop_key = 0123456789012345678901234567890123456789012345678901234567890123X\n"
	       "fwknop_hmac_key = h\n"), "Fwknop_Key: key too long (65 bytes, at most 64)");
	bad(FW("fwknop_key = k\nfwknop_hmac_key = h\nfwknop_hmac_digest = sha224\n"),
	    "t.conf:6: Fwknop_HMAC_Digest: bad value 'sha224'");
	bad(FW("fwknop_hmac_key = h\n"), "door fw: SPA_Format fwknop needs Fwknop_Key_Base64 or Fwknop_Key");
	bad(FW("fwknop_key = k\n"), "door fw: SPA_Format fwknop needs Fwknop_HMAC_Key_Base64");
	bad(FW("fwknop_key = k\nfwknop_key_base64 = aw==\nfwknop_hmac_key = h\n"),
	    "Fwknop_Key and Fwknop_Key_Base64 both given");
	bad(FW("fwknop_key = k\nfwknop_hmac_key = h\nfwknop_hmac_key_base64 = aw==\n"),
	    "t.conf:5: door fw: Fwknop_HMAC_Key and Fwknop_HMAC_Key_Base64 both given");
	/* 129 bytes of HMAC key, in base64: over the 128 bytes kept. */
	char text[512];
	snprintf(text, sizeof text, FW("fwknop_key = k\nfwknop_hmac_key_base64 = %s\n"),
		 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4"
		 "OTo7PD0+P0BBQkNERUZHSElKS0xNTk9QUVJTVFVWV1hZWltcXV5fYGFiY2RlZmdoaWprbG1ub3Bx"
		 "cnN0dXZ3eHl6e3x9fn+A");
	bad(text, "t.conf:5: Fwknop_HMAC_Key_Base64: key too long (129 bytes, at most 128)");
	bad(FW("fwknop_key =\nfwknop_hmac_key = h\n"), "t.conf:4: Fwknop_Key: empty value");
	bad(FW("fwknop_key = k\nfwknop_hmac_key =\n"), "t.conf:5: Fwknop_HMAC_Key: empty value");
	bad(FW("fwknop_key = k\nfwknop_hmac_key = h\nspa_keys = /k\n"),
	    "t.conf:6: door fw: SPA_Keys is for SPA_Format sesame");
	bad("[s]\nspa_port = 1\nspa_keys = /k\nopen = 22\nfwknop_hmac_digest = sha1\n",
	    "t.conf:5: door s: Fwknop_HMAC_Digest needs SPA_Format = fwknop");
	/* A bad key is never echoed. */
	bad(FW("fwknop_key_base64 = s3cret!\nfwknop_hmac_key = h\n"), "not valid base64");
	for (size_t i = 0; i < D.n; i++)
		assert_null(strstr(D.msg[i], "s3cret"));
}

/* --- bad values of knockd keys ---------------------------------------- */

static void bad_numbers(void **state)
{
	(void)state;
	/* knockd's atoi would take each of these as 0 or a prefix. */
	bad(DOOR("seq_timeout = abc\n"), "t.conf:3: Seq_Timeout: bad value 'abc'");
	bad(DOOR("seq_timeout = 10s\n"), "Seq_Timeout: bad value '10s'");
	bad(DOOR("seq_timeout = -1\n"), "Seq_Timeout: bad value '-1'");
	bad(DOOR("seq_timeout = 0\n"), "Seq_Timeout: bad value '0'");
	bad(DOOR("seq_timeout = 86401\n"), "Seq_Timeout: bad value '86401'");
	bad(DOOR("seq_timeout = 0x10\n"), "Seq_Timeout: bad value '0x10'");
	bad(DOOR("seq_timeout = 1 0\n"), "Seq_Timeout: bad value '1 0'");
	bad(DOOR("cmd_timeout = x\n"), "t.conf:3: Cmd_Timeout: bad value 'x'");
	bad(DOOR("cmd_timeout = 604801\n"), "Cmd_Timeout: bad value '604801'");
	struct config *c = good(DOOR("seq_timeout = 86400\ncmd_timeout = 0\n"));
	assert_int_equal(c->doors[0].seq_timeout_ms, 86400000u);
	assert_int_equal(c->doors[0].cmd_timeout_s, 0);
	assert_true(c->doors[0].has_cmd_timeout);
	config_free(c);
}

static void bad_sequences(void **state)
{
	(void)state;
	bad("[d]\nsequence = 7000,abc\n", "t.conf:2: Sequence: bad port 'abc'");
	bad("[d]\nsequence = 0\n", "Sequence: bad port '0'");
	bad("[d]\nsequence = 65536\n", "Sequence: bad port '65536'");
	bad("[d]\nsequence = 1:icmp\n", "Sequence: bad port '1:icmp'");
	bad("[d]\nsequence = 1:\n", "Sequence: bad port '1:'");
	bad("[d]\nsequence = 1,\n", "Sequence: bad port ''");
	bad("[d]\nsequence = 1/tcp\n", "Sequence: bad port '1/tcp'");
	bad("[d]\nsequence =\n", "t.conf:2: Sequence: empty value");
	bad("[d]\nsequence\n", "t.conf:2: Sequence needs a value");
	/* 32 ports is knockd's limit and fine; 33 is not. */
	char text[512] = "[d]\nsequence = 1";
	for (int i = 2; i <= 32; i++)
		snprintf(text + strlen(text), sizeof text - strlen(text), ",%d", i);
	strcat(text, "\n");
	struct config *c = good(text);
	assert_int_equal(c->doors[0].seq_len, 32);
	assert_int_equal(c->doors[0].seq[31].port, 32);
	config_free(c);
	text[strlen(text) - 1] = '\0';
	strcat(text, ",33\n");
	bad(text, "Sequence: too many ports (at most 32)");
}

static void bad_flags_and_target(void **state)
{
	(void)state;
	bad(DOOR("tcpflags = sin\n"), "t.conf:3: TCPFlags: unknown flag 'sin'");
	bad(DOOR("tcpflags = syn,!syn\n"), "TCPFlags: flag 'syn' both required and excluded");
	bad(DOOR("tcpflags = !ack,ack\n"), "flag 'ack' both required and excluded");
	bad(DOOR("tcpflags = syn,,ack\n"), "TCPFlags: bad value 'syn,,ack' (empty flag)");
	bad(DOOR("tcpflags = ,\n"), "TCPFlags: bad value ',' (empty flag)");
	bad(DOOR("tcpflags = !\n"), "TCPFlags: unknown flag ''");
	bad(DOOR("tcpflags = syn ack\n"), "TCPFlags: unknown flag 'syn ack'");
	bad(DOOR("target = host.example\n"), "t.conf:3: Target: bad address 'host.example'");
	bad(DOOR("target = 10.0.0.0/8\n"), "Target: bad address '10.0.0.0/8'");
}

/* --- structure -------------------------------------------------------- */

static void structure_errors(void **state)
{
	(void)state;
	bad("logfile = /x\n", "t.conf:1: LogFile outside any section");
	bad("[options]\nbogus = 1\n", "t.conf:2: unknown key 'bogus'");
	bad(DOOR("sequence_timeout = 5\n"), "t.conf:3: unknown key 'sequence_timeout'");
	/* A near miss gets a suggestion; anything farther does not. */
	bad("[options]\nbogus = 1\n", "t.conf:2: unknown key 'bogus'");
	assert_false(has(&D, LOG_ERR, "did you mean"));
	bad(DOOR("sequence_timeout = 5\n"), "unknown key");
	assert_false(has(&D, LOG_ERR, "did you mean"));
	bad(DOOR("opne = 22\n"), "t.conf:3: unknown key 'opne' (did you mean 'Open'?)");
	bad(DOOR("OPN = 22\n"), "unknown key 'OPN' (did you mean 'Open'?)");
	bad(DOOR("Timout = 5\n"), "unknown key 'Timout' (did you mean 'Timeout'?)");
	bad(DOOR("Start_Comand = x\n"), "(did you mean 'Start_Command'?)");
	bad(DOOR("Fwknop_HMAC_Key_Bas64 = x\n"), "(did you mean 'Fwknop_HMAC_Key_Base64'?)");
	bad(DOOR("op = 22\n"), "unknown key 'op'");
	assert_false(has(&D, LOG_ERR, "did you mean"));
	/* One mistake, one error: no "needs a Sequence" after a refused one. */
	bad("[d]\nsequnce = 1,2\n", "t.conf:2: unknown key 'sequnce' (did you mean 'Sequence'?)");
	assert_int_equal(D.errors, 1);
	bad("[d]\nsequence = 1,x\nforward_to = 198.18.0.9\nforward = maybe\nopen = 22\n", "Forward: bad value");
	assert_int_equal(D.errors, 2);
	assert_false(has(&D, LOG_ERR, "Forward_To needs"));
	bad("[options]\nsequence = 1,2,3\n", "t.conf:2: Sequence belongs in a door section");
	bad(DOOR("interface = eth0\n"), "t.conf:3: Interface belongs in [options], not in door d");
	bad(DOOR("= x\n"), "t.conf:3: missing key before '='");
	bad("[d\nsequence = 1,2,3\n", "t.conf:1: bad section header '[d'");
	bad("[]\nsequence = 1,2,3\n", "t.conf:1: bad door name ''");
	bad("[open: ssh]\nsequence = 1,2,3\n", "bad door name 'open: ssh'");
	bad("[a\"b]\nsequence = 1,2,3\n", "bad door name 'a\"b'");
	bad("[a\\b]\nsequence = 1,2,3\n", "bad door name 'a\\b'");
	bad("[caf\xc3\xa9]\nsequence = 1,2,3\n", "bad door name");
	bad("[aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa]\nsequence = 1,2,3\n",
	    "bad door name");
	bad("[d]\nseq_timeout = 5\n", "t.conf:1: door d: needs a Sequence, One_Time_Sequences, Sequence_Secrets or SPA_Port");
	bad("[d]\nsequence = 1,2,3\n[x]\nsequence=4,5,6\n[D]\nsequence = 7,8,9\n",
	    "t.conf:5: door D: name already used on line 1");
	bad(DOOR("one_time_sequences = /x\n"), "door d: Sequence and One_Time_Sequences both given");
	bad(DOOR("sequence_secrets = /x\n"), "t.conf:3: door d: Sequence_Secrets and Sequence both given (line 2)");
	bad("[d]\none_time_sequences = /y\nsequence_secrets = /x\n",
	    "t.conf:3: door d: Sequence_Secrets and One_Time_Sequences both given (line 2)");
	bad(DOOR("sequence_length = 3\n"), "t.conf:3: door d: Sequence_Length needs Sequence_Secrets");
	bad(DOOR("sequence_period = 60\n"), "t.conf:3: door d: Sequence_Period needs Sequence_Secrets");
	bad(DOOR("sequence_ports = 2000-3000\n"), "door d: Sequence_Ports needs Sequence_Secrets");
	bad("[r]\nsequence_secrets = /x\nsequence_length = 33\n",
	    "t.conf:3: Sequence_Length: bad value '33' (expected steps, 2..32)");
	bad("[r]\nsequence_secrets = /x\nsequence_length = 1\n", "Sequence_Length: bad value '1'");
	bad("[r]\nsequence_secrets = /x\nsequence_period = 0\n", "Sequence_Period: bad value '0'");
	bad("[r]\nsequence_secrets = /x\nsequence_protocols = sctp\n",
	    "t.conf:3: Sequence_Protocols: bad value 'sctp' (expected tcp, udp or mixed)");
	bad("[r]\nsequence_secrets = /x\nsequence_ports = 3000-2000\n",
	    "t.conf:3: Sequence_Ports: bad value '3000-2000'");
	bad("[r]\nsequence_secrets = /x\nsequence_ports = 2000-2002\nsequence_length = 4\n",
	    "t.conf:3: door r: Sequence_Ports 2000-2002 holds fewer ports than Sequence_Length 4");
	bad("[r]\nsequence_secrets = /x\nsequence_bind_address = maybe\n",
	    "Sequence_Bind_Address: bad value 'maybe'");
	bad("[r]\nsequence_secrets = /x\nspa_port = 62201\nopen = 22\n",
	    "door r: a door is either a rotating knock door");

	/* A rotating door: its keys and defaults. */
	struct config *r = good("[r]\nsequence_secrets = /x\nopen = 22\n[s]\n"
				"sequence_secrets = /y\nsequence_length = 6\nsequence_period = 5\n"
				"sequence_protocols = MIXED\nsequence_ports = 2000-3000\n"
				"sequence_bind_address = yes\nseq_timeout = 9\nopen = 22\n");
	assert_true(door_is_rotating(&r->doors[0]));
	assert_false(door_is_sequence(&r->doors[0]));
	assert_string_equal(r->doors[0].rot_secrets, "/x");
	assert_int_equal(r->doors[0].rot_length, 4);
	assert_int_equal(r->doors[0].rot_period_s, 30);
	assert_int_equal(r->doors[0].rot_protos, 0);
	assert_int_equal(r->doors[0].rot_low, 1024);
	assert_int_equal(r->doors[0].rot_high, 65535);
	assert_false(r->doors[0].rot_bind);
	assert_int_equal(r->doors[1].rot_length, 6);
	assert_int_equal(r->doors[1].rot_period_s, 5);
	assert_int_equal(r->doors[1].rot_protos, 2);
	assert_int_equal(r->doors[1].rot_low, 2000);
	assert_int_equal(r->doors[1].rot_high, 3000);
	assert_true(r->doors[1].rot_bind);
	config_free(r);

	/* Names that are fine. */
	struct config *c = good("[open-SSH_2]\nsequence = 1,2,3\n[_x]\nsequence = 4,5,6\n");
	assert_string_equal(c->doors[1].name, "_x");
	assert_non_null(config_find_door(c, "open-SSH_2"));
	assert_null(config_find_door(c, "open-ssh_2"));
	config_free(c);
	/* An empty file, or only options, is a valid (if useless) config. */
	c = good("");
	assert_int_equal(c->ndoors, 0);
	config_free(c);
}

static void bad_bytes(void **state)
{
	(void)state;
	static const char nul[] = "[d]\nsequence = 1\0,2,3\n";
	struct config *c;
	diags_clear(&D);
	assert_int_equal(config_parse("t.conf", nul, sizeof nul - 1, collect, &D, &c), -EINVAL);
	assert_true(has(&D, LOG_ERR, "t.conf:2: NUL byte in line"));
	bad("[d]\nsequence = 1,2,3\x01\n", "t.conf:2: control character in line");
	bad("[d]\nsequence = 1,2,3\x7f\n", "t.conf:2: control character in line");

	/* A huge line is an error, and the next line is still read. */
	size_t big = 100000;
	char *text = malloc(big + 64);
	assert_non_null(text);
	strcpy(text, "[d]\ncommand = ");
	memset(text + strlen(text), 'x', big);
	strcpy(text + 14 + big, "\nbogus = 1\n");
	bad(text, "t.conf:2: line too long (more than 4096 bytes)");
	assert_true(has(&D, LOG_ERR, "t.conf:3: unknown key 'bogus'"));
	free(text);

	/* 4096 bytes exactly are fine. */
	text = malloc(4200);
	assert_non_null(text);
	strcpy(text, "[d]\nsequence = 1,2,3\ncommand = ");
	size_t pre = strlen("command = ");
	memset(text + strlen(text), 'y', 4096 - pre);
	strcpy(text + strlen("[d]\nsequence = 1,2,3\n") + 4096, "\n");
	c = good(text);
	assert_int_equal(strlen(c->doors[0].start_command), 4096 - pre);
	config_free(c);
	free(text);

	/* No newline at the end of the file. */
	c = good("[d]\nsequence = 1,2,3");
	assert_int_equal(c->doors[0].seq_len, 3);
	config_free(c);
}

static void all_errors_reported(void **state)
{
	(void)state;
	bad("[options]\n"                       /* 1 */
	    "statelimit = x\n"                  /* 2 */
	    "[a]\n"                             /* 3 */
	    "sequence = 1,2,0\n"                /* 4 */
	    "seq_timeout = abc\n"               /* 5 */
	    "[b]\n"                             /* 6 */
	    "sequence = 1,2,3\n"                /* 7 */
	    "tcpflags = bogus\n"                /* 8 */
	    "what = ever\n",                    /* 9 */
	    "t.conf:2: StateLimit");
	assert_true(has(&D, LOG_ERR, "t.conf:4: Sequence: bad port '0'"));
	/* A bad Sequence is one error, not also "door a has no sequence". */
	assert_false(has(&D, LOG_ERR, "door a: needs a Sequence"));
	assert_true(has(&D, LOG_ERR, "t.conf:5: Seq_Timeout: bad value 'abc'"));
	assert_true(has(&D, LOG_ERR, "t.conf:8: TCPFlags: unknown flag 'bogus'"));
	assert_true(has(&D, LOG_ERR, "t.conf:9: unknown key 'what'"));
	assert_int_equal(D.errors, 5);

	/* A flood of errors stops at a bound, with a last word. */
	size_t n = 500;
	char *text = malloc(n * 8 + 8);
	assert_non_null(text);
	strcpy(text, "[d]\n");
	for (size_t i = 0; i < n; i++)
		strcat(text, "x = 1\n");
	bad(text, "too many errors");
	assert_true(D.errors <= 102);
	free(text);
}

static void relative_paths(void **state)
{
	(void)state;
	struct config *c;
	diags_clear(&D);
	static const char text[] = "[options]\nlogfile = log/k.log\npidfile = /run/k.pid\n"
		"[s]\nspa_port = 9\nspa_keys = keys\nopen = 22\n";
	assert_int_equal(config_parse("/etc/sesame/s.conf", text, sizeof text - 1,
				      collect, &D, &c), 0);
	assert_string_equal(c->log_file, "/etc/sesame/log/k.log");
	assert_string_equal(c->pid_file, "/run/k.pid");
	assert_string_equal(c->doors[0].spa_keys, "/etc/sesame/keys");
	config_free(c);
	assert_int_equal(config_parse("/s.conf", text, sizeof text - 1, collect, &D, &c), 0);
	assert_string_equal(c->doors[0].spa_keys, "/keys");
	config_free(c);
}

static void duplicate_keys_warn(void **state)
{
	(void)state;
	struct config *c = good("[options]\nlogfile = /a\n[d]\nsequence = 1,2,3\n"
				"sequence = 4,5,6\n[options]\nlogfile = /b\n");
	assert_int_equal(c->doors[0].seq[0].port, 4);
	assert_string_equal(c->log_file, "/b");
	assert_true(has(&D, LOG_WARNING, "t.conf:5: warning: Sequence given again (line 4)"));
	assert_true(has(&D, LOG_WARNING, "t.conf:7: warning: LogFile given again (line 2)"));
	config_free(c);
}

static void fleet_keys(void **state)
{
	(void)state;
	struct config *c = good("[a]\nsequence = 1,2\nopen = 22\n"
				"[b]\nsequence = 3,4\nopen = 23\nfleet = no\n"
				"[options]\nFleet = redis://198.18.0.10:7000/2\n"
				"Fleet_Key_File = k\nFleet_Password_File = /p\n"
				"Fleet_Name = gw.prod\nFleet_Node = gw-1\nFleet_Required = yes\n");
	assert_true(config_fleet_on(c));
	assert_string_equal(c->fleet_host, "198.18.0.10");
	assert_int_equal(c->fleet_port, 7000);
	assert_int_equal(c->fleet_db, 2);
	assert_string_equal(c->fleet_key_file, "k");
	assert_string_equal(c->fleet_password_file, "/p");
	assert_string_equal(c->fleet_name, "gw.prod");
	assert_string_equal(c->fleet_node, "gw-1");
	assert_true(c->fleet_required);
	assert_true(c->doors[0].fleet);         /* default with [options] Fleet */
	assert_false(c->doors[1].fleet);
	config_free(c);

	c = good("[options]\nFleet = redis://[2001:db8::1]\nFleet_Key_File = /k\n");
	assert_string_equal(c->fleet_host, "2001:db8::1");
	assert_int_equal(c->fleet_port, 6379);
	assert_int_equal(c->fleet_db, 0);
	assert_string_equal(c->fleet_name, "sesame");
	assert_false(c->fleet_required);
	config_free(c);

	c = good("[a]\nsequence = 1,2\nopen = 22\n");
	assert_false(config_fleet_on(c));
	assert_false(c->doors[0].fleet);
	config_free(c);

	bad("[options]\nFleet = redis://redis.example\nFleet_Key_File = /k\n",
	    "t.conf:2: Fleet: host 'redis.example' is not a numeric address");
	bad("[options]\nFleet = rediss://198.18.0.1\nFleet_Key_File = /k\n",
	    "t.conf:2: Fleet: rediss:// (TLS) is not supported");
	bad("[options]\nFleet = redis://198.18.0.1:0\nFleet_Key_File = /k\n",
	    "t.conf:2: Fleet: bad value");
	bad("[options]\nFleet = redis://198.18.0.1/x\nFleet_Key_File = /k\n",
	    "t.conf:2: Fleet: bad value");
	bad("[options]\nFleet = redis://2001:db8::1\nFleet_Key_File = /k\n",
	    "is not a numeric address");
	bad("[options]\nFleet = redis://198.18.0.1\n", "t.conf:2: Fleet needs Fleet_Key_File");
	bad("[a]\nsequence = 1,2\nfleet = yes\n",
	    "t.conf:3: door a: Fleet = yes needs Fleet = redis://... in [options]");
	bad("[a]\nsequence = 1,2\nfleet = maybe\n", "t.conf:3: Fleet: bad value 'maybe'");
	bad("[options]\nFleet_Node = a b\n", "t.conf:2: Fleet_Node: bad node name");
	bad("[options]\nFleet_Name = a:b\n", "t.conf:2: Fleet_Name: bad name");
	bad("[options]\nFleet_Required = perhaps\n", "t.conf:2: Fleet_Required: bad value");
	bad("[a]\nsequence = 1,2\nFleet_Node = x\n", "Fleet_Node belongs in [options]");
	c = good("[options]\nFleet_Node = x\n");
	assert_true(has(&D, LOG_WARNING, "t.conf:2: warning: fleet key without Fleet"));
	config_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(knockd_options, teardown),
		cmocka_unit_test_teardown(knockd_door_keys, teardown),
		cmocka_unit_test_teardown(aliases, teardown),
		cmocka_unit_test_teardown(knockd_real_world, teardown),
		cmocka_unit_test_teardown(empty_commands, teardown),
		cmocka_unit_test_teardown(case_and_whitespace, teardown),
		cmocka_unit_test_teardown(defaults, teardown),
		cmocka_unit_test_teardown(spa_defaults, teardown),
		cmocka_unit_test_teardown(sesame_options, teardown),
		cmocka_unit_test_teardown(open_keys, teardown),
		cmocka_unit_test_teardown(forward_keys, teardown),
		cmocka_unit_test_teardown(spa_keys, teardown),
		cmocka_unit_test_teardown(fwknop_keys, teardown),
		cmocka_unit_test_teardown(bad_numbers, teardown),
		cmocka_unit_test_teardown(bad_sequences, teardown),
		cmocka_unit_test_teardown(bad_flags_and_target, teardown),
		cmocka_unit_test_teardown(structure_errors, teardown),
		cmocka_unit_test_teardown(bad_bytes, teardown),
		cmocka_unit_test_teardown(all_errors_reported, teardown),
		cmocka_unit_test_teardown(relative_paths, teardown),
		cmocka_unit_test_teardown(duplicate_keys_warn, teardown),
		cmocka_unit_test_teardown(fleet_keys, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
