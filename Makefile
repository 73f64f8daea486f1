# fdclose: close file descriptors inside a running process.
#
# `make` builds ./fdclose, `make check` runs every test, `make demo` shows the
# job end to end, `make bench` measures it against gdb and ss, `make soak`
# injects SOAK_N (default 10,000) times into a self-checking fixture, `make
# fuzz` runs each libFuzzer target of tests/fuzz for FUZZ_SECONDS (60).  The
# first three install their Debian build dependencies first when run as root.

ARCH ?= $(shell uname -m)
# make install: $(DESTDIR)$(PREFIX)/sbin/fdclose, its man page and its bash
# completion; make uninstall removes those three files and nothing else.
PREFIX ?= /usr/local
SBINDIR = $(PREFIX)/sbin
MAN8DIR = $(PREFIX)/share/man/man8
COMPLETIONDIR = $(PREFIX)/share/bash-completion/completions
ifeq ($(wildcard arch/$(ARCH).c),)
$(error ARCH=$(ARCH) is not supported: there is no arch/$(ARCH).c (supported: $(patsubst arch/%.c,%,$(wildcard arch/*.c))))
endif

CFLAGS ?= -O2 -g
WARNINGS := -Wall -Wextra -Werror -Wmissing-prototypes -Wstrict-prototypes \
	-Wformat=2 -Wshadow -Wpointer-arith -Wvla
# -pthread: the scan walks fd tables on a few threads (scan/walk.c).
BASE_CPPFLAGS := -I. -D_GNU_SOURCE -pthread
PC_PKGS := libunwind-ptrace capstone
PC_CFLAGS = $(shell pkg-config --cflags $(PC_PKGS) cmocka)
# fdclose is linked statically, libc included.  capstone's tables hold ~77,000
# pointers: in a PIE each needs a relocation at start-up (1.1 ms, a third of a
# whole close).  And a dynamic libc resolves each function on its first call:
# ~270 us of a 1.7 ms close.  Static, fdclose starts as fast as /bin/true.
PC_LIBS = $(shell pkg-config --libs --static $(PC_PKGS))
# The sanitizer builds are PIE, which the static libunwind cannot join.
PC_LIBS_DYN = $(shell pkg-config --libs $(PC_PKGS))
CMOCKA_LIBS = $(shell pkg-config --libs cmocka)

# Hardening of the objects of fdclose (and of the unit tests, which link
# them), whatever the caller's flags: tools/hardening.sh checks that the
# binary has each.  dpkg-buildflags' CPPFLAGS say -D_FORTIFY_SOURCE=2: -U
# first, so that level 3 (object sizes known only at run time) replaces it
# without a redefinition warning.  -fcf-protection is x86's CET (endbr64,
# shadow stack notes); elsewhere the compiler refuses it.  clang 14 has no
# stack-clash probes for arm64 and says so: the flag goes where the compiler
# takes it (tools/hardening.sh checks the host's build, where it must).
HARDEN_CPPFLAGS := -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=3
cc_takes = $(shell $(CC) -Werror $(1) -x c -c -o /dev/null /dev/null >/dev/null 2>&1 && echo $(1))
HARDEN_CFLAGS := -fstack-protector-strong $(call cc_takes,-fstack-clash-protection) \
	$(if $(filter x86_64 i%86,$(ARCH)),-fcf-protection)
# Full RELRO: in a static, non-PIE binary nothing is bound lazily (there is
# no dynamic section); -z now still moves .got.plt, which the ifunc
# (IRELATIVE) relocations of libc fill at start-up, under RELRO.
HARDEN_LDFLAGS := -Wl,-z,relro,-z,now,-z,noexecstack

# fdclose's string literals stay in its own .rodata, beside its other
# constants: mergeable, the linker tail-merges them into capstone's string
# tables ("{" into an ARM mnemonic, " " into a MIPS one), megabytes away,
# and each first use there is a page fault.  fdclose PID FD took 11 page
# faults after main() with them merged, 8 without, on a host where one
# costs 10-30 us.  clang has no such flag (the arm64 build): there it goes.
LAYOUT_CFLAGS := $(call cc_takes,-fno-merge-constants)
# The libc code a run uses, gathered in front of .text (tools/hotpaths.sh
# made the list): scattered over 1.6 MB, it cost fdclose PID FD 16 text
# page faults, gathered 6.  An arch with no such script links as before.
LAYOUT_LDFLAGS := $(if $(wildcard arch/$(ARCH)_layout.ld),-T arch/$(ARCH)_layout.ld)

# CPPFLAGS, CFLAGS and LDFLAGS are the caller's (dpkg-buildflags' in make deb).
ALL_CFLAGS = $(BASE_CPPFLAGS) $(CPPFLAGS) $(PC_CFLAGS) $(WARNINGS) $(CFLAGS)
PRODUCT_CFLAGS = $(BASE_CPPFLAGS) $(CPPFLAGS) $(HARDEN_CPPFLAGS) $(PC_CFLAGS) $(WARNINGS) \
	$(CFLAGS) $(HARDEN_CFLAGS) $(LAYOUT_CFLAGS)

# The one place the architecture is chosen: arch/$(ARCH).c implements arch/arch.h.
NEUTRAL_SRCS := $(wildcard common/*.c proc/*.c scan/*.c injector/*.c cli/*.c)
LIB_SRCS := $(NEUTRAL_SRCS) arch/$(ARCH).c
LIB_ASMS := $(wildcard arch/$(ARCH)_*.S)
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
FIXTURE_SRCS := $(wildcard fixtures/*.c)
# Each arch's register shuffles are unit-tested (tests/unit/arch/test_ARCH.c,
# linked with arch/ARCH.c in place of the host's) on every host that can
# build them: the host's own arch, and every arch without assembly.
ARCHES := $(patsubst arch/%.c,%,$(wildcard arch/*.c))
UNIT_ARCHES := $(sort $(ARCH) $(foreach a,$(ARCHES),$(if $(wildcard arch/$(a)_*.S),,$(a))))

OBJDIR := build
LIB_OBJS := $(LIB_SRCS:%.c=$(OBJDIR)/%.o) $(LIB_ASMS:%.S=$(OBJDIR)/%.o)
NEUTRAL_OBJS := $(NEUTRAL_SRCS:%.c=$(OBJDIR)/%.o)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(OBJDIR)/tests/%) \
	$(UNIT_ARCHES:%=$(OBJDIR)/tests/arch_%)
ASAN_DIR := build/asan
ASAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
ASAN_OBJS := $(LIB_SRCS:%.c=$(ASAN_DIR)/%.o) $(LIB_ASMS:%.S=$(ASAN_DIR)/%.o)
ASAN_NEUTRAL_OBJS := $(NEUTRAL_SRCS:%.c=$(ASAN_DIR)/%.o)
ASAN_BINS := $(UNIT_SRCS:tests/unit/%.c=$(ASAN_DIR)/tests/%) \
	$(UNIT_ARCHES:%=$(ASAN_DIR)/tests/arch_%)
FIXTURE_BINS := $(FIXTURE_SRCS:fixtures/%.c=$(OBJDIR)/fixtures/%)
# libFuzzer targets (tests/fuzz/fuzz_NAME.c), built by clang against the
# same sources instrumented for coverage, ASan and UBSan.
FUZZ_CC ?= clang
FUZZ_DIR := build/fuzz
FUZZ_FLAGS := -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer -Wno-format-nonliteral
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_OBJS := $(LIB_SRCS:%.c=$(FUZZ_DIR)/%.o) $(LIB_ASMS:%.S=$(FUZZ_DIR)/%.o)
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=$(FUZZ_DIR)/bin/%)
# make fuzz: each target this many seconds; make check runs each for FUZZ_CHECK_SECONDS.
FUZZ_SECONDS ?= 60
FUZZ_CHECK_SECONDS ?= 3

.PHONY: all check demo bench soak deps need-deps need-vm-deps build check-run unit unit-asan \
	integration check-i386 check-arch fixtures lint install uninstall deb package-check \
	contrib-check clean fuzz fuzz-build hardening-flags

all: need-deps
	@$(MAKE) --no-print-directory build

check: need-vm-deps
	@$(MAKE) --no-print-directory check-run

demo: need-deps
	@$(MAKE) --no-print-directory build fixtures
	@bash tools/demo.sh

bench: need-deps
	@$(MAKE) --no-print-directory build fixtures
	@bash bench/run.sh

SOAK_N ?= 10000
soak: need-deps
	@$(MAKE) --no-print-directory build fixtures
	@bash tests/soak/run.sh $(SOAK_N)

deps:
	@bash tools/deps.sh install vm

need-deps:
	@bash tools/deps.sh check

need-vm-deps:
	@bash tools/deps.sh check vm

# The binary's path: a cross build (tests/vm/run-aarch64.sh) names its own.
FDCLOSE ?= fdclose

build: $(FDCLOSE)

$(FDCLOSE): $(OBJDIR)/fdclose.o $(LIB_OBJS) $(wildcard arch/$(ARCH)_layout.ld)
	$(CC) $(CFLAGS) $(HARDEN_CFLAGS) -pthread -static $(LDFLAGS) $(HARDEN_LDFLAGS) -o $@ \
		$(LAYOUT_LDFLAGS) $(filter %.o,$^) $(PC_LIBS)

# Each object depends on the headers it includes, as the compiler saw them (-MMD).
# A tree built before a change of flags (hardening added, make deb's) is
# rebuilt: the objects depend on a stamp named after the flags.
FLAGS_STAMP = $(OBJDIR)/flags.$(shell echo '$(PRODUCT_CFLAGS) $(HARDEN_LDFLAGS)' | md5sum | cut -c1-12)
$(FLAGS_STAMP):
	@mkdir -p $(OBJDIR)
	@rm -f $(OBJDIR)/flags.*
	@touch $@

$(OBJDIR)/%.o: %.c $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(PRODUCT_CFLAGS) -MMD -MP -c -o $@ $<

$(OBJDIR)/%.o: %.S $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CPPFLAGS) $(HARDEN_CFLAGS) -MMD -MP -c -o $@ $<

$(ASAN_DIR)/%.o: %.S
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CPPFLAGS) -MMD -MP -c -o $@ $<

# The headers a test includes become prerequisites through its .d file: not inputs.
$(OBJDIR)/tests/%: tests/unit/%.c $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -o $@ $(filter %.c %.o,$^) $(PC_LIBS_DYN) $(CMOCKA_LIBS)

$(OBJDIR)/tests/arch_%: tests/unit/arch/test_%.c $(NEUTRAL_OBJS) $(OBJDIR)/arch/%.o
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -o $@ $(filter %.c %.o,$^) $(PC_LIBS_DYN) $(CMOCKA_LIBS)

$(OBJDIR)/tests/arch_$(ARCH): $(LIB_ASMS:%.S=$(OBJDIR)/%.o)

# Objects only a pattern rule names are intermediate: make would delete them.
.SECONDARY: $(UNIT_ARCHES:%=$(OBJDIR)/arch/%.o) $(UNIT_ARCHES:%=$(ASAN_DIR)/arch/%.o)

$(ASAN_DIR)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ASAN_FLAGS) -MMD -MP -c -o $@ $<

$(ASAN_DIR)/tests/%: tests/unit/%.c $(ASAN_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ASAN_FLAGS) -MMD -MP -o $@ $(filter %.c %.o,$^) $(PC_LIBS_DYN) \
		$(CMOCKA_LIBS)

$(FUZZ_DIR)/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(ALL_CFLAGS) $(FUZZ_FLAGS) -MMD -MP -c -o $@ $<

$(FUZZ_DIR)/%.o: %.S
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(BASE_CPPFLAGS) -MMD -MP -c -o $@ $<

# fuzz_args includes fdclose.c itself, so fdclose.o is not linked in.
$(FUZZ_DIR)/bin/%: tests/fuzz/%.c $(FUZZ_OBJS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(ALL_CFLAGS) $(FUZZ_FLAGS) -fsanitize=fuzzer -MMD -MP -o $@ \
		$< $(filter %.o,$^) $(PC_LIBS_DYN)

$(OBJDIR)/fixtures/%: fixtures/%.c
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CPPFLAGS) $(WARNINGS) $(CFLAGS) -MMD -MP -pthread -o $@ $< -lm

# A statically linked, stripped cwfix: no symbols for gdb, none needed by fdclose.
$(OBJDIR)/fixtures/cwfix-static: fixtures/cwfix.c
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CPPFLAGS) $(WARNINGS) $(CFLAGS) -pthread -static -s -o $@ $< -lm

$(ASAN_DIR)/tests/arch_%: tests/unit/arch/test_%.c $(ASAN_NEUTRAL_OBJS) $(ASAN_DIR)/arch/%.o
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ASAN_FLAGS) -MMD -MP -o $@ $(filter %.c %.o,$^) $(PC_LIBS_DYN) \
		$(CMOCKA_LIBS)

$(ASAN_DIR)/tests/arch_$(ARCH): $(LIB_ASMS:%.S=$(ASAN_DIR)/%.o)

fixtures: $(FIXTURE_BINS) $(OBJDIR)/fixtures/cwfix-static

unit: $(UNIT_BINS)
	@bash tests/run-unit.sh $(UNIT_BINS)

unit-asan: $(ASAN_BINS)
	@bash tests/run-unit.sh $(ASAN_BINS)

fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build
	@bash tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_BINS)

integration: fdclose fixtures
	@bash tests/integration/run.sh

check-i386: need-vm-deps
	@$(MAKE) --no-print-directory build
	@bash tests/vm/run-i386.sh

# Every personality on a kernel of its own: arm64 (Debian's arm64 kernel
# under qemu-system-aarch64) and i386 (Debian's amd64 kernel); both VMs run
# even when the first fails, and the target fails when either did.
VM_RUNS = rc=0; bash tests/vm/run-aarch64.sh || rc=1; bash tests/vm/run-i386.sh || rc=1; exit $$rc

check-arch: need-vm-deps
	@$(MAKE) --no-print-directory build
	@$(VM_RUNS)

lint:
	@bash tools/lint.sh

# What tools/hardening.sh expects the product to be built with.
hardening-flags:
	@echo 'ARCH=$(ARCH)'
	@echo 'CFLAGS=$(PRODUCT_CFLAGS)'
	@echo 'LDFLAGS=$(HARDEN_LDFLAGS)'

check-run: build
	@$(MAKE) --no-print-directory lint
	@bash tools/hardening.sh
	@bash tools/hotpaths.sh --check
	@$(MAKE) --no-print-directory package-check
	@$(MAKE) --no-print-directory contrib-check
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory unit-asan
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$(FUZZ_CHECK_SECONDS)
	@$(MAKE) --no-print-directory integration
	@$(VM_RUNS)

install: build
	install -D -m 0755 fdclose $(DESTDIR)$(SBINDIR)/fdclose
	install -D -m 0644 man/fdclose.8 $(DESTDIR)$(MAN8DIR)/fdclose.8
	install -D -m 0644 completion/fdclose.bash $(DESTDIR)$(COMPLETIONDIR)/fdclose

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/fdclose $(DESTDIR)$(MAN8DIR)/fdclose.8 \
		$(DESTDIR)$(COMPLETIONDIR)/fdclose

# build/fdclose_VERSION_ARCH.deb, built by dpkg-buildpackage from a copy of
# the tree in build/deb/ (the work tree stays as it is).
deb:
	@bash tools/package.sh deb

# make check's packaging step: make deb, its contents, lintian, and make
# install and uninstall into a scratch DESTDIR.
package-check:
	@bash tools/package.sh check

# contrib/: systemd-analyze verify of the units, the Kubernetes manifest's
# fields, the playbook's syntax (tools/contrib.sh).
contrib-check: build
	@bash tools/contrib.sh

clean:
	rm -rf build fdclose

# build/vm-aarch64 holds an arm64 sysroot, whose /etc/*.d are no dependency
# files; build/deb a copy of the tree as make deb last saw it, whose .d name
# headers this tree may no longer have (each then rebuilt every object).
-include $(shell find build \( -path build/vm-aarch64 -o -path build/deb \) -prune -o \
	-name '*.d' -type f -print 2>/dev/null)
