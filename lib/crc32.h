/*
 * CRC-32 as in IEEE 802.3 and zlib's crc32(): reflected, polynomial
 * 0xEDB88320, initial value and final xor 0xFFFFFFFF.
 * crc32_ieee("123456789", 9) == 0xCBF43926.
 *
 * Plain C with no library calls: linked into the hypervisor and into the
 * host tools (tools/hvlog-decode).
 */
#ifndef HV_CRC32_H
#define HV_CRC32_H

#include <stddef.h>
#include <stdint.h>

/* The CRC of buf[0..len). */
uint32_t crc32_ieee(const void *buf, size_t len);

/*
 * Incremental form: start with crc = 0, feed the pieces in order; the
 * result after the last piece equals crc32_ieee() of their concatenation.
 */
uint32_t crc32_ieee_update(uint32_t crc, const void *buf, size_t len);

/*
 * The same CRC over n 64-bit words, each with the bits of `ignore` cleared
 * first (little-endian bytes, as they lie in memory on x86): equal to
 * crc32_ieee_update() of the masked copy.  For tables whose entries the
 * CPU itself writes (accessed/dirty bits of page-table entries), eight
 * bytes at a time: several times faster than the byte-wise form, which
 * matters for the 256 KiB of the host's identity map.
 */
uint32_t crc32_ieee_update_words(uint32_t crc, const uint64_t *words, size_t n, uint64_t ignore);

#endif
