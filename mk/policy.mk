# mk/policy.mk -- the compiled-in fault policy (docs/policy.md).
#
# tools/policy_compile.py turns policy/$(POLICY).policy into a C table
# (`const struct policy_config policy`, hv/policy.h) that links into the
# hypervisor.  Choose the policy at build time: make POLICY=appliance
#
# Interface (used by the top-level Makefile; include it after mk/newlib.mk
# and before the link rules, which need $(POLICY_OBJ) as a prerequisite):
#   BUILD         build root (the includer defines it; default: build)
#   HV_CFLAGS     flags for hypervisor objects (the includer defines it;
#                 used in recipes only, so it may be defined later)
#   POLICY        policy name (default: default)
#   POLICY_FILE   policy/$(POLICY).policy
#   POLICY_C      the generated table, $(BUILD)/gen/policy_table.c
#   POLICY_OBJ    its object, $(BUILD)/obj/gen/policy_table.c.o: link it
#                 with the hypervisor core objects
#   policy-gen    phony: only generate $(POLICY_C)
#   policy-test   phony: the compiler's checks (tests/policy/run.sh)
#
# Switching POLICY regenerates the table even when the other .policy file
# is older than the previous output: $(POLICY_NAME_STAMP) records the
# choice and changes only when it does.

BUILD ?= build
POLICY ?= default

POLICY_COMPILER   := tools/policy_compile.py
POLICY_FILE       := policy/$(POLICY).policy
POLICY_C          := $(BUILD)/gen/policy_table.c
POLICY_OBJ        := $(BUILD)/obj/gen/policy_table.c.o
POLICY_NAME_STAMP := $(BUILD)/gen/policy_name

.PHONY: policy-gen policy-test policy-force

policy-gen: $(POLICY_C)

policy-test:
	$(Q)tests/policy/run.sh

# An existing policy file needs no recipe; a missing one gets this message.
$(POLICY_FILE):
	@echo "policy: no such policy file: $(POLICY_FILE) (POLICY=$(POLICY))" >&2
	@echo "policy: available: $(patsubst policy/%.policy,%,$(wildcard policy/*.policy))" \
		"-- choose with make POLICY=<name>" >&2
	@exit 1

$(POLICY_NAME_STAMP): policy-force
	@mkdir -p $(@D)
	@echo "$(POLICY_FILE)" | cmp -s - $@ || echo "$(POLICY_FILE)" >$@

$(POLICY_C): $(POLICY_FILE) $(POLICY_COMPILER) $(POLICY_NAME_STAMP)
	@mkdir -p $(@D)
	@echo "  POLICY   $(POLICY_FILE)"
	$(Q)python3 $(POLICY_COMPILER) $(POLICY_FILE) -o $@

$(POLICY_OBJ): $(POLICY_C) hv/policy.h include/hv_abi.h $(NEWLIB_LIBC)
	@mkdir -p $(@D)
	@echo "  CC       $<"
	$(Q)$(CC) $(HV_CFLAGS) -I. -MMD -MP -c $< -o $@
