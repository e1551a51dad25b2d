# mk/tools.mk -- host tools: the report-stream decoder (docs/report-stream.md).
#
# Interface (used by the top-level Makefile, e.g. `-include mk/tools.mk`):
#   BUILD          build root (the includer defines it; default: build)
#   TOOLS_CC       host compiler (default: gcc)
#   TOOLS_CFLAGS   default: -std=gnu11 -O2 -Wall -Wextra -Werror
#   TOOLS_DIR      $(BUILD)/tools
#   HVLOG_DECODE   $(BUILD)/tools/hvlog-decode: captured COM1 log -> JSON Lines
#   HVLOG_PARSE_SRCS  the line parser (tools/hvlog_parse.c, lib/crc32.c), for
#                  a fuzz target calling hvlog_parse_line()
#   HVDUMP         $(BUILD)/tools/hvdump: the crash dumps in a captured log ->
#                  verified, an ELF core file (docs/dumps.md)
#   HVDUMP_ASM_SRCS  its reassembly (tools/hvdump_asm.c) and what it needs,
#                  for a fuzz target
#   HVLOG_SAMPLE   $(BUILD)/tools/hvlog-sample: test helper, the real
#                  lib/log.c on a fake platform, prints sample logs
#   tools          phony: build $(HVLOG_DECODE) and $(HVDUMP)
#   tools-test     phony: decoder tests (tests/tools/run.sh); writes
#                  $(BUILD)/tools/summary.txt "tools <passed> <failed>" and
#                  fails if <failed> > 0
#   tools-clean    phony: remove $(BUILD)/tools
#
# Standalone use: make -f mk/tools.mk tools-test [BUILD=build]

BUILD ?= build

# Keep the includer's default goal.
TOOLS_SAVED_DEFAULT_GOAL := $(.DEFAULT_GOAL)

TOOLS_DIR    := $(BUILD)/tools
TOOLS_CC     ?= gcc
TOOLS_CFLAGS ?= -I. -std=gnu11 -O2 -Wall -Wextra -Werror

HVLOG_PARSE_SRCS := tools/hvlog_parse.c lib/crc32.c
HVLOG_DECODE     := $(TOOLS_DIR)/hvlog-decode
HVLOG_SAMPLE     := $(TOOLS_DIR)/hvlog-sample
HVDUMP           := $(TOOLS_DIR)/hvdump
HVDUMP_ASM_SRCS  := tools/hvdump_asm.c lib/dumpcrypt.c $(HVLOG_PARSE_SRCS)

.PHONY: tools tools-test tools-clean

tools: $(HVLOG_DECODE) $(HVDUMP)

# Links BearSSL, built for the host from the same Debian source (mk/bearssl.mk).
$(HVDUMP): tools/hvdump.c $(HVDUMP_ASM_SRCS) tools/hvdump_asm.h tools/hvlog_parse.h lib/crc32.h \
		lib/dumpcrypt.h $(BEARSSL_HOST_LIB) mk/tools.mk
	@mkdir -p $(@D)
	$(TOOLS_CC) $(TOOLS_CFLAGS) $(BEARSSL_INC) -o $@ tools/hvdump.c $(HVDUMP_ASM_SRCS) $(BEARSSL_HOST_LIB)

$(HVLOG_DECODE): tools/hvlog-decode.c $(HVLOG_PARSE_SRCS) tools/hvlog_parse.h lib/crc32.h mk/tools.mk
	@mkdir -p $(@D)
	$(TOOLS_CC) $(TOOLS_CFLAGS) -o $@ tools/hvlog-decode.c $(HVLOG_PARSE_SRCS)

$(HVLOG_SAMPLE): tests/tools/hvlog_sample.c lib/log.c lib/crc32.c lib/log.h lib/crc32.h \
		arch/x86/platform.h mk/tools.mk
	@mkdir -p $(@D)
	$(TOOLS_CC) $(TOOLS_CFLAGS) -o $@ tests/tools/hvlog_sample.c lib/log.c lib/crc32.c

tools-test: $(HVLOG_DECODE) $(HVLOG_SAMPLE)
	@tests/tools/run.sh $(HVLOG_DECODE) $(HVLOG_SAMPLE) $(TOOLS_DIR)

tools-clean:
	rm -rf $(TOOLS_DIR)

# --- hvmon (tools/hvmon/, docs/operations.md): the operations side -----------
# $(HVMON) is a launcher for the Python package in tools/hvmon; it parses
# with the decoder's own parser, $(HVLOG_SO).  `make tools` checks its
# Debian packages (python3, python3-prometheus-client).
HVLOG_SO := $(TOOLS_DIR)/libhvlog.so
HVMON    := $(TOOLS_DIR)/hvmon
HVMON_PY := $(wildcard tools/hvmon/*.py)
# Debian's python3, which sees Debian's python3-* packages
HVMON_PYTHON ?= $(firstword $(wildcard /usr/bin/python3) python3)

tools: $(HVMON)

$(HVLOG_SO): tools/hvlog_so.c $(HVLOG_PARSE_SRCS) tools/hvlog_parse.h lib/crc32.h mk/tools.mk
	@mkdir -p $(@D)
	$(TOOLS_CC) $(TOOLS_CFLAGS) -fPIC -shared -o $@ tools/hvlog_so.c $(HVLOG_PARSE_SRCS)

$(HVMON): $(HVLOG_SO) $(HVMON_PY) mk/tools.mk
	@$(HVMON_PYTHON) -c 'import prometheus_client, curses' 2>/dev/null || \
		{ echo "hvmon needs python3-prometheus-client: apt-get install python3-prometheus-client (make deps-install)"; exit 1; }
	@printf '#!/bin/sh\n# hvmon launcher (mk/tools.mk)\nHVMON_LIBHVLOG="%s" PYTHONPATH="%s$${PYTHONPATH:+:$$PYTHONPATH}" exec %s -m hvmon "$$@"\n' \
		"$(abspath $(HVLOG_SO))" "$(abspath tools)" "$(HVMON_PYTHON)" >$@
	@chmod +x $@

.PHONY: hvmon-test
hvmon-test: $(HVMON) $(HVLOG_DECODE)
	@$(HVMON_PYTHON) tests/hvmon/run.py --build $(BUILD) $(HVMON_TEST_ARGS)


.DEFAULT_GOAL := $(TOOLS_SAVED_DEFAULT_GOAL)
