# Watchdog hypervisor: build, run the demo, test.
#   make          build the UEFI application (build/esp/), the Multiboot2 ISO (build/hv.iso)
#   make run      boot the demo under QEMU (SVM, UEFI); GUEST=my.elf boots your own guest
#   make test     unit tests + end-to-end tests under QEMU and Bochs
#   make linux-module   the Linux stub module, build/linux/hvstub.ko
# Build-time settings: GUEST_RAM_MB (guest RAM, MiB), POLICY (policy/<name>.policy),
# WATCHDOG_MS (NMI watchdog period, 1-10000), WATCHDOG_K (missed answers that make a hang),
# INSTANCE (the instance's name in its log, 1-23 letters, digits, '.', '_' or '-').

BUILD ?= build
GUEST_RAM_MB ?= 128
GUEST_IMAGE_MB ?= 16
# Checkpoint slots the guest may use, and the guest RAM each holds
# (docs/checkpoints.md, "Memory"): (CKPT_SLOTS + 1) x CKPT_SLOT_MB MiB of
# arenas (the extra one is the snapshot restart's); 4 MiB keeps the image
# loadable by OVMF in the e2e runs' 256 MiB machines.
CKPT_SLOTS ?= 2
CKPT_SLOT_MB ?= $(if $(filter 2 3,$(GUEST_RAM_MB)),$(GUEST_RAM_MB),4)
WATCHDOG_MS ?= 100
WATCHDOG_K ?= 2
# The name every log of this build's instances starts with (instance= overrides it).
INSTANCE ?= hv0
# Test aids (crash_test=, self_nmi=, platform_nmi=; docs: README) are
# compiled in for the e2e build, never into an appliance build.
TEST_AIDS ?= $(if $(filter appliance,$(POLICY)),0,1)
# The operator's X25519 public key the dumps' private ranges are sealed
# for (docs/dumps.md): a file as `hvdump -G` writes it.  A build with the
# test aids defaults to the test key pair in tests/keys/ (its private half
# is public: for the e2e tests only); an appliance build to none, which
# leaves private ranges out of every dump.
DUMP_PUBKEY ?= $(if $(filter 1,$(TEST_AIDS)),tests/keys/dump-test.pub,none)
DUMP_PUBKEY_C := $(BUILD)/gen/dump_pubkey.c
DUMP_PUBKEY_OBJ := $(BUILD)/obj/gen/dump_pubkey.c.o
V ?= 0
Q := $(if $(filter 1,$(V)),,@)

CC := gcc
LD := ld
OBJCOPY := objcopy

.PHONY: all run linux-demo test test-long bench unit-test e2e-test deps deps-install clean fuzz fuzz-smoke static-check \
	appliance-check
all: deps $(BUILD)/esp/EFI/BOOT/BOOTX64.EFI $(BUILD)/hv.iso

include mk/newlib.mk
include mk/bearssl.mk
include mk/policy.mk
include mk/control.mk
include mk/ckpt.mk
-include mk/tools.mk
-include mk/unit.mk
-include mk/fuzz.mk
-include mk/static.mk
include mk/sign.mk

GCC_INCLUDE := $(shell $(CC) -print-file-name=include)
EFI_INC := /usr/include/efi
EFI_LIB := /usr/lib

WARN := -Wall -Wextra -Werror
# The hypervisor never touches the guest's x87/SSE state: general
# registers only.  PIC because the same objects link into the EFI image.
HV_CFLAGS := -std=gnu11 -O2 -g $(WARN) -I. -ffreestanding -fno-stack-protector -fpic \
	-fshort-wchar -mno-red-zone -mgeneral-regs-only -fno-asynchronous-unwind-tables \
	-fomit-frame-pointer -nostdinc -isystem $(NEWLIB_INCLUDE) -isystem $(GCC_INCLUDE) \
	$(BEARSSL_INC) -DHV_GUEST_RAM_MB=$(GUEST_RAM_MB) -DHV_GUEST_IMAGE_MB=$(GUEST_IMAGE_MB) -DHV_CKPT_SLOTS=$(CKPT_SLOTS) -DHV_CKPT_SLOT_MB=$(CKPT_SLOT_MB) -DHV_WATCHDOG_MS=$(WATCHDOG_MS) -DHV_WATCHDOG_K=$(WATCHDOG_K) \
	-DHV_INSTANCE='"$(INSTANCE)"' \
	$(if $(filter 1,$(TEST_AIDS)),-DHV_TEST_AIDS) $(if $(filter 1,$(APPLIANCE)),-DHV_APPLIANCE)
