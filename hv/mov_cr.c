/* MOV to CRn decoding (hv/mov_cr.h). */
#include "hv/mov_cr.h"

#define REX_R 0x04u
#define REX_B 0x01u

bool mov_cr_decode(const uint8_t *code, unsigned n, struct mov_cr *out)
{
	unsigned i = 0, rex = 0;

	if (n > 0 && (code[0] & 0xF0) == 0x40)
		rex = code[i++];
	if (n < i + 3 || code[i] != 0x0F || code[i + 1] != 0x22)
		return false;
	uint8_t modrm = code[i + 2];
	/* The operand is always a register: the CPU ignores ModRM.mod for
	 * MOV to CR (SDM 2B), so any mod decodes as mod 11b. */
	out->cr = ((modrm >> 3) & 7) | ((rex & REX_R) ? 8 : 0);
	out->gpr = (modrm & 7) | ((rex & REX_B) ? 8 : 0);
	out->len = (uint8_t)(i + 3);
	return true;
}
