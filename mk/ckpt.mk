# mk/ckpt.mk -- the checkpoint principals (docs/checkpoints.md, "The
# principals file").
#
# CKPT_PRINCIPALS names the principals file: who may ask for checkpoints,
# with which key and which ops.  scripts/ckpt-principals.py compiles it
# into the table the hypervisor links (hv_ckpt_principals, hv/ckpt_auth.h);
# a malformed file fails the build, naming the line.  Test builds default
# to the test file under tests/keys/ (public keys: for tests only); an
# appliance build (POLICY=appliance) has none unless one is given, and
# then denies every request (unknown_principal).
#   CKPT_PRINCIPALS_OBJ   the generated table's object: link it
#   ckpt-test             phony: the compiler's and the signer's checks
#                         (tests/ckpt/run.sh)

CKPT_TEST_PRINCIPALS  := tests/keys/ckpt-test.principals
CKPT_PRINCIPALS       ?= $(if $(filter appliance,$(POLICY)),,$(CKPT_TEST_PRINCIPALS))
CKPT_PRINCIPALS_C     := $(BUILD)/gen/ckpt_principals.c
CKPT_PRINCIPALS_OBJ   := $(BUILD)/obj/gen/ckpt_principals.c.o
CKPT_PRINCIPALS_STAMP := $(BUILD)/gen/ckpt_principals_name

# Rebuilt when the setting changes (the stamp), the file or a key file it
# names changes (the .d the generator writes), or the generator does.
.PHONY: ckpt-principals-force
$(CKPT_PRINCIPALS_STAMP): ckpt-principals-force
	@mkdir -p $(@D)
	@echo "$(CKPT_PRINCIPALS)" | cmp -s - $@ || echo "$(CKPT_PRINCIPALS)" >$@

$(CKPT_PRINCIPALS_C): $(CKPT_PRINCIPALS_STAMP) $(CKPT_PRINCIPALS) scripts/ckpt-principals.py hv/ckpt_auth.h
	@echo "  CKPT     $(or $(CKPT_PRINCIPALS),no principals)"
	$(Q)python3 scripts/ckpt-principals.py $(or $(CKPT_PRINCIPALS),--none) -o $@ --dep $@.d \
		$(if $(filter $(CKPT_TEST_PRINCIPALS),$(CKPT_PRINCIPALS)),--test)
-include $(CKPT_PRINCIPALS_C).d

$(CKPT_PRINCIPALS_OBJ): $(CKPT_PRINCIPALS_C) hv/ckpt_auth.h include/hv_abi.h $(NEWLIB_LIBC)
	@mkdir -p $(@D)
	@echo "  CC       $<"
	$(Q)$(CC) $(HV_CFLAGS) -I. -c $< -o $@

.PHONY: ckpt-test
ckpt-test:
	$(Q)tests/ckpt/run.sh
