# mk/newlib.mk -- build newlib's libc.a for freestanding x86-64 use.
#
# Source: Debian's `newlib-source` package (tarball under /usr/src/newlib).
# Configured for --target=x86_64-elf but compiled with the *host* toolchain
# (gcc/as/ld/ar/...), no cross compiler needed.  Objects are built with
# -fPIC (linked into both the gnu-efi PE loader and the static Multiboot2
# kernel) and -mgeneral-regs-only (no SSE/x87 state touched by libc code).
#
# -mgeneral-regs-only makes libm, a dozen float-only files of libc/stdlib
# (strtod, dtoa, atof, *rand48, ecvt...) and libc/time/difftime fail to
# compile.  We therefore build with `make -k`, then archive whatever objects
# did compile in directories whose lib.a is missing (stdlib, time), relink
# libc.a and install.  printf-family float support is configured out.
#
# Interface (used by the top-level Makefile):
#   BUILD            build root (top-level defines it; default: build)
#   NEWLIB_LIBC      the installed libc.a
#   NEWLIB_INCLUDE   the installed include dir; compile with
#                      -nostdinc -isystem $(NEWLIB_INCLUDE) \
#                      -isystem $(shell $(CC) -print-file-name=include)
#   newlib           phony: build newlib if needed
#   newlib-check     phony: fail if libc.a contains SSE/MMX/x87 instructions
#   newlib-clean     phony: remove $(BUILD)/newlib
#
# Everything (sources, build tree, logs, install) lives in $(BUILD)/newlib;
# a stamp makes subsequent runs no-ops.

BUILD ?= build

NEWLIB_TARBALL ?= /usr/src/newlib/newlib-3.3.0.tar.xz
NEWLIB_JOBS    ?= 2
NEWLIB_TARGET  := x86_64-elf

# Host tools used as "target" tools.
NEWLIB_CC      ?= gcc
NEWLIB_CFLAGS  ?= -O2 -fPIC -ffreestanding -mgeneral-regs-only -mno-red-zone \
                  -fno-stack-protector

NEWLIB_CONFIG_FLAGS := \
	--target=$(NEWLIB_TARGET) \
	--disable-multilib \
	--disable-libgloss \
	--disable-nls \
	--disable-newlib-supplied-syscalls \
	--disable-newlib-io-float \
	--enable-newlib-io-long-long

NEWLIB_DIR     := $(BUILD)/newlib
NEWLIB_ABSDIR   = $(abspath $(NEWLIB_DIR))
NEWLIB_LIBC    := $(NEWLIB_DIR)/install/$(NEWLIB_TARGET)/lib/libc.a
NEWLIB_INCLUDE := $(NEWLIB_DIR)/install/$(NEWLIB_TARGET)/include
NEWLIB_STAMP   := $(NEWLIB_DIR)/.stamp-built

# Symbols that must be present in the final archive.
NEWLIB_REQUIRED_SYMS := memcpy memset memmove memcmp strlen strcmp strncmp \
	strchr snprintf vsnprintf isdigit strtoul strtoull

# Run the newlib build isolated from our own make/compiler environment
# (command-line variables of the top-level make are exported to recipes).
NEWLIB_ENV := env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES \
	-u CC -u CFLAGS -u CPPFLAGS -u LDFLAGS -u AR -u AS -u LD -u NM \
	-u RANLIB -u OBJCOPY -u OBJDUMP -u CXX -u CXXFLAGS -u ASFLAGS -u LIBS

.PHONY: newlib newlib-check newlib-clean

newlib: $(NEWLIB_LIBC)

# Only runs if the tarball is missing.
$(NEWLIB_TARBALL):
	@echo "error: $@ not found." >&2; \
	 echo "       Install Debian's newlib sources: apt-get install newlib-source" >&2; \
	 exit 1

