# SPDX-License-Identifier: GPL-2.0
#
#   make                 module (newest Debian cloud headers, or KDIR=),
#                        libscav, scavctl, selftests, demo
#   make check           dependencies, build, all tests on every kernel
#                        (6.1, 6.12, and the newest 7.x in a Debian 13 root)
#   make check-debug     the same suite on a debug kernel (KASAN, lockdep,
#                        kmemleak, ...) built from linux-source-6.1
#   make demo            dependencies, build, the RSS demo (C and Go) and a
#                        quick benchmark in a VM
#   make bench           dependencies, build, the benchmark on the host and
#                        in a VM per kernel: build/bench/results.md
#   make install         library, headers, pkg-config file, man pages, CLI,
#                        scav-go
#   make modules_install the module, for the kernel of KDIR
VERSION := 0.1.0
SOVERSION := 1
# Each library's file is named after the newest version node of its symbol
# map (LIBSCAV_1.4: libscav.so.1.4.0), so that the two cannot drift apart.
map_version = $(shell sed -n 's/^$(1)_\([0-9][0-9.]*\) {.*/\1/p' $(2) | tail -n 1).0
LIB_VERSION := $(call map_version,LIBSCAV,lib/libscav.map)
NL_VERSION := $(call map_version,LIBSCAV_NL,lib/libscav-nl.map)

PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
# systemd's units (scav-metrics for node_exporter); Debian's: /lib/systemd/system
UNITDIR ?= $(PREFIX)/lib/systemd/system
# udev's rule for /dev/scav; Debian's: /lib/udev/rules.d
UDEVDIR ?= /etc/udev/rules.d
DESTDIR ?=

O := build
CC ?= cc
CFLAGS ?= -O2 -g
WARNINGS := -Wall -Wextra -Wno-unused-parameter -Wno-sign-compare \
	    -Wno-missing-field-initializers -Werror
ALL_CFLAGS := $(CPPFLAGS) $(CFLAGS) $(WARNINGS) -Iuapi -Ilib -D_GNU_SOURCE

