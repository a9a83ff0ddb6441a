# SPDX-License-Identifier: GPL-2.0-or-later
# sesame — hand-written GNU Makefile.  `make V=1` shows commands.
#
# The source tree is cut by the process that runs the code (docs/layout.md
# has the map).  Add files, not rules:
#   src/common/            shared by both programs: config parser, codecs,
#                          addresses, logging, key files    -> libcommon.a
#   src/sesame/            the client, `sesame`             -> build/sesame
#   src/sesamed/           both daemon processes: event loop, IPC
#                          protocol, sandbox, crash-safe writes
#   src/sesamed/parent/    the privileged parent (root): entry point, gates,
#                          control socket, state files, worker supervision,
#                          capture filter text, default route
#   src/sesamed/worker/    the unprivileged worker: capture handle,
#                          decoding, doors, SPA checks, replay cache
#                                                         -> build/sesamed
#   tests/unit/test_*.c    one cmocka binary each           -> build/tests/test_*
#   tests/e2e/test_*.sh    e2e scripts (TAP), run by tests/run.sh
#   fuzz/fuzz_*.c          one libFuzzer harness            -> build/fuzz/fuzz_*
#   bench/*.c              benchmark tools                  -> build/bench/*
#   bench/lib/*.c          helpers linked into every benchmark tool
#
# Each role compiles with only the include paths it may use, so a worker
# file that includes a parent header (or the reverse) does not build; the
# client links libcommon.a and its own objects only.  tests/check_layout.sh
# (run by `make check`) checks both rules once more from the outside.

PREFIX  ?= /usr/local
DESTDIR ?=
SBINDIR ?= $(PREFIX)/sbin
BINDIR  ?= $(PREFIX)/bin
MANDIR  ?= $(PREFIX)/share/man
UNITDIR ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
# sesamed reads /etc/sesame/sesamed.conf whatever the PREFIX.
SYSCONFDIR  ?= /etc

CC      ?= cc
PKGS    := libpcap libnftables libcrypto libseccomp libsystemd hiredis
CFLAGS  ?= -O2 -g
override CFLAGS += -std=c17 -Wall -Wextra -Werror -MMD -MP -D_GNU_SOURCE \
	-fno-strict-aliasing $(shell pkg-config --cflags $(PKGS))
LDLIBS  += $(shell pkg-config --libs $(PKGS))

ifeq ($(SANITIZE),1)
BUILD   ?= build/san
override CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
override LDFLAGS += -fsanitize=address,undefined
else
BUILD   ?= build
endif

ifneq ($(V),1)
Q := @
quiet = @printf '  %-7s %s\n' $(1) $(2);
endif

# Which headers each role may include.  The parent reaches the worker only
# through "worker/worker.h", the entry point its forked child runs.
INC_common := -Isrc/common
INC_sesame := $(INC_common) -Isrc/sesame
INC_sesamed := $(INC_common) -Isrc/sesamed
INC_parent := $(INC_sesamed) -Isrc/sesamed/parent
INC_worker := $(INC_sesamed) -Isrc/sesamed/worker
INC_ALL    := $(INC_common) -Isrc/sesame -Isrc/sesamed -Isrc/sesamed/parent -Isrc/sesamed/worker
inc_of = $(strip $(if $(filter src/common/%,$(1)),$(INC_common),\
	$(if $(filter src/sesame/%,$(1)),$(INC_sesame),\
	$(if $(filter src/sesamed/parent/%,$(1)),$(INC_parent),\
	$(if $(filter src/sesamed/worker/%,$(1)),$(INC_worker),$(INC_sesamed))))))

