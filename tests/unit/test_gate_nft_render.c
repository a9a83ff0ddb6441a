/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of nft_render: the exact nftables text the native gate loads
 * (snapshots), the names it makes, and that libnftables
 * accepts the table script (dry run: parsed and evaluated, never sent). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <cmocka.h>
#include <nftables/libnftables.h>

#include "nft_render.h"

static struct door doors[3];
static struct config cfg;

/* openSSH: knock 7000,8000,9000/tcp, Open 22/tcp 30 s.
 * web spa: SPA on 62201, Open 443/tcp and 22/tcp, 10 s.
 * cmd: knockd-style (commands), knock 7000/tcp (shared) and 5353/udp. */
static int setup(void **state)
{
	(void)state;
	memset(doors, 0, sizeof doors);
	memset(&cfg, 0, sizeof cfg);
	strcpy(cfg.nft_table, "sesame");
	cfg.doors = doors;
	cfg.ndoors = 3;
	strcpy(doors[0].name, "openSSH");
	doors[0].seq[0] = (struct port_proto){ 7000, PROTO_TCP };
	doors[0].seq[1] = (struct port_proto){ 8000, PROTO_TCP };
	doors[0].seq[2] = (struct port_proto){ 9000, PROTO_TCP };
	doors[0].seq_len = 3;
	doors[0].open[0] = (struct port_proto){ 22, PROTO_TCP };
	doors[0].open_len = 1;
	doors[0].open_timeout_s = 30;
	strcpy(doors[1].name, "web spa");
	doors[1].spa_format = SPA_FORMAT_SESAME;
	doors[1].spa_port = 62201;
	doors[1].open[0] = (struct port_proto){ 443, PROTO_TCP };
	doors[1].open[1] = (struct port_proto){ 22, PROTO_TCP };
	doors[1].open_len = 2;
	doors[1].open_timeout_s = 10;
	strcpy(doors[2].name, "cmd");
	doors[2].seq[0] = (struct port_proto){ 7000, PROTO_TCP };
	doors[2].seq[1] = (struct port_proto){ 5353, PROTO_UDP };
	doors[2].seq_len = 2;
	doors[2].start_command = (char *)"true";
	return 0;
}

static const char load_expected[] =
	"add table inet sesame\n"
	"add chain inet sesame input { type filter hook input priority filter - 10; policy accept; }\n"
	"flush chain inet sesame input\n"
	"add set inet sesame openSSH_v4 { type ipv4_addr . inet_proto . inet_service; flags timeout; }\n"
	"add set inet sesame openSSH_v6 { type ipv6_addr . inet_proto . inet_service; flags timeout; }\n"
	"add set inet sesame web_spa_v4 { type ipv4_addr . inet_proto . inet_service; flags timeout; }\n"
	"add set inet sesame web_spa_v6 { type ipv6_addr . inet_proto . inet_service; flags timeout; }\n"
	"add rule inet sesame input ct state established,related accept\n"
	"add rule inet sesame input meta l4proto . th dport { tcp . 22 } ip saddr . meta l4proto . th dport @openSSH_v4 accept\n"
	"add rule inet sesame input meta l4proto . th dport { tcp . 22 } ip6 saddr . meta l4proto . th dport @openSSH_v6 accept\n"
	"add rule inet sesame input meta l4proto . th dport { tcp . 443, tcp . 22 } ip saddr . meta l4proto . th dport @web_spa_v4 accept\n"
	"add rule inet sesame input meta l4proto . th dport { tcp . 443, tcp . 22 } ip6 saddr . meta l4proto . th dport @web_spa_v6 accept\n"
	/* Each port once: 22 is guarded by two doors, 7000 knocked by two. */
	"add rule inet sesame input meta l4proto . th dport { tcp . 22, tcp . 7000, tcp . 8000, tcp . 9000, tcp . 443, udp . 62201, udp . 5353 } drop\n";

static void load_script_snapshot(void **state)
{
	(void)state;
	struct strbuf sb = STRBUF_INIT;
	nft_render_load(&cfg, NULL, 0, false, &sb);
	assert_non_null(strbuf_str(&sb));
	assert_string_equal(strbuf_str(&sb), load_expected);
	strbuf_fini(&sb);
}