HV_ASFLAGS := -g -fpic -I.

HV_CORE_SRC := $(wildcard hv/*.c) $(wildcard hv/dev/*.c) $(wildcard lib/*.c) $(wildcard arch/x86/*.c) $(wildcard arch/x86/vmx/*.c) \
	$(wildcard arch/x86/svm/*.c)
HV_CORE_ASM := $(wildcard arch/x86/*.S) $(wildcard arch/x86/vmx/*.S) $(wildcard arch/x86/svm/*.S)
HV_CORE_OBJ := $(patsubst %,$(BUILD)/obj/%.o,$(HV_CORE_SRC) $(HV_CORE_ASM)) $(POLICY_OBJ) $(CONTROL_KEY_OBJ) \
	$(DUMP_PUBKEY_OBJ) $(CKPT_PRINCIPALS_OBJ)
# make appliance (below): the embedded guest and the code that takes it.
APPLIANCE ?= 0
ifeq ($(APPLIANCE),1)
HV_CORE_OBJ += $(BUILD)/obj/boot/appliance/appliance.c.o $(BUILD)/obj/gen/appliance_blob.S.o
endif
MB2_OBJ := $(patsubst %,$(BUILD)/obj/%.o,$(wildcard boot/mb2/*.c) $(wildcard boot/mb2/*.S))
EFI_OBJ := $(BUILD)/obj/boot/efi/efi_main.c.o

# The public key as C (tools/dump_pubkey.py); rebuilt when the file or
# the DUMP_PUBKEY setting changes.
DUMP_PUBKEY_STAMP := $(BUILD)/gen/dump_pubkey.stamp
$(shell mkdir -p $(BUILD)/gen; [ "$$(cat $(DUMP_PUBKEY_STAMP) 2>/dev/null)" = '$(DUMP_PUBKEY)' ] || \
	echo '$(DUMP_PUBKEY)' > $(DUMP_PUBKEY_STAMP))
$(DUMP_PUBKEY_C): tools/dump_pubkey.py $(DUMP_PUBKEY_STAMP) $(filter-out none,$(DUMP_PUBKEY))
	$(Q)python3 tools/dump_pubkey.py $(DUMP_PUBKEY) -o $@
$(DUMP_PUBKEY_OBJ): $(DUMP_PUBKEY_C) $(NEWLIB_LIBC) $(HV_FLAGS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CC       $<"
	$(Q)$(CC) $(HV_CFLAGS) -c $< -o $@

deps:
	$(Q)scripts/deps.sh --build

deps-install:
	$(Q)scripts/deps.sh --install

# Objects depend on the flags they were built with: a change of
# GUEST_RAM_MB, WATCHDOG_*, TEST_AIDS or POLICY rebuilds them.
HV_FLAGS_STAMP := $(BUILD)/obj/flags.stamp
HV_FLAGS_NOW := $(HV_CFLAGS) $(HV_ASFLAGS)
$(shell mkdir -p $(BUILD)/obj; [ "$$(cat $(HV_FLAGS_STAMP) 2>/dev/null)" = '$(HV_FLAGS_NOW)' ] || \
	echo '$(HV_FLAGS_NOW)' > $(HV_FLAGS_STAMP))

$(BUILD)/obj/%.c.o: %.c $(NEWLIB_LIBC) $(HV_FLAGS_STAMP) | $(BEARSSL_HDR)
	@mkdir -p $(dir $@)
	@echo "  CC       $<"
	$(Q)$(CC) $(HV_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/obj/%.S.o: %.S $(HV_FLAGS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  AS       $<"
	$(Q)$(CC) $(HV_ASFLAGS) -c $< -o $@

$(EFI_OBJ): boot/efi/efi_main.c $(NEWLIB_LIBC) $(HV_FLAGS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CC       $<"
	$(Q)$(CC) $(HV_CFLAGS) -I$(EFI_INC) -I$(EFI_INC)/x86_64 -MMD -MP -c $< -o $@

# libefi's init.o (InitializeLib) defines memcpy/memset as well: it goes
# before newlib so that its definitions are the ones used.
# --- UEFI application (gnu-efi: shared object -> PE32+) ---------------------
$(BUILD)/hv.so: $(EFI_OBJ) $(HV_CORE_OBJ) $(BEARSSL_HV_LIB) $(NEWLIB_LIBC)
	@echo "  LD       $@"
	$(Q)$(LD) -nostdlib -znocombreloc -z noexecstack -shared -Bsymbolic \
		-T $(EFI_LIB)/elf_x86_64_efi.lds -Map $(BUILD)/hv-efi.map \
		$(EFI_LIB)/crt0-efi-x86_64.o $(EFI_OBJ) $(HV_CORE_OBJ) $(BEARSSL_HV_LIB) \
		$(EFI_LIB)/libefi.a $(EFI_LIB)/libgnuefi.a $(NEWLIB_LIBC) -o $@

$(BUILD)/esp/EFI/BOOT/BOOTX64.EFI: $(BUILD)/hv.so
	@mkdir -p $(dir $@)
	@echo "  EFI      $@"
	$(Q)$(OBJCOPY) -j .text -j .sdata -j .data -j .bss.arena -j .dynamic -j .dynsym -j .rel -j .rela \
		-j .rel.* -j .rela.* -j .reloc --target efi-app-x86_64 --subsystem=10 $< $@

# --- A build without the test aids (what POLICY=appliance gets) -------------
# make test checks that its run loop carries no test-aid code and that its
# settings table refuses the keys; the same objects with TEST_AIDS=1 must
# have the code, so the check can tell the two apart.
$(BUILD)/appliance/%.c.o: %.c $(NEWLIB_LIBC) $(HV_FLAGS_STAMP) | $(BEARSSL_HDR)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(filter-out -DHV_TEST_AIDS,$(HV_CFLAGS)) -c $< -o $@

appliance-check: $(BUILD)/appliance/hv/run.c.o $(BUILD)/appliance/hv/settings.c.o \
		$(BUILD)/obj/hv/run.c.o
	$(Q)grep -q 'crash_test: touching' $(BUILD)/obj/hv/run.c.o || \
		{ echo "appliance-check: the test build lacks the test aids"; exit 1; }
	$(Q)! grep -q 'crash_test: touching' $(BUILD)/appliance/hv/run.c.o || \
		{ echo "appliance-check: test-aid code in a TEST_AIDS=0 build"; exit 1; }
	$(Q)grep -q 'test aids are not in this build' $(BUILD)/appliance/hv/settings.c.o || \
		{ echo "appliance-check: a TEST_AIDS=0 build does not refuse the keys"; exit 1; }

# --- Appliance image (docs/hardware.md, "One image") ------------------------
#   make appliance [APPLIANCE_GUEST=elf-or-bzImage] [APPLIANCE_INITRD=file]
#                  [APPLIANCE_CMDLINE="key=value ... -- guest words"] [POLICY=...]
# A BOOTX64.EFI and a Multiboot2 kernel with the guest, initrd, command line
# and policy inside, built without the test aids into $(APPLIANCE_BUILD)
# (newlib and BearSSL shared with $(BUILD)).  It reads nothing from the
# boot medium: no \hv.cfg, no guest file, no GRUB module or command line.
APPLIANCE_GUEST ?= $(BUILD)/guest.elf
APPLIANCE_INITRD ?=
APPLIANCE_CMDLINE ?= -- hello timer
APPLIANCE_BUILD ?= $(BUILD)/appliance-image
APPLIANCE_BLOB_S := $(BUILD)/gen/appliance_blob.S
.PHONY: appliance
appliance: deps $(APPLIANCE_GUEST) $(APPLIANCE_INITRD) $(NEWLIB_LIBC) $(BEARSSL_HV_LIB)
	$(Q)$(MAKE) --no-print-directory BUILD=$(APPLIANCE_BUILD) NEWLIB_DIR=$(abspath $(NEWLIB_DIR)) \
		BEARSSL_DIR=$(abspath $(BEARSSL_DIR)) POLICY=$(if $(filter default,$(POLICY)),appliance,$(POLICY)) \
		TEST_AIDS=0 APPLIANCE=1 DUMP_PUBKEY=$(if $(filter tests/keys/dump-test.pub,$(DUMP_PUBKEY)),none,$(DUMP_PUBKEY)) \
		APPLIANCE_GUEST=$(abspath $(APPLIANCE_GUEST)) \
		APPLIANCE_INITRD=$(if $(APPLIANCE_INITRD),$(abspath $(APPLIANCE_INITRD))) \
		APPLIANCE_CMDLINE='$(APPLIANCE_CMDLINE)' \
		$(APPLIANCE_BUILD)/esp/EFI/BOOT/BOOTX64.EFI $(APPLIANCE_BUILD)/hv.elf
	@echo "appliance: $(APPLIANCE_BUILD)/esp/EFI/BOOT/BOOTX64.EFI and $(APPLIANCE_BUILD)/hv.elf"

# The appliance the e2e runs *-appliance boot (tests/e2e/run.py reads
# the command line back from the generated blob): the test guest, ended
# by its tick limit.
.PHONY: appliance-e2e
appliance-e2e:
	$(Q)$(MAKE) --no-print-directory appliance APPLIANCE_CMDLINE='onstop=exit maxticks=3000 -- hello timer'

# The blob is regenerated when the files or the command line change.
APPLIANCE_STAMP := $(BUILD)/gen/appliance.stamp
ifeq ($(APPLIANCE),1)
$(shell mkdir -p $(BUILD)/gen; [ "$$(cat $(APPLIANCE_STAMP) 2>/dev/null)" = '$(APPLIANCE_GUEST) $(APPLIANCE_INITRD) $(APPLIANCE_CMDLINE)' ] || \
	echo '$(APPLIANCE_GUEST) $(APPLIANCE_INITRD) $(APPLIANCE_CMDLINE)' > $(APPLIANCE_STAMP))
endif
$(APPLIANCE_BLOB_S): tools/appliance_blob.py $(APPLIANCE_STAMP) $(APPLIANCE_GUEST) $(APPLIANCE_INITRD)
	@mkdir -p $(dir $@)
	$(Q)python3 tools/appliance_blob.py --guest $(APPLIANCE_GUEST) \
		$(if $(APPLIANCE_INITRD),--initrd $(APPLIANCE_INITRD)) --cmdline '$(APPLIANCE_CMDLINE)' \
		--store-mb $(GUEST_IMAGE_MB) \
		--cmdline-max $(shell sed -n 's/^#define BOOT_CMDLINE_MAX //p' hv/bootinfo.h) -o $@
$(BUILD)/obj/gen/appliance_blob.S.o: $(APPLIANCE_BLOB_S) $(HV_FLAGS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  AS       $<"
	$(Q)$(CC) $(HV_ASFLAGS) -c $< -o $@

# --- Multiboot2 kernel and BIOS ISO ------------------------------------------
$(BUILD)/hv.elf: $(MB2_OBJ) $(HV_CORE_OBJ) $(BEARSSL_HV_LIB) $(NEWLIB_LIBC) linker.ld
	@echo "  LD       $@"
	$(Q)$(LD) -static -nostdlib -z noexecstack -z max-page-size=0x1000 --no-warn-rwx-segments -T linker.ld \
		-Map $(BUILD)/hv-mb2.map $(MB2_OBJ) $(HV_CORE_OBJ) $(BEARSSL_HV_LIB) $(NEWLIB_LIBC) -o $@

$(BUILD)/hv.iso: $(BUILD)/hv.elf $(BUILD)/guest.elf tests/e2e/grub.cfg
	@echo "  ISO      $@"
	@rm -rf $(BUILD)/iso && mkdir -p $(BUILD)/iso/boot/grub
	$(Q)cp $(BUILD)/hv.elf $(BUILD)/guest.elf $(BUILD)/iso/boot/
	$(Q)cp tests/e2e/grub.cfg $(BUILD)/iso/boot/grub/grub.cfg
	$(Q)grub-mkrescue -d /usr/lib/grub/i386-pc -o $@ $(BUILD)/iso >$(BUILD)/grub-mkrescue.log 2>&1 \
		|| { cat $(BUILD)/grub-mkrescue.log; exit 1; }

# --- Test guest (freestanding ELF64 at 1 MiB, links the stub) ----------------
GUEST_CFLAGS := -std=gnu11 -O2 -g $(WARN) -I. -ffreestanding -fno-stack-protector -fno-pic \
	-mno-red-zone -mgeneral-regs-only -fno-asynchronous-unwind-tables -nostdinc \
	-isystem $(GCC_INCLUDE) -DHVSTUB_TEST_AIDS -I$(BUILD)/gen
GUEST_SRC := $(wildcard tests/guest/*.c) $(wildcard tests/guest/*.S) $(wildcard guest-stub/*.c) $(wildcard guest-stub/*.S)
GUEST_OBJ := $(patsubst %,$(BUILD)/guest-obj/%.o,$(GUEST_SRC))

$(BUILD)/guest-obj/%.o: %
	@mkdir -p $(dir $@)
	@echo "  CC       $< (guest)"
	$(Q)$(CC) $(GUEST_CFLAGS) -MMD -MP -c $< -o $@

# The test guest's checkpoint requests, signed on the host (never a key in the guest).
CKPT_TEST_REQS := $(BUILD)/gen/ckpt_test_reqs.h
$(CKPT_TEST_REQS): tests/guest/ckpt_reqs.py tools/ckptsign.py $(CKPT_TEST_PRINCIPALS)
	@mkdir -p $(@D)
	$(Q)python3 tests/guest/ckpt_reqs.py $(CKPT_TEST_PRINCIPALS) $@
$(BUILD)/guest-obj/tests/guest/ckpt.c.o: $(CKPT_TEST_REQS)

$(BUILD)/guest.elf: $(GUEST_OBJ) tests/guest/guest.ld
	@echo "  LD       $@"
	$(Q)$(LD) -static -nostdlib -z noexecstack -z max-page-size=0x1000 --no-warn-rwx-segments \
		-T tests/guest/guest.ld $(GUEST_OBJ) -o $@

# --- Demo and tests ------------------------------------------------------------
run: deps-install all $(BUILD)/guest.elf
	$(Q)INITRD="$(INITRD)" GUEST_CMDLINE="$(GUEST_CMDLINE)" HV_ARGS="$(HV_ARGS)" \
		python3 scripts/run-demo.py $(BUILD) $(GUEST)

# Debian's kernel 6.1 and busybox (downloaded, not installed) under the
# hypervisor, to a shell on the terminal; `halt -f` powers it off.
LINUX_CMDLINE ?= console=ttyS1 acpi=off nolapic panic=0 initcall_blacklist=i8042_init
linux-demo: deps-install all
	$(Q)scripts/linux-assets.sh $(BUILD)
	$(Q)INITRD="$(BUILD)/linux/initrd.cpio" GUEST_CMDLINE="$(LINUX_CMDLINE)" HV_ARGS="$(HV_ARGS)" \
		python3 scripts/run-demo.py $(BUILD) $(BUILD)/linux/vmlinuz

# The Linux stub module (guest-stub/linux/) against the headers of the
# kernel linux-demo boots: build/linux/hvstub.ko (and the hvcrash.ko test
# module), packed into the demo initramfs, which loads it.
.PHONY: linux-module
linux-module: deps-install
	$(Q)scripts/linux-assets.sh $(BUILD)

e2e-test: all $(BUILD)/guest.elf tools appliance-e2e sign-test
	$(Q)python3 tests/e2e/run.py --build $(BUILD)

test: deps-install
	$(Q)$(MAKE) --no-print-directory all $(BUILD)/guest.elf tools
	$(Q)scripts/test-all.sh $(BUILD)

# make test plus the end-to-end runs too slow for it (LONG_RUNS in tests/e2e/run.py)
test-long:
	$(Q)HV_E2E_LONG=1 $(MAKE) --no-print-directory test

clean:
	rm -rf $(BUILD)/obj $(BUILD)/guest-obj $(BUILD)/esp $(BUILD)/iso $(BUILD)/*.elf \
		$(BUILD)/*.so $(BUILD)/*.iso $(BUILD)/*.map $(BUILD)/unit $(BUILD)/e2e $(BUILD)/gen \
		$(BUILD)/tools $(BUILD)/policy $(BUILD)/run $(BUILD)/static $(BUILD)/ram1g

-include $(shell find $(BUILD)/obj $(BUILD)/guest-obj -name '*.d' 2>/dev/null)

# The demo nested under QEMU/KVM (docs/hardware.md): checks /dev/kvm and
# the nested parameter first, and says what is missing (exit 3) before
# building anything.
.PHONY: nested-kvm
nested-kvm:
	$(Q)scripts/nested-kvm.sh --check
	$(Q)$(MAKE) --no-print-directory deps-install all $(BUILD)/guest.elf tools
	$(Q)scripts/nested-kvm.sh $(BUILD)

bench: deps-install
	$(Q)$(MAKE) --no-print-directory all $(BUILD)/guest.elf tools
	$(Q)scripts/linux-assets.sh $(BUILD) || echo "linux-assets: failed; the Linux rows will say None"
	$(Q)python3 tests/bench/bench.py --build $(BUILD)
