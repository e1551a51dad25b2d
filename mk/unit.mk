# mk/unit.mk -- host-side unit tests (cmocka) for the pure core logic.
#
# Each tests/unit/test_<name>.c is one test program, linked with the module
# sources listed in UNIT_SRCS_test_<name> below and built with the host gcc
# under ASan/UBSan.  Requires Debian's libcmocka-dev.
#
# Interface (used by the top-level Makefile):
#   BUILD         build root (the includer defines it; default: build)
#   unit-test     phony: build and run every test program.  Each program's
#                 output goes to $(BUILD)/unit/<name>.log and to stdout.
#                 All programs run even if one fails; then
#                 $(BUILD)/unit/summary.txt gets one line
#                 "unit <passed> <failed>" (tests summed over programs; a
#                 program that crashes, or prints no PASSED line, counts as
#                 one failed test) and the target fails if <failed> > 0.
#   unit-build    phony: only build the test programs
#   unit-clean    phony: remove $(BUILD)/unit
#
# Standalone use: make -f mk/unit.mk unit-test [BUILD=build]

BUILD ?= build

# Keep the includer's default goal.
UNIT_SAVED_DEFAULT_GOAL := $(.DEFAULT_GOAL)

UNIT_DIR     := $(BUILD)/unit
UNIT_CC      ?= gcc
UNIT_CFLAGS  ?= -I. -std=gnu11 -O1 -g -Wall -Wextra -Werror -fno-omit-frame-pointer \
		-fsanitize=address,undefined -fno-sanitize-recover=undefined
UNIT_LDLIBS  ?= -lcmocka
UNIT_TIMEOUT ?= 60

# Module sources each test program is linked with.
UNIT_SRCS_test_cmdline     := hv/cmdline.c
UNIT_SRCS_test_elf         := hv/elf_load.c
UNIT_SRCS_test_bzimage     := hv/bzimage.c
UNIT_SRCS_test_nested_pt   := lib/nested_pt.c
UNIT_SRCS_test_bootinfo    := hv/bootinfo.c
UNIT_SRCS_test_mb2_info    := boot/mb2/mb2_info.c hv/bootinfo.c
UNIT_SRCS_test_acpi        := lib/acpi.c
UNIT_SRCS_test_tsc_check   := hv/tsc_check.c
UNIT_SRCS_test_tick_choice := arch/x86/tick_choice.c
UNIT_SRCS_test_vmx_decode  :=
UNIT_SRCS_test_svm_decode  :=
UNIT_SRCS_test_hypercall_short :=
UNIT_SRCS_test_log         := lib/log.c lib/crc32.c
UNIT_SRCS_test_log_ring    := lib/log.c lib/crc32.c
UNIT_SRCS_test_flight      := lib/flight.c lib/log.c lib/crc32.c
UNIT_SRCS_test_recovery    := hv/recovery.c hv/policy.c hv/ratelimit.c
UNIT_SRCS_test_recovery_reset := hv/recovery.c hv/policy.c hv/ratelimit.c
UNIT_SRCS_test_recovery_rollback := hv/recovery.c hv/policy.c hv/ratelimit.c
UNIT_SRCS_test_ckpt_map    := hv/ckpt_map.c
$(UNIT_DIR)/test_ckpt_map: UNIT_CFLAGS += -DHV_GUEST_RAM_MB=2 -DHV_CKPT_SLOT_MB=1
UNIT_SRCS_test_watchdog    := hv/watchdog.c
UNIT_SRCS_test_watchdog_shortcut := hv/watchdog.c
UNIT_SRCS_test_hello       := hv/hello.c hv/watchdog.c
UNIT_SRCS_test_vtimer      := hv/vtimer.c
UNIT_SRCS_test_stub_time   :=
UNIT_SRCS_test_ratelimit   := hv/ratelimit.c
UNIT_SRCS_test_exitstat    := hv/exitstat.c
UNIT_SRCS_test_wallclock   := hv/wallclock.c
UNIT_SRCS_test_cpustat     := hv/cpustat.c
UNIT_SRCS_test_control     := hv/control.c
UNIT_SRCS_test_control_mac := hv/control_mac.c lib/hmac.c
UNIT_SRCS_test_ckpt_ring   := hv/ckpt_ring.c
# test_ckpt_auth also checks the test principals table, as compiled by
# scripts/ckpt-principals.py for the test builds (mk/ckpt.mk).
UNIT_CKPT_PRINCIPALS_C     := $(UNIT_DIR)/gen/ckpt_principals.c
UNIT_SRCS_test_ckpt_auth   := hv/ckpt_auth.c lib/hmac.c $(UNIT_CKPT_PRINCIPALS_C)
UNIT_SRCS_test_msr         := hv/msr.c
UNIT_SRCS_test_cpuid       := hv/cpuid.c
UNIT_SRCS_test_mov_cr      := hv/mov_cr.c
UNIT_SRCS_test_pit         := hv/dev/pit.c
UNIT_SRCS_test_pic         := hv/dev/pic.c
UNIT_SRCS_test_uart        := hv/dev/uart.c
# exits.c with a fake backend and fake fault/log glue (in the test)
UNIT_SRCS_test_exits       := hv/exits.c hv/msr.c hv/cpuid.c hv/mov_cr.c hv/devices.c hv/dev/pit.c \
			      hv/dev/pic.c hv/dev/uart.c hv/dev/conwatch.c hv/report_check.c
