# mk/control.mk -- the control channel's key (docs/operations.md).
#
# CONTROL_KEY names a file with the 32-byte HMAC-SHA256 key as 64 hex
# digits; scripts/control-key.sh compiles it into the hypervisor.  Test
# builds default to the test key under tests/keys/ (public: for tests
# only, and the boot log says so); an appliance build (POLICY=appliance)
# has no key unless one is given, and its control channel is off.
#   CONTROL_KEY_OBJ   the generated key's object: link it

CONTROL_TEST_KEY  := tests/keys/control-test.key
CONTROL_KEY       ?= $(if $(filter appliance,$(POLICY)),,$(CONTROL_TEST_KEY))
CONTROL_KEY_C     := $(BUILD)/gen/control_key.c
CONTROL_KEY_OBJ   := $(BUILD)/obj/gen/control_key.c.o
CONTROL_KEY_STAMP := $(BUILD)/gen/control_key_name

.PHONY: control-key-force
$(CONTROL_KEY_STAMP): control-key-force
	@mkdir -p $(@D)
	@echo "$(CONTROL_KEY)" | cmp -s - $@ || echo "$(CONTROL_KEY)" >$@

$(CONTROL_KEY_C): $(CONTROL_KEY_STAMP) $(CONTROL_KEY) scripts/control-key.sh
	$(Q)scripts/control-key.sh "$(CONTROL_KEY)" \
		$(if $(filter $(CONTROL_TEST_KEY),$(CONTROL_KEY)),1,0) $@

$(CONTROL_KEY_OBJ): $(CONTROL_KEY_C) hv/control_mac.h hv/control.h $(NEWLIB_LIBC)
	@mkdir -p $(@D)
	@echo "  CC       $<"
	$(Q)$(CC) $(HV_CFLAGS) -I. -c $< -o $@
