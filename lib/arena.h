/*
 * Static arenas too big to carry in the UEFI image as zeros: guest RAM,
 * the pristine image copy, the EPT/NPT table pools, the host identity
 * map.  gnu-efi's linker script folds .bss into .data, so every zero
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
