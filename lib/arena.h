/*
 * Static arenas too big to carry in the UEFI image as zeros: guest RAM,
 * the pristine image copy, the EPT/NPT table pools, the host identity
 * map, and the smaller zero-filled buffers whose sum still counts against
 * the image's 512 KiB (the log ring, the IST stacks, the I/O and MSR
 * bitmaps, the firmware memory map buffer, the CRC tables).  gnu-efi's linker script folds .bss into .data, so every zero
 * byte of it would be in BOOTX64.EFI; these go to their own NOBITS
 * section (.bss.arena), which objcopy turns into a PE section with no
 * raw data, and the firmware's loader zero-fills it (PE/COFF: a section
 * whose SizeOfRawData is less than its VirtualSize is zero-filled).
 * In the Multiboot2 kernel .bss.arena is part of .bss (linker.ld).
 */
#ifndef LIB_ARENA_H
#define LIB_ARENA_H

#define HV_ARENA __attribute__((section(".bss.arena"), aligned(4096)))

#endif