static size_t count_lines(const char *s, const char *prefix)
{
	size_t n = 0;
	for (const char *p = s; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		n += strncmp(p, prefix, strlen(prefix)) == 0;
	return n;
}

static void rule_count_matches_rendering(void **state)
{
	(void)state;
	struct strbuf sb = STRBUF_INIT;
	nft_render_load(&cfg, NULL, 0, false, &sb);
	assert_int_equal(nft_render_rule_count(&cfg), count_lines(strbuf_str(&sb), "add rule "));
	assert_int_equal(nft_render_rule_count(&cfg), 6);
	/* Without any port at all: only the ct state rule. */
	struct config empty = cfg;
	empty.ndoors = 0;
	strbuf_reset(&sb);
	nft_render_load(&empty, NULL, 0, false, &sb);
	assert_int_equal(count_lines(strbuf_str(&sb), "add rule "), 1);
	assert_int_equal(nft_render_rule_count(&empty), 1);
	assert_null(strstr(strbuf_str(&sb), "drop"));
	strbuf_fini(&sb);
}

static void stale_sets_deleted_after_flush(void **state)
{
	(void)state;
	const char *drop[] = { "gone_v4", "gone_v6" };
	struct strbuf sb = STRBUF_INIT;
	nft_render_load(&cfg, drop, 2, false, &sb);
	const char *s = strbuf_str(&sb);
	const char *flush = strstr(s, "flush chain inet sesame input\n");
	const char *del4 = strstr(s, "delete set inet sesame gone_v4\n");
	const char *del6 = strstr(s, "delete set inet sesame gone_v6\n");
	const char *add = strstr(s, "add set ");
	assert_non_null(flush);
	assert_non_null(del4);
	assert_non_null(del6);
	/* Rules that use a set go before the set can. */
	assert_true(flush < del4 && del4 < del6 && del6 < add);
	/* Nothing ever flushes a set: grants survive a reload. */
	assert_null(strstr(s, "flush set"));
	assert_null(strstr(s, "flush table"));
	strbuf_fini(&sb);
}

static void names(void **state)
{
	(void)state;
	char buf[NFT_SETNAME_MAX];
	assert_string_equal(nft_set_name(&cfg, 0, AF_INET, buf, sizeof buf), "openSSH_v4");
	assert_string_equal(nft_set_name(&cfg, 0, AF_INET6, buf, sizeof buf), "openSSH_v6");
	strcpy(doors[0].name, "9lives-door.x");
	assert_string_equal(nft_set_name(&cfg, 0, AF_INET, buf, sizeof buf), "_9lives_door_x_v4");
	strcpy(doors[0].name, "a\"; flush ruleset; \"");
	assert_string_equal(nft_set_name(&cfg, 0, AF_INET, buf, sizeof buf), "a___flush_ruleset____v4");
	/* Too small a buffer: empty, never truncated into another name. */
	char small[6];
	assert_string_equal(nft_set_name(&cfg, 0, AF_INET, small, sizeof small), "");

	assert_true(nft_table_name_ok("sesame"));
	assert_true(nft_table_name_ok("_t2"));
	assert_false(nft_table_name_ok(""));
	assert_false(nft_table_name_ok("2t"));
	assert_false(nft_table_name_ok("a b"));
	assert_false(nft_table_name_ok("a;flush"));
	assert_false(nft_table_name_ok("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
}

static void config_checks(void **state)
{
	(void)state;
	char err[256];
	assert_true(nft_config_ok(&cfg, err, sizeof err));
	strcpy(cfg.nft_table, "bad name");
	assert_false(nft_config_ok(&cfg, err, sizeof err));
	assert_non_null(strstr(err, "NftTable"));
	strcpy(cfg.nft_table, "sesame");
	/* "web spa" and "web-spa" would share web_spa_v4. */
	strcpy(doors[0].name, "web-spa");
	assert_false(nft_config_ok(&cfg, err, sizeof err));
	assert_non_null(strstr(err, "web_spa_v4"));
	/* ... unless one of them has no Open (then it has no set). */
	doors[0].open_len = 0;
	assert_true(nft_config_ok(&cfg, err, sizeof err));
}

/* Door 0 forwards any DNAT'd 2222/tcp and 53/udp; door 1 (SPA) guards
 * 443/tcp and 22/tcp routed to one IPv6 inner host's port 22. */
static void forward_setup(void)
{
	doors[0].forward = true;
	doors[0].open[0] = (struct port_proto){ 2222, PROTO_TCP };
	doors[0].open[1] = (struct port_proto){ 53, PROTO_UDP };
	doors[0].open_len = 2;
	doors[1].forward = true;
	assert_true(addr_parse("2001:db8:1::10", &doors[1].forward_to));
	doors[1].forward_to_port = 22;
}

static const char forward_expected[] =
	"add chain inet sesame forward { type filter hook forward priority filter - 10; policy accept; }\n"
	"flush chain inet sesame forward\n"
	"add set inet sesame openSSH_v4 { type ipv4_addr . inet_proto . inet_service; flags timeout; }\n";

static const char forward_rules_expected[] =
	"add rule inet sesame forward ct state established,related accept\n"
	"add rule inet sesame forward meta l4proto tcp ct status dnat ct original proto-dst 2222 ip saddr . meta l4proto . ct original proto-dst @openSSH_v4 accept\n"
	"add rule inet sesame forward meta l4proto tcp ct status dnat ct original proto-dst 2222 ip6 saddr . meta l4proto . ct original proto-dst @openSSH_v6 accept\n"
	"add rule inet sesame forward meta l4proto udp ct status dnat ct original proto-dst 53 ip saddr . meta l4proto . ct original proto-dst @openSSH_v4 accept\n"
	"add rule inet sesame forward meta l4proto udp ct status dnat ct original proto-dst 53 ip6 saddr . meta l4proto . ct original proto-dst @openSSH_v6 accept\n"
	"add rule inet sesame forward meta l4proto tcp ip6 daddr 2001:db8:1::10 th dport 22 ct original proto-dst 443 ip6 saddr . meta l4proto . ct original proto-dst @web_spa_v6 accept\n"
	"add rule inet sesame forward meta l4proto tcp ip6 daddr 2001:db8:1::10 th dport 22 ct original proto-dst 22 ip6 saddr . meta l4proto . ct original proto-dst @web_spa_v6 accept\n"
	"add rule inet sesame forward meta l4proto tcp ct status dnat ct original proto-dst 2222 drop\n"
	"add rule inet sesame forward meta l4proto udp ct status dnat ct original proto-dst 53 drop\n"
	"add rule inet sesame forward meta l4proto tcp ip6 daddr 2001:db8:1::10 th dport 22 ct original proto-dst 443 drop\n"
	"add rule inet sesame forward meta l4proto tcp ip6 daddr 2001:db8:1::10 th dport 22 ct original proto-dst 22 drop\n"
	/* The input chain guards the DNAT door's ports too, not the
	 * Forward_To door's (443 is nobody's on input now). */
	"add rule inet sesame input meta l4proto . th dport { tcp . 2222, udp . 53, tcp . 7000, tcp . 8000, tcp . 9000, udp . 62201, udp . 5353 } drop\n";

static void forward_chain_snapshot(void **state)
{
	(void)state;
	struct strbuf sb = STRBUF_INIT;
	nft_render_load(&cfg, NULL, 0, false, &sb);
	/* Without a Forward door: no forward chain at all. */
	assert_null(strstr(strbuf_str(&sb), "forward"));
	assert_int_equal(nft_render_forward_rule_count(&cfg), 0);
	forward_setup();
	strbuf_reset(&sb);
	nft_render_load(&cfg, NULL, 0, false, &sb);
	const char *s = strbuf_str(&sb);
	assert_non_null(strstr(s, forward_expected));
	const char *rules = strstr(s, "add rule inet sesame forward ");
	assert_non_null(rules);
	assert_string_equal(rules, forward_rules_expected);
	assert_int_equal(nft_render_forward_rule_count(&cfg),
			 count_lines(s, "add rule inet sesame forward "));
	assert_int_equal(nft_render_rule_count(&cfg),
			 count_lines(s, "add rule inet sesame input "));
	assert_int_equal(count_lines(s, "add rule inet sesame input meta l4proto . th dport { tcp . 2222, udp . 53 } ip"), 2);
	assert_null(strstr(s, "th dport { tcp . 443"));
	/* A v4 Forward_To: v4 accept only. */
	assert_true(addr_parse("198.19.1.2", &doors[1].forward_to));
	doors[1].forward_to_port = 0;
	strbuf_reset(&sb);
	nft_render_load(&cfg, NULL, 0, false, &sb);
	s = strbuf_str(&sb);
	assert_non_null(strstr(s, "add rule inet sesame forward meta l4proto tcp ip daddr 198.19.1.2 "
			       "ct original proto-dst 443 ip saddr . meta l4proto . ct original "
			       "proto-dst @web_spa_v4 accept\n"));
	assert_int_equal(count_lines(s, "add rule inet sesame forward meta l4proto tcp ip6 "), 0);
	assert_int_equal(count_lines(s, "add rule inet sesame forward meta l4proto tcp ip daddr "), 4);
	assert_int_equal(nft_render_forward_rule_count(&cfg),
			 count_lines(s, "add rule inet sesame forward "));
	strbuf_fini(&sb);
}

/* A reload to a config without Forward doors removes the chain the
 * previous config made, after flushing it (its rules use the sets). */
static void forward_chain_dropped(void **state)
{
	(void)state;
	struct strbuf sb = STRBUF_INIT;
	nft_render_load(&cfg, NULL, 0, true, &sb);
	const char *s = strbuf_str(&sb);
	const char *add = strstr(s, "add chain inet sesame forward {");
	const char *flush = strstr(s, "flush chain inet sesame forward\n");
	const char *del = strstr(s, "delete chain inet sesame forward\n");
	const char *rule = strstr(s, "add rule inet sesame forward");
	assert_non_null(add);
	assert_non_null(flush);
	assert_non_null(del);
	assert_null(rule);
	assert_true(add < flush && flush < del);
	/* With a Forward door the chain stays. */
	forward_setup();
	strbuf_reset(&sb);
	nft_render_load(&cfg, NULL, 0, true, &sb);
	assert_null(strstr(strbuf_str(&sb), "delete chain"));
	strbuf_fini(&sb);
}

/* libnftables parses and evaluates the script (dry run: nothing is sent
 * to the kernel, which still answers the cache queries, hence root). */
static void libnftables_accepts_the_table(void **state)
{
	(void)state;
	if (geteuid() != 0) {
		skip();
		return;
	}
	struct nft_ctx *nft = nft_ctx_new(NFT_CTX_DEFAULT);
	assert_non_null(nft);
	nft_ctx_set_dry_run(nft, true);
	nft_ctx_buffer_error(nft);
	nft_ctx_buffer_output(nft);
	struct strbuf sb = STRBUF_INIT;
	/* A name no host ruleset uses, so the dry run starts from nothing. */
	strcpy(cfg.nft_table, "sesame_unit_dry_run");
	nft_render_load(&cfg, NULL, 0, false, &sb);
	int rc = nft_run_cmd_from_buffer(nft, strbuf_str(&sb));
	if (rc != 0)
		print_error("libnftables: %s\n", nft_ctx_get_error_buffer(nft));
	assert_int_equal(rc, 0);
	/* And with the forward chain (nft types proto-dst per protocol). */
	forward_setup();
	strbuf_reset(&sb);
	nft_render_load(&cfg, NULL, 0, false, &sb);
	rc = nft_run_cmd_from_buffer(nft, strbuf_str(&sb));
	if (rc != 0)
		print_error("libnftables: %s\n", nft_ctx_get_error_buffer(nft));
	assert_int_equal(rc, 0);
	strbuf_fini(&sb);
	nft_ctx_free(nft);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(load_script_snapshot, setup),
		cmocka_unit_test_setup(rule_count_matches_rendering, setup),
		cmocka_unit_test_setup(stale_sets_deleted_after_flush, setup),
		cmocka_unit_test_setup(names, setup),
		cmocka_unit_test_setup(config_checks, setup),
		cmocka_unit_test_setup(forward_chain_snapshot, setup),
		cmocka_unit_test_setup(forward_chain_dropped, setup),
		cmocka_unit_test_setup(libnftables_accepts_the_table, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
