# mk/fuzz.mk -- host fuzz targets (libFuzzer + ASan + UBSan) for every
# function that parses guest- or file-supplied data (docs/fuzzing.md).
#
# Interface (used by the top-level Makefile via `-include mk/fuzz.mk`):
#   BUILD               build root (the includer defines it; default: build)
#   FUZZ_TARGETS        fuzz_elf fuzz_mb2 fuzz_report fuzz_cmdline fuzz_hvlog
#                       fuzz_hypercall fuzz_guest_copy fuzz_bzimage
#                       fuzz_hvdump fuzz_hvdump_open fuzz_control
#                       fuzz_ckpt_req (tests/fuzz/<name>.c)
#   FUZZ_SECONDS        time per target for `fuzz` (default 60)
#   FUZZ_SMOKE_SECONDS  time per target for `fuzz-smoke` (default 10)
#   FUZZ_JOBS           targets fuzzed at the same time (default 2)
#   FUZZ_CC, FUZZ_CFLAGS  compiler (clang-14) and flags
#   fuzz-build          phony: build $(BUILD)/fuzz/bin/<target>
#   fuzz                phony: build, then run each target FUZZ_SECONDS over
#                       its working corpus $(BUILD)/fuzz/corpus/<target>
#                       (kept between runs, seeded from
#                       tests/fuzz/corpus/<target>); prints executions and
#                       crashes per target
#   fuzz-smoke          phony: the same with FUZZ_SMOKE_SECONDS (what
#                       `make test` runs; ~50 s for 8 targets on 2 cores)
#   Both write $(BUILD)/fuzz/summary.txt "fuzz <passed> <failed>" and
#   $(BUILD)/fuzz/execs.txt "<target> execs=<N>", logs to
#   $(BUILD)/fuzz/logs/, crash inputs to $(BUILD)/fuzz/artifacts/<target>/,
#   and fail if any target crashed.
#   fuzz-clean          phony: remove $(BUILD)/fuzz (corpora included)
#
# Standalone use: make -f mk/fuzz.mk fuzz-smoke [BUILD=build]

BUILD ?= build

# Keep the includer's default goal.
FUZZ_SAVED_DEFAULT_GOAL := $(.DEFAULT_GOAL)

FUZZ_DIR           := $(BUILD)/fuzz
FUZZ_CC            ?= clang-14
FUZZ_CFLAGS        ?= -I. -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		      -std=gnu11 -Wall -Wextra -Werror
FUZZ_SECONDS       ?= 60
FUZZ_SMOKE_SECONDS ?= 10
FUZZ_JOBS          ?= 2

FUZZ_TARGETS := fuzz_elf fuzz_mb2 fuzz_report fuzz_cmdline fuzz_hvlog fuzz_hypercall \
		fuzz_guest_copy fuzz_bzimage fuzz_hvdump fuzz_hvdump_open fuzz_control fuzz_ckpt_req fuzz_acpi

# Sources each target links (besides tests/fuzz/<target>.c), extra flags,
# and -max_len (bytes).
FUZZ_SRCS_fuzz_elf        := hv/elf_load.c
FUZZ_SRCS_fuzz_bzimage    := hv/bzimage.c
FUZZ_SRCS_fuzz_mb2        := boot/mb2/mb2_info.c hv/bootinfo.c
FUZZ_SRCS_fuzz_acpi       := lib/acpi.c
FUZZ_SRCS_fuzz_report     := hv/report_check.c
FUZZ_SRCS_fuzz_cmdline    := hv/cmdline.c
FUZZ_SRCS_fuzz_control    := hv/control.c
FUZZ_SRCS_fuzz_ckpt_req   := hv/ckpt_ring.c hv/ckpt_auth.c lib/hmac.c
FUZZ_SRCS_fuzz_hvlog      := tools/hvlog_parse.c lib/crc32.c
FUZZ_SRCS_fuzz_hvdump     := tools/hvdump_asm.c tools/hvlog_parse.c lib/crc32.c lib/dumpcrypt.c
# The decryption path: sealed pages (dump_key, dump_xpage/xmem/xtag) fed
# to the reassembly with the test key, valid ones sealed by the fuzz
# target itself, then mutated.
FUZZ_SRCS_fuzz_hvdump_open := tools/hvdump_asm.c tools/hvlog_parse.c lib/crc32.c lib/dumpcrypt.c
# fuzz_hypercall links the real core (only the backend, platform, log, guest
# RAM/guest_build and the image CRC are faked) and the shipped default
# policy, compiled by tools/policy_compile.py as for the hypervisor.
FUZZ_POLICY_C             := $(FUZZ_DIR)/gen/default_policy.c
FUZZ_SRCS_fuzz_hypercall  := hv/hypercall.c hv/hello.c hv/report.c hv/report_check.c hv/guest_mem.c \
			     hv/actions.c hv/recovery.c hv/policy.c hv/ratelimit.c hv/watchdog.c \
			     hv/vtimer.c hv/heartbeat.c hv/settings.c hv/cmdline.c hv/vm.c hv/devices.c \
			     hv/dev/pit.c hv/dev/pic.c hv/dev/uart.c hv/dev/conwatch.c hv/exitstat.c hv/cpustat.c hv/wallclock.c \
			     hv/dump.c hv/dump_fmt.c hv/dump_guest.c hv/dump_ranges.c hv/dump_state.c lib/dumpcrypt.c \
			     hv/ckpt.c hv/ckpt_run.c hv/ckpt_map.c hv/ckpt_ring.c hv/ckpt_auth.c lib/hmac.c \
			     hv/pristine.c \
			     lib/crc32.c $(FUZZ_POLICY_C)