UNIT_SRCS_test_conwatch    := hv/dev/conwatch.c
UNIT_SRCS_test_dump_fmt    := hv/dump_fmt.c
UNIT_SRCS_test_hvdump_asm  := tools/hvdump_asm.c tools/hvlog_parse.c lib/crc32.c hv/dump_fmt.c lib/dumpcrypt.c
UNIT_SRCS_test_dump_ranges := hv/dump_ranges.c
UNIT_SRCS_test_dumpcrypt   := lib/dumpcrypt.c
UNIT_SRCS_test_pristine    := hv/pristine.c
UNIT_SRCS_test_settings    := hv/settings.c hv/cmdline.c
UNIT_SRCS_test_integrity   := lib/crc32.c arch/x86/tables_crc.c hv/policy_crc.c
UNIT_SRCS_test_settings_release := hv/settings.c hv/cmdline.c
$(UNIT_DIR)/test_settings: UNIT_CFLAGS += -DHV_TEST_AIDS
# test_policy also checks the shipped default policy, as compiled by
# tools/policy_compile.py (the generated file includes "hv/policy.h").
UNIT_POLICY_C              := $(UNIT_DIR)/gen/default_policy.c
UNIT_SRCS_test_policy      := hv/policy.c $(UNIT_POLICY_C)

UNIT_TESTS := $(sort $(patsubst tests/unit/%.c,%,$(wildcard tests/unit/test_*.c)))
UNIT_BINS  := $(addprefix $(UNIT_DIR)/,$(UNIT_TESTS))
# Header dependencies: coarse but simple (the modules are small).
UNIT_HDRS  := $(wildcard tests/unit/*.h tests/unit/fixtures/*.h hv/*.h hv/dev/*.h lib/*.h vcpu/*.h boot/mb2/*.h arch/x86/*.h arch/x86/vmx/*.h \
			 arch/x86/svm/*.h include/*.h guest-stub/*.h)

.PHONY: unit-test unit-build unit-clean unit-cmocka-check

unit-cmocka-check:
	@printf '#include <stdarg.h>\n#include <stddef.h>\n#include <stdint.h>\n#include <setjmp.h>\n#include <cmocka.h>\nint main(void) { return 0; }\n' \
	  | $(UNIT_CC) -x c - $(UNIT_LDLIBS) -o /dev/null >/dev/null 2>&1 || \
	  { echo "unit-test: cmocka not found: install libcmocka-dev (apt-get install libcmocka-dev)" >&2; exit 1; }

# Every program links BearSSL (host build, mk/bearssl.mk); only the
# ones that use it pull anything in.
define UNIT_PROGRAM
$(UNIT_DIR)/$(1): tests/unit/$(1).c $$(UNIT_SRCS_$(1)) $$(UNIT_HDRS) mk/unit.mk $$(BEARSSL_HOST_LIB) | unit-cmocka-check
	@mkdir -p $$(@D)
	$$(UNIT_CC) $$(UNIT_CFLAGS) $$(BEARSSL_INC) -o $$@ tests/unit/$(1).c $$(UNIT_SRCS_$(1)) $$(BEARSSL_HOST_LIB) $$(UNIT_LDLIBS)
endef
$(foreach t,$(UNIT_TESTS),$(eval $(call UNIT_PROGRAM,$(t))))

$(UNIT_POLICY_C): policy/default.policy tools/policy_compile.py
	@mkdir -p $(@D)
	python3 tools/policy_compile.py $< -o $@

$(UNIT_CKPT_PRINCIPALS_C): tests/keys/ckpt-test.principals $(wildcard tests/keys/ckpt-*-test.key) \
		scripts/ckpt-principals.py
	@mkdir -p $(@D)
	python3 scripts/ckpt-principals.py --test $< -o $@

unit-build: $(UNIT_BINS)

# cmocka prints "[  PASSED  ] N test(s)." always and "[  FAILED  ] N test(s),
# listed below:" when something failed; its exit status is the failed count.
unit-test: $(UNIT_BINS)
	@pass=0; fail=0; \
	for t in $(UNIT_TESTS); do \
	  log=$(UNIT_DIR)/$$t.log; \
	  echo "== $$t"; \
	  UBSAN_OPTIONS=print_stacktrace=1 timeout $(UNIT_TIMEOUT) ./$(UNIT_DIR)/$$t >$$log 2>&1; rc=$$?; \
	  cat $$log; \
	  p=$$(sed -n 's/^\[  PASSED  \] \([0-9][0-9]*\) test.*/\1/p' $$log | tail -n 1); \
	  f=$$(sed -n 's/^\[  FAILED  \] \([0-9][0-9]*\) test.*/\1/p' $$log | tail -n 1); \
	  f=$${f:-0}; \
	  if [ -z "$$p" ]; then p=0; [ "$$f" -gt 0 ] || f=1; \
	    echo "unit-test: $$t: no PASSED line (exit status $$rc), counted as failed"; \
	  elif [ $$rc -ne 0 ] && [ "$$f" -eq 0 ]; then f=1; \
	    echo "unit-test: $$t: exit status $$rc after the summary, counted as failed"; fi; \
	  pass=$$((pass + p)); fail=$$((fail + f)); \
	done; \
	echo "unit $$pass $$fail" >$(UNIT_DIR)/summary.txt; \
	echo "unit-test: $$pass passed, $$fail failed ($(UNIT_DIR)/summary.txt)"; \
	[ $$fail -eq 0 ]

unit-clean:
	rm -rf $(UNIT_DIR)

.DEFAULT_GOAL := $(UNIT_SAVED_DEFAULT_GOAL)