KERNELS := $(shell scripts/kernels.sh)
KDIR ?= $(if $(KERNELS),/lib/modules/$(lastword $(KERNELS))/build)
KREL = $(shell sed -n 's/.*UTS_RELEASE "\(.*\)"/\1/p' $(KDIR)/include/generated/utsrelease.h)
KSRC := Kbuild $(wildcard module/*.c module/*.h) uapi/linux/scav.h

LIB_SRC := lib/libscav.c lib/fallback.c
LIB_HDR := lib/scav.h lib/scav_private.h lib/keep_errno.h uapi/linux/scav.h
LIB_OBJ := $(LIB_SRC:lib/%.c=$(O)/lib/%.o)
LIB_SO := $(O)/lib/libscav.so.$(SOVERSION)
# libscav-nl: the netlink client, on libnl-genl-3 (kept out of libscav, so
# allocators linking libscav need nothing but libc).
NL_CFLAGS := $(shell pkg-config --cflags libnl-genl-3.0 2>/dev/null || echo -I/usr/include/libnl3)
NL_LIBS := $(shell pkg-config --libs libnl-genl-3.0 2>/dev/null || echo -lnl-genl-3 -lnl-3)
JSON_CFLAGS = $(shell pkg-config --cflags json-c)
JSON_LIBS = $(shell pkg-config --libs json-c)
NL_HDR := lib/scav_nl.h lib/scav_nl_private.h lib/keep_errno.h uapi/linux/scav.h
NL_OBJ := $(O)/lib/scav_nl.o
NL_SO := $(O)/lib/libscav-nl.so.$(SOVERSION)

TESTS := $(patsubst selftests/%.c,$(O)/selftests/%,$(wildcard selftests/*_test.c))

# The host-run tests again, with AddressSanitizer and UBSan, against the
# library sources built the same way in build/asan/.
ASAN := $(O)/asan
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer \
	     -fno-sanitize-recover=all
ASAN_TESTS := $(ASAN)/selftests/libscav_test $(ASAN)/selftests/untrusted_test

# kselftest's harness, from Debian's linux-source-6.1 at build time.
KSFT_TAR := $(firstword $(wildcard /usr/src/linux-source-6.1.tar.xz))
KSFT_DIR := $(O)/kselftest
KSFT_HDR := $(KSFT_DIR)/kselftest_harness.h

.PHONY: all module modules-all newest lib tests check check-debug check-redis go deb check-deb demo \
	bench deps install \
	modules_install clean
all: module lib $(O)/scavctl $(O)/scav-demo $(O)/scavbench tests jemalloc

module:
	@test -n "$(KDIR)" || { echo "no kernel headers: run scripts/deps.sh or set KDIR" >&2; exit 1; }
	$(MAKE) kmod KDIR=$(KDIR)

# Each kernel builds in its own copy of the sources under build/kmod/, kept
# from one build to the next: only files whose contents changed are copied
# (files gone from the tree go from the copy), and Kbuild's dependency
# tracking rebuilds what they touch.
.PHONY: kmod
kmod:
	@d=$(O)/kmod/$(KREL); mkdir -p $$d/module $$d/uapi/linux && \
	for f in $(KSRC); do \
		cmp -s $$f $$d/$$f || cp $$f $$d/$$f || exit 1; \
	done && \
	for f in $$(cd $$d && ls module/*.[ch] uapi/linux/*.h); do \
		[ -e $$f ] || rm -f $$d/$$f || exit 1; \
	done
	$(MAKE) -C $(KDIR) M=$(CURDIR)/$(O)/kmod/$(KREL) modules

# Every kernel: the host's installed ones, then any built in the Debian 13
# root (see newest).
modules-all:
	@for k in $(KERNELS); do \
		$(MAKE) kmod KDIR=/lib/modules/$$k/build || exit 1; \
	done
	@for k in $$(scripts/kernels.sh --chroot); do \
		scripts/newest-kernel.sh build $$k || exit 1; \
	done

# The newest cloud kernel of Debian 13's backports, in a debootstrapped root.
newest:
	scripts/newest-kernel.sh setup

lib: $(LIB_SO) $(O)/lib/libscav.a $(O)/lib/libscav.pc \
     $(NL_SO) $(O)/lib/libscav-nl.a $(O)/lib/libscav-nl.pc

$(O)/lib/%.o: lib/%.c $(LIB_HDR)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -fPIC -fvisibility=default -c -o $@ $<

$(NL_OBJ): lib/scav_nl.c $(NL_HDR)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(NL_CFLAGS) -fPIC -c -o $@ $<

$(NL_SO): $(NL_OBJ) lib/libscav-nl.map
	$(CC) $(CFLAGS) $(LDFLAGS) -shared -Wl,-soname,libscav-nl.so.$(SOVERSION) \
		-Wl,--version-script=lib/libscav-nl.map \
		-o $(O)/lib/libscav-nl.so.$(NL_VERSION) $(NL_OBJ) $(NL_LIBS)
	ln -sf libscav-nl.so.$(NL_VERSION) $@
	ln -sf libscav-nl.so.$(SOVERSION) $(O)/lib/libscav-nl.so

$(O)/lib/libscav-nl.a: $(NL_OBJ)
	$(AR) rcs $@ $^

$(LIB_SO): $(LIB_OBJ) lib/libscav.map
	$(CC) $(CFLAGS) $(LDFLAGS) -shared -Wl,-soname,libscav.so.$(SOVERSION) \
		-Wl,--version-script=lib/libscav.map -o $(O)/lib/libscav.so.$(LIB_VERSION) $(LIB_OBJ)
	ln -sf libscav.so.$(LIB_VERSION) $@
	ln -sf libscav.so.$(SOVERSION) $(O)/lib/libscav.so

$(O)/lib/libscav.a: $(LIB_OBJ)
	$(AR) rcs $@ $^

# Regenerated every time: it records PREFIX and friends.
.PHONY: $(O)/lib/libscav.pc $(O)/lib/libscav-nl.pc
$(O)/lib/libscav.pc $(O)/lib/libscav-nl.pc: $(O)/lib/%.pc: lib/%.pc.in
	@mkdir -p $(@D)
	sed -e 's|@PREFIX@|$(PREFIX)|; s|@LIBDIR@|$(LIBDIR)|' \
	    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|; s|@VERSION@|$(VERSION)|' $< > $@

# scavctl; its escaping of the kernel's strings is a file of its own, for
# untrusted_test.
CTL_SRC := lib/scavctl.c lib/scavctl_esc.c
$(O)/scavctl: $(CTL_SRC) lib/scavctl_esc.h lib/scav.h lib/scav_nl.h $(LIB_SO) $(NL_SO)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(CTL_SRC) -L$(O)/lib -lscav -lscav-nl

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

tests: $(TESTS) $(ASAN_TESTS)

# libscav-jemalloc, preloaded into programs on jemalloc 5 (on libscav.so.1),
# and jestress, jemalloc_test's workload, and libfakeje, a jemalloc of any
# version for it.
JE_SO := $(O)/lib/libscav-jemalloc.so
.PHONY: jemalloc
jemalloc: $(JE_SO) $(O)/selftests/jestress $(O)/selftests/libfakeje.so
$(JE_SO): integrations/jemalloc/scav_jemalloc.c lib/scav.h $(LIB_SO)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -fPIC -shared -o $@ $< -L$(O)/lib -lscav -lpthread
$(O)/selftests/jestress: selftests/jemalloc/jestress.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $< -ljemalloc -lpthread
$(O)/selftests/libfakeje.so: selftests/jemalloc/fakeje.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -fPIC -shared -o $@ $<

# A selftest links libscav, and what its TEST_CFLAGS and TEST_LIBS add.
$(O)/selftests/%: selftests/%.c selftests/scav_util.h selftests/scav_cgroup.h $(KSFT_HDR) $(O)/lib/libscav.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(TEST_CFLAGS) -I$(KSFT_DIR) -o $@ $< \
		$(TEST_LIBS) $(O)/lib/libscav.a -lpthread

# Tests on libscav-nl and libnl: the netlink family (libscav-nl's internals
# too), a module unload under a dump, the Go runtime (each process's
# figures), the model test (it reclaims and sets tunables through netlink)
# and the fuzz target (it crafts netlink messages and resolves the family).
NL_TESTS := $(addprefix $(O)/selftests/,netlink_test netlink_unload_test go_test \
	    model_test fuzz_test)
$(NL_TESTS): $(O)/lib/libscav-nl.a
$(NL_TESTS): TEST_CFLAGS += $(NL_CFLAGS)
$(NL_TESTS): TEST_LIBS += $(O)/lib/libscav-nl.a $(NL_LIBS)
# scavctl_test reads scavctl's JSON with json-c.
$(O)/selftests/scavctl_test: TEST_CFLAGS += $(JSON_CFLAGS)
$(O)/selftests/scavctl_test: TEST_LIBS += $(JSON_LIBS)

# What libscav-nl and scavctl make of bytes they cannot trust (crafted
# netlink errors, process names): no module, run on the host.
$(O)/selftests/untrusted_test: selftests/untrusted_test.c lib/scavctl_esc.c \
		lib/scavctl_esc.h $(KSFT_HDR) $(O)/lib/libscav-nl.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(NL_CFLAGS) $(JSON_CFLAGS) \
		-I$(KSFT_DIR) -o $@ $< lib/scavctl_esc.c $(O)/lib/libscav-nl.a \
		$(NL_LIBS) $(JSON_LIBS)

# build/asan/: the library sources for the sanitized tests.
$(ASAN)/lib/%.o: lib/%.c $(LIB_HDR) $(NL_HDR) lib/scavctl_esc.h
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(NL_CFLAGS) $(SAN_FLAGS) -c -o $@ $<

$(ASAN)/selftests/libscav_test: selftests/libscav_test.c selftests/scav_util.h \
		$(KSFT_HDR) $(LIB_SRC:lib/%.c=$(ASAN)/lib/%.o)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(SAN_FLAGS) -I$(KSFT_DIR) -o $@ $< \
		$(filter %.o,$^) -lpthread

$(ASAN)/selftests/untrusted_test: selftests/untrusted_test.c $(KSFT_HDR) \
		$(ASAN)/lib/scav_nl.o $(ASAN)/lib/scavctl_esc.o
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(NL_CFLAGS) $(JSON_CFLAGS) \
		$(SAN_FLAGS) -I$(KSFT_DIR) -o $@ $< $(filter %.o,$^) \
		$(NL_LIBS) $(JSON_LIBS)

# The ioctl ABI from a 32-bit process (compat_ptr_ioctl); no libscav.
# Static: the VM gets no 32-bit libraries, and a host without IA32
# emulation cannot run ldd on it to find them.
$(O)/selftests/compat32_test: selftests/compat32_test.c selftests/scav_util.h $(KSFT_HDR)
	@mkdir -p $(@D)
	$(CC) -m32 -static $(ALL_CFLAGS) -I$(KSFT_DIR) -o $@ $<

deps:
	scripts/deps.sh

# Debian packages (scav-dkms, libscav1, libscav-nl1, libscav-dev, scavctl)
# into build/deb/, built from a copy so that the package's clean leaves
# build/ alone; check-deb lints them, installs them in a fresh Debian 12
# root and builds the module there with DKMS for each supported kernel.
deb:
	scripts/deb.sh build

check-deb: deps
	scripts/deb.sh check

check: deps
	$(MAKE) newest
	$(MAKE) all modules-all go
	scripts/check.sh

# jemalloc's integration tests and Redis's own test suite, from the source
# of Debian's packages, against Debian's libjemalloc2 and redis-server on
# libscav-jemalloc, in the VM on every supported kernel
# (scripts/redis-suite.sh).
check-redis: deps
	$(MAKE) newest
	$(MAKE) all modules-all
	scripts/redis-suite.sh

# Go programs built with integrations/go/scav-go for every tested Go
# (scripts/go.sh): build/go/<version>/.
go:
	scripts/go.sh all

# The suite on a 6.1 built with KASAN, lockdep, kmemleak and friends.
check-debug: deps
	$(MAKE) all
	scripts/debug-kernel.sh

demo: deps
	$(MAKE) all
	scripts/go.sh set /usr/lib/go-1.19/bin/go $(O)/go/1.19
	SCAV_VM_GO=1.19 scripts/vm.sh $(lastword $(shell scripts/kernels.sh)) demo

bench: deps
	$(MAKE) newest
	$(MAKE) all modules-all go
	scripts/bench.sh

install: lib $(O)/scavctl $(JE_SO)
	install -d $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCLUDEDIR)/linux \
		$(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man3 $(DESTDIR)$(MANDIR)/man8
	install -m 644 $(O)/lib/libscav.a $(DESTDIR)$(LIBDIR)/
	install -m 644 $(O)/lib/libscav-nl.a $(DESTDIR)$(LIBDIR)/
	for l in libscav:$(LIB_VERSION) libscav-nl:$(NL_VERSION); do \
		v=$${l#*:}; l=$${l%:*}; \
		install -m 755 $(O)/lib/$$l.so.$$v $(DESTDIR)$(LIBDIR)/ && \
		ln -sf $$l.so.$$v $(DESTDIR)$(LIBDIR)/$$l.so.$(SOVERSION) && \
		ln -sf $$l.so.$(SOVERSION) $(DESTDIR)$(LIBDIR)/$$l.so && \
		install -m 644 $(O)/lib/$$l.pc $(DESTDIR)$(LIBDIR)/pkgconfig/ || exit 1; \
	done
	install -m 644 lib/scav.h lib/scav_nl.h $(DESTDIR)$(INCLUDEDIR)/
	install -m 644 uapi/linux/scav.h $(DESTDIR)$(INCLUDEDIR)/linux/
	install -m 755 $(O)/scavctl $(DESTDIR)$(BINDIR)/
	install -m 644 Documentation/man/*.3 $(DESTDIR)$(MANDIR)/man3/
	install -m 644 Documentation/man/*.8 $(DESTDIR)$(MANDIR)/man8/
	install -d $(DESTDIR)$(PREFIX)/share/scav/go $(DESTDIR)$(MANDIR)/man1
	install -m 755 integrations/go/scav-go $(DESTDIR)$(BINDIR)/
	install -m 644 Documentation/man/scav-go.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 644 integrations/go/scav_linux.go.in $(DESTDIR)$(PREFIX)/share/scav/go/
	install -d $(DESTDIR)$(UNITDIR)
	sed 's|/usr/bin/scavctl|$(BINDIR)/scavctl|' integrations/node-exporter/scav-metrics.service \
		> $(DESTDIR)$(UNITDIR)/scav-metrics.service
	install -m 644 integrations/node-exporter/scav-metrics.timer $(DESTDIR)$(UNITDIR)/
	install -d $(DESTDIR)$(LIBDIR)/scav
	install -m 644 $(JE_SO) $(DESTDIR)$(LIBDIR)/scav/
	sed 's|@LIBDIR@|$(LIBDIR)/scav|' integrations/jemalloc/scav-jemalloc > $(DESTDIR)$(BINDIR)/scav-jemalloc
	chmod 755 $(DESTDIR)$(BINDIR)/scav-jemalloc
	install -m 644 Documentation/man/scav-jemalloc.1 $(DESTDIR)$(MANDIR)/man1/
	sed 's|@LIBDIR@|$(LIBDIR)/scav|; s|@DATADIR@|$(PREFIX)/share|' \
		integrations/jemalloc/redis-server-scav.conf > $(DESTDIR)$(PREFIX)/share/scav/redis-server-scav.conf
	install -d $(DESTDIR)$(UDEVDIR)
	install -m 644 integrations/system/60-scav.rules $(DESTDIR)$(UDEVDIR)/

modules_install: module
	$(MAKE) -C $(KDIR) M=$(CURDIR)/$(O)/kmod/$(KREL) modules_install

clean:
	rm -rf $(O)
