/*
 * Decoding a MOV to a control register from the guest's code bytes, for
 * exits that do not say which register held the value (SVM without
 * decode assists, as under QEMU's TCG: APM 2 15.33).  Only the forms a
 * 64-bit kernel uses: an optional REX prefix, then 0F 22 /r with a
 * register operand (Intel SDM 2B "MOV - Move to/from Control
 * Registers").  Anything else is not decoded: the core then treats the
 * exit as one it cannot handle.
 *
 * Pure logic: host-tested (tests/unit/test_mov_cr.c).
 */
#ifndef HV_MOV_CR_H
#define HV_MOV_CR_H

#include <stdbool.h>
#include <stdint.h>

/* REX + 0F 22 + ModRM */
#define MOV_CR_MAX_LEN 4

struct mov_cr {
	unsigned cr;  /* ModRM.reg, + 8 with REX.R */
	unsigned gpr; /* ModRM.rm, + 8 with REX.B: a guest_reg_by_number() index */
	uint8_t len;  /* instruction length */
};

/* `n` bytes of code at RIP (fewer than MOV_CR_MAX_LEN if the page after
 * RIP's is not mapped).  True if they start with a MOV to CRn. */
bool mov_cr_decode(const uint8_t *code, unsigned n, struct mov_cr *out);

#endif