MAINS         := src/sesamed/parent/sesamed.c src/sesame/sesame.c
COMMON_SRCS   := $(wildcard src/common/*.c)
CLIENT_SRCS   := $(filter-out $(MAINS),$(wildcard src/sesame/*.c))
DAEMON_SRCS   := $(filter-out $(MAINS),$(wildcard src/sesamed/*.c src/sesamed/parent/*.c src/sesamed/worker/*.c))
LIB_SRCS      := $(COMMON_SRCS) $(CLIENT_SRCS) $(DAEMON_SRCS)
obj = $(patsubst src/%.c,$(BUILD)/obj/%.o,$(1))
COMMON_LIB    := $(BUILD)/libcommon.a
CLIENT_LIB    := $(BUILD)/libclient.a
DAEMON_LIB    := $(BUILD)/libdaemon.a
# Tests, benchmarks and fuzzers may call any module.
LIB           := $(BUILD)/libsesame.a

UNIT_SRCS  := $(wildcard tests/unit/test_*.c)
UNIT_BINS  := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
BENCH_SRCS := $(wildcard bench/*.c)
BENCH_BINS := $(BENCH_SRCS:bench/%.c=$(BUILD)/bench/%)
FUZZ_SRCS  := $(wildcard fuzz/fuzz_*.c)
FUZZ_BINS  := $(FUZZ_SRCS:fuzz/%.c=build/fuzz/%)

.PHONY: all deps check unit e2e demo demo-fleet bench soak fuzz fuzz-run fuzz-flags install uninstall clean
all: $(BUILD)/sesamed $(BUILD)/sesame $(BENCH_BINS)

$(BUILD)/obj/%.o: src/%.c
	@mkdir -p $(@D)
	$(call quiet,CC,$<)$(CC) $(CPPFLAGS) $(CFLAGS) $(call inc_of,$<) -c -o $@ $<

$(COMMON_LIB): $(call obj,$(COMMON_SRCS))
$(CLIENT_LIB): $(call obj,$(CLIENT_SRCS))
$(DAEMON_LIB): $(call obj,$(DAEMON_SRCS))
$(LIB): $(call obj,$(LIB_SRCS))
$(COMMON_LIB) $(CLIENT_LIB) $(DAEMON_LIB) $(LIB):
	$(call quiet,AR,$@)rm -f $@ && ar rcs $@ $^

$(BUILD)/sesamed: $(call obj,src/sesamed/parent/sesamed.c) $(DAEMON_LIB) $(COMMON_LIB)
	$(call quiet,LD,$@)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(BUILD)/sesame: $(call obj,src/sesame/sesame.c) $(CLIENT_LIB) $(COMMON_LIB)
	$(call quiet,LD,$@)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(LIB)
	@mkdir -p $(@D)
	$(call quiet,CC,$<)$(CC) $(CFLAGS) $(INC_ALL) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS) -lcmocka

# Helpers shared by the benchmark tools (bench/lib/), not part of the product.
BENCH_LIB_SRCS := $(wildcard bench/lib/*.c)
$(BUILD)/bench/%: bench/%.c $(BENCH_LIB_SRCS) $(LIB)
	@mkdir -p $(@D)
	$(call quiet,CC,$<)$(CC) $(CFLAGS) $(INC_ALL) -Ibench/lib $(LDFLAGS) -o $@ $< $(BENCH_LIB_SRCS) $(LIB) $(LDLIBS) -lm

# Fuzzers use clang and their own instrumented objects.  Every sanitizer
# report aborts (-fno-sanitize-recover=all): a UBSan "runtime error" that
# only printed would leave the run green.
FUZZ_FLAGS := -std=c17 -g -O1 -D_GNU_SOURCE -DSESAME_FUZZ $(INC_ALL) \
	$(shell pkg-config --cflags $(PKGS))
FUZZ_SAN   := address,undefined -fno-sanitize-recover=all
FUZZ_OBJS  := $(patsubst src/%.c,build/fuzz/obj/%.o,$(LIB_SRCS))
build/fuzz/obj/%.o: src/%.c
	@mkdir -p $(@D)
	$(call quiet,CLANG,$<)clang $(FUZZ_FLAGS) -MMD -MP -fsanitize=fuzzer-no-link,$(FUZZ_SAN) -c -o $@ $<
build/fuzz/libsesame.a: $(FUZZ_OBJS)
	$(call quiet,AR,$@)rm -f $@ && ar rcs $@ $^
build/fuzz/%: fuzz/%.c build/fuzz/libsesame.a
	$(call quiet,CLANG,$<)clang $(FUZZ_FLAGS) -MMD -MP -fsanitize=fuzzer,$(FUZZ_SAN) -o $@ $< build/fuzz/libsesame.a $(LDLIBS)

# Mutants: a harness linked with one module rebuilt with a planted bug
# (-DSESAME_MUTANT_*), which its fuzzer must catch from the seed corpus
# (tests/e2e/test_fuzz_mutants_*.sh).  The mutated object comes before the
# archive, so the archive's copy of that module is never pulled in.
build/fuzz/mutants/door_seq_timeout.o: src/sesamed/worker/door.c
	@mkdir -p $(@D)
	$(call quiet,CLANG,$<)clang $(FUZZ_FLAGS) -MMD -MP -DSESAME_MUTANT_SEQ_TIMEOUT -fsanitize=fuzzer-no-link,$(FUZZ_SAN) -c -o $@ $<
build/fuzz/mutants/fuzz_door_seq_timeout: fuzz/fuzz_door.c build/fuzz/mutants/door_seq_timeout.o build/fuzz/libsesame.a
	$(call quiet,CLANG,$<)clang $(FUZZ_FLAGS) -MMD -MP -fsanitize=fuzzer,$(FUZZ_SAN) -o $@ $< build/fuzz/mutants/door_seq_timeout.o build/fuzz/libsesame.a $(LDLIBS)
build/fuzz/mutants/spa_door_no_port_dedup.o: src/sesamed/worker/spa_door.c
	@mkdir -p $(@D)
	$(call quiet,CLANG,$<)clang $(FUZZ_FLAGS) -MMD -MP -DSESAME_MUTANT_NO_PORT_DEDUP -fsanitize=fuzzer-no-link,$(FUZZ_SAN) -c -o $@ $<
build/fuzz/mutants/fuzz_spa_no_port_dedup: fuzz/fuzz_spa.c build/fuzz/mutants/spa_door_no_port_dedup.o build/fuzz/libsesame.a
	$(call quiet,CLANG,$<)clang $(FUZZ_FLAGS) -MMD -MP -fsanitize=fuzzer,$(FUZZ_SAN) -o $@ $< build/fuzz/mutants/spa_door_no_port_dedup.o build/fuzz/libsesame.a $(LDLIBS)
FUZZ_MUTANTS := build/fuzz/mutants/fuzz_door_seq_timeout build/fuzz/mutants/fuzz_spa_no_port_dedup

# The flags above, for tests that build a toy target the same way.
fuzz-flags:
	@echo clang $(FUZZ_FLAGS) -fsanitize=fuzzer,$(FUZZ_SAN)

# The Debian packages the build, the tests, the demo and the benchmarks need.
DEB_PKGS := build-essential pkg-config clang libpcap-dev libnftables-dev \
	libssl-dev libseccomp-dev libcmocka-dev nftables iptables iproute2 \
	knockd fwknop-client fwknop-server openssh-server openssh-client \
	nmap netcat-openbsd tcpdump procps psmisc python3 strace util-linux valgrind \
	gnuplot-nox
# The operations tests: fail2ban-regex, and a Prometheus text-format parser.
DEB_PKGS += fail2ban python3-prometheus-client
deps:
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		missing=$$(for p in $(DEB_PKGS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
		if [ -n "$$missing" ]; then \
			echo "deps: installing:" $$missing; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null || exit 1; \
		fi; \
	else echo "deps: not root or no apt-get; install by hand: $(DEB_PKGS)"; fi
	@# knockd's package enables a service; tests start their own instances.
	-@systemctl disable --now knockd >/dev/null 2>&1 || true

# Helpers of the e2e tests.
TEST_TOOLS := $(BUILD)/tests/syscall_allow
$(BUILD)/tests/syscall_allow: tests/e2e/syscall_allow.c
	@mkdir -p $(@D)
	$(call quiet,CC,$<)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LDLIBS)

unit: $(UNIT_BINS)
check: deps
	$(Q)$(MAKE) --no-print-directory all $(UNIT_BINS) $(TEST_TOOLS)
	@# test_valgrind runs the plain daemon, whichever build is tested.
	$(if $(filter 1,$(SANITIZE)),$(Q)$(MAKE) --no-print-directory SANITIZE= build/sesamed)
	$(Q)$(MAKE) --no-print-directory fuzz
	$(Q)SESAME_BUILD=$(BUILD) tests/run.sh

# The user's story with sesamed and a real sshd, then the same story with
# firewall rules alone (no daemon).
demo: deps all
	$(Q)SESAME_BUILD=$(BUILD) tests/demo_daemon.sh
	$(Q)SESAME_BUILD=$(BUILD) tests/demo.sh

# Fleet mode: three gateways and a Redis; one SPA packet, ssh through all.
demo-fleet: deps all
	$(Q)SESAME_BUILD=$(BUILD) tests/demo_fleet.sh

bench: all
	$(Q)SESAME_BUILD=$(BUILD) bench/run.sh

# sesamed under a long mixed load with faults; SOAK_MINUTES=N (default 30).
soak: all
	$(Q)SESAME_BUILD=$(BUILD) bench/soak.sh

fuzz: $(FUZZ_BINS) $(FUZZ_MUTANTS)
SECONDS ?= 60
fuzz-run: fuzz
	$(Q)fuzz/run.sh $(SECONDS)

# Binaries, man pages, the unit with its sysusers.d and tmpfiles.d
# entries, bash completion, fail2ban's filter and jail (whatever is under
# dist/fail2ban), and the example config: that one only when there is no
# /etc/sesame/sesamed.conf yet, so an administrator's file is never
# replaced.  Without DESTDIR, the sesame user and the state directories
# are made at once (systemd-sysusers, systemd-tmpfiles).
MANPAGES := $(wildcard dist/man/*.[1-8])
F2B_FILES := $(patsubst dist/fail2ban/%,%,$(wildcard dist/fail2ban/*/*.conf dist/fail2ban/*/*.local))
install: $(BUILD)/sesamed $(BUILD)/sesame
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR)
	install -m 0755 $(BUILD)/sesamed $(DESTDIR)$(SBINDIR)/sesamed
	install -m 0755 $(BUILD)/sesame $(DESTDIR)$(BINDIR)/sesame
	install -d $(DESTDIR)$(UNITDIR)
	sed 's|@SBINDIR@|$(SBINDIR)|g' dist/sesamed.service.in >$(DESTDIR)$(UNITDIR)/sesamed.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/sesamed.service
	install -D -m 0644 dist/sysusers.d/sesame.conf $(DESTDIR)$(SYSUSERSDIR)/sesame.conf
	install -D -m 0644 dist/tmpfiles.d/sesame.conf $(DESTDIR)$(TMPFILESDIR)/sesame.conf
	for m in $(MANPAGES); do \
		s=$${m##*.}; install -D -m 0644 $$m $(DESTDIR)$(MANDIR)/man$$s/$${m##*/} || exit 1; \
	done
	install -D -m 0644 dist/completion/sesame.bash $(DESTDIR)$(BASHCOMPDIR)/sesame
	ln -sf sesame $(DESTDIR)$(BASHCOMPDIR)/sesamed
	for f in $(F2B_FILES); do \
		install -D -m 0644 dist/fail2ban/$$f $(DESTDIR)$(SYSCONFDIR)/fail2ban/$$f || exit 1; \
	done
	install -d -m 0755 $(DESTDIR)$(SYSCONFDIR)/sesame
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/sesame/sesamed.conf ]; then \
		echo "install: keeping $(DESTDIR)$(SYSCONFDIR)/sesame/sesamed.conf"; \
	else \
		echo "install -m 0600 dist/sesamed.conf $(DESTDIR)$(SYSCONFDIR)/sesame/sesamed.conf"; \
		install -m 0600 dist/sesamed.conf $(DESTDIR)$(SYSCONFDIR)/sesame/sesamed.conf; \
	fi
	@if [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ]; then \
		systemd-sysusers $(SYSUSERSDIR)/sesame.conf; \
		systemd-tmpfiles --create $(TMPFILESDIR)/sesame.conf; \
		systemctl daemon-reload; \
	fi; true

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/sesamed $(DESTDIR)$(BINDIR)/sesame \
		$(DESTDIR)$(UNITDIR)/sesamed.service \
		$(DESTDIR)$(SYSUSERSDIR)/sesame.conf $(DESTDIR)$(TMPFILESDIR)/sesame.conf \
		$(DESTDIR)$(BASHCOMPDIR)/sesame $(DESTDIR)$(BASHCOMPDIR)/sesamed \
		$(foreach m,$(MANPAGES),$(DESTDIR)$(MANDIR)/man$(subst .,,$(suffix $(m)))/$(notdir $(m))) \
		$(foreach f,$(F2B_FILES),$(DESTDIR)$(SYSCONFDIR)/fail2ban/$(f))
	@echo "uninstall: $(SYSCONFDIR)/sesame/sesamed.conf and $(DESTDIR)/var/lib/sesame are left in place"

