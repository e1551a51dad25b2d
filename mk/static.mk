# mk/static.mk -- static checks over the hypervisor sources (docs/fuzzing.md).
#
# Interface (used by the top-level Makefile via `-include mk/static.mk`;
# needs its HV_CFLAGS and newlib headers, so run it as `make static-check`
# from the top, not standalone):
#   BUILD                 build root (from the includer; default: build)
#   STATIC_CPPCHECK       cppcheck (default: cppcheck)
#   STATIC_CPPCHECK_DIRS  hv arch boot guest-stub (C files; boot/efi with
#                         the gnu-efi headers)
#   STATIC_CPPCHECK_FLAGS --enable=warning,portability,performance ...
#   STATIC_SUPPRESSIONS   tests/static/cppcheck-suppressions.txt (id:file)
#   STATIC_ANALYZER_SRCS  hv/*.c arch/x86/*.c arch/x86/vmx/*.c
#                         arch/x86/svm/*.c boot/mb2/*.c boot/efi/efi_main.c,
#                         each compiled with $(CC) $(HV_CFLAGS) -fanalyzer
#                         (HV_CFLAGS has -Werror: any analyzer warning fails)
#   static-check          phony: runs both tools (both always run), logs to
#                         $(BUILD)/static/cppcheck.log and
#                         $(BUILD)/static/analyzer.log, writes
#                         $(BUILD)/static/summary.txt "static <passed> <failed>"
#                         (one per tool) and fails if <failed> > 0
#   static-clean          phony: remove $(BUILD)/static

BUILD ?= build

# Keep the includer's default goal.
STATIC_SAVED_DEFAULT_GOAL := $(.DEFAULT_GOAL)

STATIC_DIR            := $(BUILD)/static
STATIC_CPPCHECK       ?= cppcheck
STATIC_SUPPRESSIONS   := tests/static/cppcheck-suppressions.txt
STATIC_EFI_INC        := -I/usr/include/efi -I/usr/include/efi/x86_64
STATIC_CPPCHECK_DIRS  := hv lib arch boot guest-stub
STATIC_CPPCHECK_FLAGS ?= --enable=warning,portability,performance --error-exitcode=1 \
			 --inline-suppr --std=c11 -D__x86_64__ -I . $(STATIC_EFI_INC) \
			 --suppress=missingIncludeSystem --suppressions-list=$(STATIC_SUPPRESSIONS) \
			 --template='{file}:{line}: {severity}: {id}: {message}' -q -j 2
STATIC_ANALYZER_SRCS  := $(wildcard hv/*.c hv/dev/*.c lib/*.c arch/x86/*.c arch/x86/vmx/*.c arch/x86/svm/*.c \
			   boot/mb2/*.c) boot/efi/efi_main.c

.PHONY: static-check static-clean

# $(NEWLIB_LIBC) (mk/newlib.mk) provides the headers HV_CFLAGS points at.
static-check: $(NEWLIB_LIBC)
	@if [ -z '$(HV_CFLAGS)' ]; then \
	  echo "static-check: HV_CFLAGS is not set: run it from the top-level Makefile (make static-check)" >&2; \
	  exit 1; fi
	@command -v $(STATIC_CPPCHECK) >/dev/null || \
	  { echo "static-check: cppcheck not found: install the Debian package cppcheck" >&2; exit 1; }
	@mkdir -p $(STATIC_DIR)
	@pass=0; fail=0; \
	echo "== cppcheck $(STATIC_CPPCHECK_DIRS)"; \
	if $(STATIC_CPPCHECK) $(STATIC_CPPCHECK_FLAGS) $(STATIC_CPPCHECK_DIRS) \
	    >$(STATIC_DIR)/cppcheck.log 2>&1; then \
	  pass=$$((pass + 1)); echo "  PASS cppcheck"; \
	else \
	  fail=$$((fail + 1)); echo "  FAIL cppcheck ($(STATIC_DIR)/cppcheck.log):"; \
	  grep -E '^[^ ].*: (error|warning|portability|performance|style|information): ' \
	    $(STATIC_DIR)/cppcheck.log | sed 's/^/    /'; \
	fi; \
	echo "== gcc -fanalyzer ($(words $(STATIC_ANALYZER_SRCS)) files, HV_CFLAGS)"; \
	: >$(STATIC_DIR)/analyzer.log; bad=0; \
	for f in $(STATIC_ANALYZER_SRCS); do \
	  extra=; case $$f in boot/efi/*) extra='$(STATIC_EFI_INC)';; esac; \
	  echo "--- $$f" >>$(STATIC_DIR)/analyzer.log; \
	  if ! $(CC) $(HV_CFLAGS) $$extra -fanalyzer -c $$f -o /dev/null \
	      >>$(STATIC_DIR)/analyzer.log 2>&1; then \
	    bad=$$((bad + 1)); echo "  analyzer: $$f"; fi; \
	done; \
	if [ $$bad -eq 0 ]; then pass=$$((pass + 1)); echo "  PASS gcc -fanalyzer"; \
	else fail=$$((fail + 1)); echo "  FAIL gcc -fanalyzer: $$bad file(s) ($(STATIC_DIR)/analyzer.log):"; \
	  grep -E ': (error|warning): ' $(STATIC_DIR)/analyzer.log | sed 's/^/    /'; fi; \
	echo "static $$pass $$fail" >$(STATIC_DIR)/summary.txt; \
	echo "static-check: $$pass passed, $$fail failed ($(STATIC_DIR)/summary.txt)"; \
	[ $$fail -eq 0 ]

static-clean:
	rm -rf $(STATIC_DIR)

.DEFAULT_GOAL := $(STATIC_SAVED_DEFAULT_GOAL)
