# mk/bearssl.mk -- BearSSL, from Debian's source package, for the crash
# dumps' private ranges (docs/dumps.md, "Private ranges").
#
# scripts/bearssl-fetch.sh fetches the source package (apt-get source,
# through a private apt configuration under $(BUILD)/bearssl/apt) and
# unpacks it into $(BUILD)/bearssl/src.  Only the files the dump's
# encryption needs are built, twice:
#   BEARSSL_HV_LIB    with the hypervisor's own flags (-ffreestanding,
#                     -mgeneral-regs-only: no SSE, no AES-NI), against
#                     newlib's headers; linked into both images
#   BEARSSL_HOST_LIB  for host tools, unit tests and fuzz targets
# BearSSL's optional x86 paths (SSE2 ChaCha20, AES-NI, RDRAND, the
# system RNG) are switched off by its own config macros; the files that
# use them are not built at all.
#   BEARSSL_INC       -isystem flags for <bearssl.h>

BUILD ?= build
BEARSSL_SAVED_DEFAULT_GOAL := $(.DEFAULT_GOAL)

BEARSSL_DIR  := $(BUILD)/bearssl
BEARSSL_SRC  := $(BEARSSL_DIR)/src
BEARSSL_HDR  := $(BEARSSL_SRC)/inc/bearssl.h
BEARSSL_INC  := -isystem $(BEARSSL_SRC)/inc
# X25519 (constant-time, 31-bit limbs), ChaCha20 and Poly1305 (the
# portable constant-time ones), HKDF over HMAC-SHA-256, and what they use.
BEARSSL_FILES := ec/ec_c25519_m31.c symcipher/chacha20_ct.c symcipher/poly1305_ctmul.c \
	kdf/hkdf.c mac/hmac.c hash/sha2small.c codec/ccopy.c codec/dec32be.c codec/enc32be.c \
	codec/dec32le.c codec/enc32le.c codec/dec64be.c codec/enc64be.c codec/dec64le.c codec/enc64le.c
BEARSSL_DEFS := -DBR_SSE2=0 -DBR_AES_X86NI=0 -DBR_POWER8=0 -DBR_RDRAND=0 -DBR_USE_URANDOM=0 \
	-DBR_USE_UNIX_TIME=0 -DBR_USE_WIN32_RAND=0 -DBR_USE_WIN32_TIME=0
BEARSSL_HV_FLAGS := -std=gnu99 -O2 -g -ffreestanding -fno-stack-protector -fpic -mno-red-zone \
	-mgeneral-regs-only -fno-asynchronous-unwind-tables -fomit-frame-pointer -nostdinc \
	-isystem $(NEWLIB_INCLUDE) -isystem $(shell gcc -print-file-name=include) $(BEARSSL_DEFS)
BEARSSL_HOST_FLAGS := -std=gnu99 -O2 -g -fPIC $(BEARSSL_DEFS)

BEARSSL_HV_OBJ   := $(patsubst %.c,$(BEARSSL_DIR)/hv/%.o,$(BEARSSL_FILES))
BEARSSL_HOST_OBJ := $(patsubst %.c,$(BEARSSL_DIR)/host/%.o,$(BEARSSL_FILES))
BEARSSL_HV_LIB   := $(BEARSSL_DIR)/hv/libbearssl.a
BEARSSL_HOST_LIB := $(BEARSSL_DIR)/host/libbearssl.a

$(BEARSSL_HDR):
	@echo "  FETCH    bearssl (Debian source package)"
	$(Q)scripts/bearssl-fetch.sh $(BEARSSL_SRC)

$(BEARSSL_SRC)/src/%.c: $(BEARSSL_HDR)
	@test -f $@

$(BEARSSL_DIR)/hv/%.o: $(BEARSSL_SRC)/src/%.c $(NEWLIB_LIBC) mk/bearssl.mk | $(BEARSSL_HDR)
	@mkdir -p $(dir $@)
	$(Q)gcc $(BEARSSL_HV_FLAGS) -I$(BEARSSL_SRC)/inc -I$(BEARSSL_SRC)/src -c $< -o $@

$(BEARSSL_DIR)/host/%.o: $(BEARSSL_SRC)/src/%.c mk/bearssl.mk | $(BEARSSL_HDR)
	@mkdir -p $(dir $@)
	$(Q)gcc $(BEARSSL_HOST_FLAGS) -I$(BEARSSL_SRC)/inc -I$(BEARSSL_SRC)/src -c $< -o $@

$(BEARSSL_HV_LIB): $(BEARSSL_HV_OBJ)
	@echo "  AR       $@"
	$(Q)rm -f $@ && ar rcs $@ $^

$(BEARSSL_HOST_LIB): $(BEARSSL_HOST_OBJ)
	@echo "  AR       $@"
	$(Q)rm -f $@ && ar rcs $@ $^

.DEFAULT_GOAL := $(BEARSSL_SAVED_DEFAULT_GOAL)