# sd_notify (libsystemd); the man pages' lint, the package build and the
# checks of tests/e2e/test_dist.sh.  (A variable: the deps rule reads it
# when it runs.)
DEB_PKGS += libsystemd-dev mandoc lintian debhelper dpkg-dev systemd

# Fleet mode: hiredis, and the redis-server its tests and demo start.
DEB_PKGS += libhiredis-dev redis-server

# The Debian package, built by dpkg-buildpackage from debian/ in a copy of
# the sources under $(BUILD)/deb (its clean step would remove build/):
# $(BUILD)/sesame_VERSION_ARCH.deb.
# debian/changelog carries the same version (test_dist.sh checks it).
VERSION := $(shell sed -n 's/^\#define SESAME_VERSION "\(.*\)"/\1/p' src/common/version.h)
DEB_ARCH = $(shell dpkg --print-architecture)
DEB_SRCS := Makefile LICENSE README.md src dist debian
.PHONY: deb
deb:
	$(Q)rm -rf $(BUILD)/deb && mkdir -p $(BUILD)/deb/sesame-$(VERSION)
	$(Q)cp -a $(DEB_SRCS) $(BUILD)/deb/sesame-$(VERSION)/
	$(Q)cd $(BUILD)/deb/sesame-$(VERSION) && \
		env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
		dpkg-buildpackage -b -us -uc --no-pre-clean >../build.log 2>&1 || \
		{ tail -n 40 ../build.log; exit 1; }
	$(Q)cp $(BUILD)/deb/sesame_$(VERSION)_$(DEB_ARCH).deb $(BUILD)/
	@echo "  DEB     $(BUILD)/sesame_$(VERSION)_$(DEB_ARCH).deb"

clean:
	rm -rf build

-include $(shell find build -name deb -prune -o -name '*.d' -print 2>/dev/null)