$(NEWLIB_STAMP): $(NEWLIB_TARBALL)
	@echo "  NEWLIB   building (about a minute, logs in $(NEWLIB_DIR)/*.log)"
	@set -e; \
	 d="$(NEWLIB_ABSDIR)"; \
	 rm -rf "$$d/src" "$$d/build" "$$d/install" "$(NEWLIB_STAMP)"; \
	 mkdir -p "$$d/src" "$$d/build"; \
	 tar -xf "$(NEWLIB_TARBALL)" -C "$$d/src" --strip-components=1; \
	 cd "$$d/build"; \
	 if ! $(NEWLIB_ENV) ../src/configure $(NEWLIB_CONFIG_FLAGS) \
	      --prefix="$$d/install" \
	      CC_FOR_TARGET="$(NEWLIB_CC)" AS_FOR_TARGET=as LD_FOR_TARGET=ld \
	      AR_FOR_TARGET=ar NM_FOR_TARGET=nm RANLIB_FOR_TARGET=ranlib \
	      OBJCOPY_FOR_TARGET=objcopy OBJDUMP_FOR_TARGET=objdump \
	      READELF_FOR_TARGET=readelf STRIP_FOR_TARGET=strip \
	      CFLAGS_FOR_TARGET="$(NEWLIB_CFLAGS)" \
	      > "$$d/configure.log" 2>&1; then \
	   echo "error: newlib configure failed, see $$d/configure.log" >&2; \
	   tail -n 20 "$$d/configure.log" >&2; exit 1; \
	 fi; \
	 $(NEWLIB_ENV) make -k -j$(NEWLIB_JOBS) all-target-newlib \
	   > "$$d/build.log" 2>&1 || true; \
	 b="$$d/build/$(NEWLIB_TARGET)/newlib"; \
	 for sub in "$$b"/libc/*/ "$$b"/libc/machine/*/; do \
	   sub="$${sub%/}"; \
	   if [ ! -f "$$sub/lib.a" ] && ls "$$sub"/lib_a-*.o >/dev/null 2>&1; then \
	     echo "partial archive: $$sub" >> "$$d/fixup.log"; \
	     (cd "$$sub" && ar rc lib.a lib_a-*.o && ranlib lib.a); \
	   fi; \
	 done; \
	 rm -f "$$b/libc/libc.a" "$$b/libc.a" "$$b/libg.a"; \
	 $(NEWLIB_ENV) make -k -j$(NEWLIB_JOBS) install-target-newlib \
	   > "$$d/install.log" 2>&1 || true; \
	 lib="$$d/install/$(NEWLIB_TARGET)/lib/libc.a"; \
	 if [ ! -f "$$lib" ] || [ ! -f "$$d/install/$(NEWLIB_TARGET)/include/stdio.h" ]; then \
	   echo "error: newlib build failed, see $$d/build.log and $$d/install.log" >&2; \
	   grep -n 'error' "$$d/build.log" | grep -v 'SSE register' | tail -n 20 >&2; \
	   exit 1; \
	 fi; \
	 defs=$$(nm -g --defined-only "$$lib" 2>/dev/null | awk 'NF==3 {print $$3}'); \
	 missing=""; \
	 for s in $(NEWLIB_REQUIRED_SYMS); do \
	   echo "$$defs" | grep -qx "$$s" || missing="$$missing $$s"; \
	 done; \
	 if [ -n "$$missing" ]; then \
	   echo "error: newlib libc.a lacks:$$missing (see $$d/build.log)" >&2; \
	   exit 1; \
	 fi
	@touch $@

# libc.a is touched after the stamp so it is never older than it.
$(NEWLIB_LIBC): $(NEWLIB_STAMP)
	@test -f $@ || { echo "error: $@ missing; run 'make newlib-clean'" >&2; exit 1; }
	@touch $@

# Fail if any object in libc.a uses SSE/AVX/MMX or x87 registers.
newlib-check: $(NEWLIB_LIBC)
	@echo "  CHECK    $(NEWLIB_LIBC) (no SSE/MMX/x87)"
	@objdump -d $(NEWLIB_LIBC) | awk ' \
	   /file format/ { obj = $$1; sub(/:$$/, "", obj) } \
	   /%[xyz]?mm[0-9]|%st[,(]|%st$$/ { bad[obj]++ } \
	   END { n = 0; \
	         for (o in bad) { printf "    %s: %d instruction(s)\n", o, bad[o]; n++ } \
	         if (n) { print "error: newlib libc.a contains SSE/MMX/x87 code (objects above)"; exit 1 } }'

newlib-clean:
	rm -rf $(NEWLIB_DIR)
