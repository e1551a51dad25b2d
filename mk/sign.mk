# Secure Boot signing (docs/hardware.md, "Signed for Secure Boot").
#   make sign KEY=db.key CERT=db.crt [SIGN_IMAGE=...]
# signs BOOTX64.EFI (or SIGN_IMAGE, e.g. the appliance image) with Debian's
# sbsigntool into $(BUILD)/signed/BOOTX64.EFI (or SIGNED_IMAGE) and checks the signature with
# sbverify against the same certificate.  KEY is a PEM private key, CERT
# the PEM X.509 certificate enrolled in the machine's db.
SIGN_IMAGE ?= $(BUILD)/esp/EFI/BOOT/BOOTX64.EFI
SIGNED_IMAGE ?= $(BUILD)/signed/BOOTX64.EFI

.PHONY: sign sign-test
sign: $(SIGN_IMAGE)
	@test -n "$(KEY)" -a -n "$(CERT)" || \
		{ echo "make sign: name the signing key and certificate: make sign KEY=<key.pem> CERT=<cert.pem>"; exit 2; }
	@test -r "$(KEY)" -a -r "$(CERT)" || { echo "make sign: cannot read $(KEY) or $(CERT)"; exit 2; }
	@command -v sbsign >/dev/null || { echo "make sign: sbsign missing: run make deps-install (sbsigntool)"; exit 2; }
	@mkdir -p $(dir $(SIGNED_IMAGE))
	@echo "  SIGN     $(SIGNED_IMAGE)"
	$(Q)sbsign --key "$(KEY)" --cert "$(CERT)" --output $(SIGNED_IMAGE) $(SIGN_IMAGE)
	$(Q)sbverify --cert "$(CERT)" $(SIGNED_IMAGE)

# make test: a throwaway key and certificate made with openssl at test
# time (never a real one), signed and verified; an unrelated certificate
# and the unsigned image must not verify; and Debian's snakeoil key, for
# the Secure Boot e2e runs (scripts/sign-test.sh).
sign-test: $(SIGN_IMAGE)
	$(Q)scripts/sign-test.sh $(BUILD)
