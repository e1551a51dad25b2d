/* CRC-32 (IEEE 802.3 / zlib), four bits at a time: a 64-byte table; and
 * eight bytes at a time ("slicing-by-8") for arrays of 64-bit words. */
#include <stdbool.h>

#include "lib/crc32.h"
#include "lib/arena.h"

static const uint32_t crc32_nibble[16] = {
	0x00000000, 0x1db71064, 0x3b6e20c8, 0x26d930ac, 0x76dc4190, 0x6b6b51f4,
	0x4db26158, 0x5005713c, 0xedb88320, 0xf00f9344, 0xd6d6a3e8, 0xcb61b38c,
	0x9b64c2b0, 0x86d3d2d4, 0xa00ae278, 0xbdbdf21c,
};

uint32_t crc32_ieee_update(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	crc = ~crc;
	for (size_t i = 0; i < len; i++) {
		crc ^= p[i];
		crc = (crc >> 4) ^ crc32_nibble[crc & 0xf];
		crc = (crc >> 4) ^ crc32_nibble[crc & 0xf];
	}
	return ~crc;
}

uint32_t crc32_ieee(const void *buf, size_t len)
{
	return crc32_ieee_update(0, buf, len);
}

/* slice[k][b]: the CRC state after byte b followed by k zero bytes.  Made
 * on first use from the nibble table (no 8 KiB of constants in the
 * source); making it twice gives the same values, so a fault taken
 * while it is being made can do no harm. */
static uint32_t slice[8][256] HV_ARENA;
static bool slice_ready;

static void slice_init(void)
{
	for (unsigned b = 0; b < 256; b++) {
		uint32_t c = b;
		c = (c >> 4) ^ crc32_nibble[c & 0xf];
		slice[0][b] = (c >> 4) ^ crc32_nibble[c & 0xf];
	}
	for (unsigned k = 1; k < 8; k++)
		for (unsigned b = 0; b < 256; b++)
			slice[k][b] = (slice[k - 1][b] >> 8) ^ slice[0][slice[k - 1][b] & 0xff];
	slice_ready = true;
}

uint32_t crc32_ieee_update_words(uint32_t crc, const uint64_t *words, size_t n, uint64_t ignore)
{
	if (!slice_ready)
		slice_init();
	crc = ~crc;
	for (size_t i = 0; i < n; i++) {
		uint64_t w = (words[i] & ~ignore) ^ crc;
		crc = slice[7][w & 0xff] ^ slice[6][(w >> 8) & 0xff] ^ slice[5][(w >> 16) & 0xff] ^
		      slice[4][(w >> 24) & 0xff] ^ slice[3][(w >> 32) & 0xff] ^
		      slice[2][(w >> 40) & 0xff] ^ slice[1][(w >> 48) & 0xff] ^ slice[0][w >> 56];
	}
	return ~crc;
}
