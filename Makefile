# SPDX-License-Identifier: GPL-2.0
#
#   make                 module (newest Debian cloud headers, or KDIR=),
#                        libscav, scavctl, selftests, demo
#   make check           dependencies, build, all tests on every kernel
#   make demo            dependencies, build, the RSS demo and a quick
#                        benchmark in a VM
#   make bench           dependencies, build, the benchmark on the host and
#                        in a VM per kernel: build/bench/results.md
#   make install         library, headers, pkg-config file, man pages, CLI
#   make modules_install the module, for the kernel of KDIR
VERSION := 0.1.0
SOVERSION := 1
LIBVERSION := $(SOVERSION).0.0

PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
DESTDIR ?=

O := build
CC ?= cc
CFLAGS ?= -O2 -g
WARNINGS := -Wall -Wextra -Wno-unused-parameter -Wno-sign-compare \
	    -Wno-missing-field-initializers -Werror
ALL_CFLAGS := $(CFLAGS) $(WARNINGS) -Iuapi -Ilib -D_GNU_SOURCE

KERNELS := $(shell scripts/kernels.sh)
KDIR ?= $(if $(KERNELS),/lib/modules/$(lastword $(KERNELS))/build)
KREL = $(shell sed -n 's/.*UTS_RELEASE "\(.*\)"/\1/p' $(KDIR)/include/generated/utsrelease.h)
KSRC := Kbuild $(wildcard module/*.c module/*.h) uapi/linux/scav.h

LIB_SRC := lib/libscav.c lib/fallback.c
LIB_HDR := lib/scav.h lib/scav_private.h uapi/linux/scav.h
LIB_OBJ := $(LIB_SRC:lib/%.c=$(O)/lib/%.o)
LIB_SO := $(O)/lib/libscav.so.$(SOVERSION)
TESTS := $(patsubst selftests/%.c,$(O)/selftests/%,$(wildcard selftests/*_test.c))

# kselftest's harness, from Debian's linux-source-6.1 at build time.
KSFT_TAR := $(firstword $(wildcard /usr/src/linux-source-6.1.tar.xz))
KSFT_DIR := $(O)/kselftest
KSFT_HDR := $(KSFT_DIR)/kselftest_harness.h

.PHONY: all module modules-all lib tests check demo bench deps install \
	modules_install clean
all: module lib $(O)/scavctl $(O)/scav-demo $(O)/scavbench tests

module:
	@test -n "$(KDIR)" || { echo "no kernel headers: run scripts/deps.sh or set KDIR" >&2; exit 1; }
	$(MAKE) kmod KDIR=$(KDIR)

# Each kernel builds in its own copy of the sources under build/kmod/.
.PHONY: kmod
kmod: $(KSRC)
	rm -rf $(O)/kmod/$(KREL)
	mkdir -p $(O)/kmod/$(KREL)
	cp -r Kbuild module uapi $(O)/kmod/$(KREL)/
	$(MAKE) -C $(KDIR) M=$(CURDIR)/$(O)/kmod/$(KREL) modules

modules-all:
	@for k in $(KERNELS); do \
		$(MAKE) kmod KDIR=/lib/modules/$$k/build || exit 1; \
	done

lib: $(LIB_SO) $(O)/lib/libscav.a $(O)/lib/libscav.pc

$(O)/lib/%.o: lib/%.c $(LIB_HDR)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -fPIC -fvisibility=default -c -o $@ $<

$(LIB_SO): $(LIB_OBJ) lib/libscav.map
	$(CC) $(CFLAGS) -shared -Wl,-soname,libscav.so.$(SOVERSION) \
		-Wl,--version-script=lib/libscav.map -o $(O)/lib/libscav.so.$(LIBVERSION) $(LIB_OBJ)
	ln -sf libscav.so.$(LIBVERSION) $@
	ln -sf libscav.so.$(SOVERSION) $(O)/lib/libscav.so

$(O)/lib/libscav.a: $(LIB_OBJ)
	$(AR) rcs $@ $^

# Regenerated every time: it records PREFIX and friends.
.PHONY: $(O)/lib/libscav.pc
$(O)/lib/libscav.pc: lib/libscav.pc.in
	sed -e 's|@PREFIX@|$(PREFIX)|; s|@LIBDIR@|$(LIBDIR)|' \
	    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|; s|@VERSION@|$(VERSION)|' $< > $@

$(O)/scavctl: lib/scavctl.c lib/scav.h $(LIB_SO)
	$(CC) $(ALL_CFLAGS) -o $@ $< -L$(O)/lib -lscav

$(O)/scav-demo: bench/scav-demo.c lib/scav.h $(LIB_SO)
	$(CC) $(ALL_CFLAGS) -o $@ $< -L$(O)/lib -lscav

$(O)/scavbench: bench/scavbench.c lib/scav.h $(LIB_SO)
	$(CC) $(ALL_CFLAGS) -o $@ $< -L$(O)/lib -lscav -lm

$(KSFT_HDR):
	@test -n "$(KSFT_TAR)" || { echo "linux-source-6.1 is not installed: run scripts/deps.sh" >&2; exit 1; }
	mkdir -p $(KSFT_DIR)
	tar -xJf $(KSFT_TAR) -C $(KSFT_DIR) --strip-components=4 \
		linux-source-6.1/tools/testing/selftests/kselftest_harness.h \
		linux-source-6.1/tools/testing/selftests/kselftest.h

tests: $(TESTS)

$(O)/selftests/%: selftests/%.c selftests/scav_util.h $(KSFT_HDR) $(O)/lib/libscav.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -I$(KSFT_DIR) \
		-o $@ $< $(O)/lib/libscav.a -lpthread

# The ioctl ABI from a 32-bit process (compat_ptr_ioctl); no libscav.
$(O)/selftests/compat32_test: selftests/compat32_test.c selftests/scav_util.h $(KSFT_HDR)
	@mkdir -p $(@D)
	$(CC) -m32 $(ALL_CFLAGS) -I$(KSFT_DIR) -o $@ $<

deps:
	scripts/deps.sh

check: deps
	$(MAKE) all modules-all
	scripts/check.sh

demo: deps
	$(MAKE) all
	scripts/vm.sh $(lastword $(shell scripts/kernels.sh)) demo

bench: deps
	$(MAKE) all modules-all
	scripts/bench.sh

install: lib $(O)/scavctl
	install -d $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCLUDEDIR)/linux \
		$(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man3 $(DESTDIR)$(MANDIR)/man8
	install -m 644 $(O)/lib/libscav.a $(DESTDIR)$(LIBDIR)/
	install -m 755 $(O)/lib/libscav.so.$(LIBVERSION) $(DESTDIR)$(LIBDIR)/
	ln -sf libscav.so.$(LIBVERSION) $(DESTDIR)$(LIBDIR)/libscav.so.$(SOVERSION)
	ln -sf libscav.so.$(SOVERSION) $(DESTDIR)$(LIBDIR)/libscav.so
	install -m 644 $(O)/lib/libscav.pc $(DESTDIR)$(LIBDIR)/pkgconfig/
	install -m 644 lib/scav.h $(DESTDIR)$(INCLUDEDIR)/
	install -m 644 uapi/linux/scav.h $(DESTDIR)$(INCLUDEDIR)/linux/
	install -m 755 $(O)/scavctl $(DESTDIR)$(BINDIR)/
	install -m 644 Documentation/man/*.3 $(DESTDIR)$(MANDIR)/man3/
	install -m 644 Documentation/man/*.8 $(DESTDIR)$(MANDIR)/man8/

modules_install: module
	$(MAKE) -C $(KDIR) M=$(CURDIR)/$(O)/kmod/$(KREL) modules_install

clean:
	rm -rf $(O)