FUZZ_SRCS_fuzz_guest_copy := hv/guest_mem.c
FUZZ_DEFS_fuzz_hypercall  := -DHV_GUEST_RAM_MB=2 -DHV_CKPT_SLOT_MB=1
FUZZ_DEFS_fuzz_guest_copy := -DHV_GUEST_RAM_MB=2

FUZZ_MAXLEN_fuzz_elf        := 4096
FUZZ_MAXLEN_fuzz_bzimage    := 4096
FUZZ_MAXLEN_fuzz_mb2        := 4096
FUZZ_MAXLEN_fuzz_acpi       := 4096
FUZZ_MAXLEN_fuzz_report     := 512
FUZZ_MAXLEN_fuzz_ckpt_req   := 256
FUZZ_MAXLEN_fuzz_cmdline    := 1024
FUZZ_MAXLEN_fuzz_hvlog      := 2048
FUZZ_MAXLEN_fuzz_hvdump     := 4096
FUZZ_MAXLEN_fuzz_hvdump_open := 512
FUZZ_MAXLEN_fuzz_hypercall  := 4096
FUZZ_MAXLEN_fuzz_guest_copy := 4096

FUZZ_Q := $(if $(filter 1,$(V)),,@)

FUZZ_BINS := $(addprefix $(FUZZ_DIR)/bin/,$(FUZZ_TARGETS))
# Header dependencies: coarse but simple.
FUZZ_HDRS := $(wildcard tests/fuzz/*.h hv/*.h lib/*.h vcpu/*.h boot/mb2/*.h arch/x86/*.h include/*.h tools/*.h)

.PHONY: fuzz fuzz-smoke fuzz-build fuzz-clean fuzz-toolchain-check

fuzz-toolchain-check:
	@printf '#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n' \
	  | $(FUZZ_CC) $(FUZZ_CFLAGS) -x c - -o /dev/null >/dev/null 2>&1 || \
	  { echo "fuzz: $(FUZZ_CC) with libFuzzer/ASan/UBSan not found: install the Debian packages clang (clang-14) and libclang-rt-14-dev (apt-get install clang-14 libclang-rt-14-dev)" >&2; exit 1; }

# BearSSL (host build, mk/bearssl.mk) is linked in, uninstrumented.
define FUZZ_PROGRAM
$(FUZZ_DIR)/bin/$(1): tests/fuzz/$(1).c $$(FUZZ_SRCS_$(1)) $$(FUZZ_HDRS) mk/fuzz.mk $$(BEARSSL_HOST_LIB) | fuzz-toolchain-check
	@mkdir -p $$(@D)
	@echo "  FUZZCC   $$@"
	$$(FUZZ_Q)$$(FUZZ_CC) $$(FUZZ_CFLAGS) $$(BEARSSL_INC) $$(FUZZ_DEFS_$(1)) -o $$@ tests/fuzz/$(1).c $$(FUZZ_SRCS_$(1)) $$(BEARSSL_HOST_LIB)
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call FUZZ_PROGRAM,$(t))))

$(FUZZ_POLICY_C): policy/default.policy tools/policy_compile.py
	@mkdir -p $(@D)
	@echo "  POLICY   $@"
	$(FUZZ_Q)python3 tools/policy_compile.py $< -o $@

fuzz-build: $(FUZZ_BINS)

FUZZ_SPECS = $(foreach t,$(FUZZ_TARGETS),$(t):$(FUZZ_MAXLEN_$(t)))

fuzz: $(FUZZ_BINS)
	@echo "fuzz: $(words $(FUZZ_TARGETS)) targets, $(FUZZ_SECONDS)s each, $(FUZZ_JOBS) at a time"
	@tests/fuzz/run.sh $(FUZZ_DIR) $(FUZZ_SECONDS) $(FUZZ_JOBS) $(FUZZ_SPECS)

fuzz-smoke: $(FUZZ_BINS)
	@echo "fuzz-smoke: $(words $(FUZZ_TARGETS)) targets, $(FUZZ_SMOKE_SECONDS)s each, $(FUZZ_JOBS) at a time"
	@FUZZ_SEED=1 tests/fuzz/run.sh $(FUZZ_DIR) $(FUZZ_SMOKE_SECONDS) $(FUZZ_JOBS) $(FUZZ_SPECS)

fuzz-clean:
	rm -rf $(FUZZ_DIR)

.DEFAULT_GOAL := $(FUZZ_SAVED_DEFAULT_GOAL)
