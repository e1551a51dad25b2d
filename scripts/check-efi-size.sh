#!/bin/sh
# BOOTX64.EFI stays small at any GUEST_RAM_MB: the arenas that grow with
# guest RAM (lib/arena.h) are in .bss.arena, a PE section with no bytes
# in the file, and the file is under 512 KiB.
#   scripts/check-efi-size.sh [BUILD]
set -eu
BUILD=${1:-build}
efi=$BUILD/esp/EFI/BOOT/BOOTX64.EFI
size=$(stat -c %s "$efi")
if [ "$size" -ge 524288 ]; then
	echo "check-efi-size: $efi is $size bytes, the limit is 524288"
	exit 1
fi
if objdump -h "$efi" | grep -A1 ' \.bss\.arena ' | grep -q CONTENTS; then
	echo "check-efi-size: .bss.arena carries bytes in $efi"
	exit 1
fi
for sym in guest_ram_arena guest_image_store ept_pages npt_pages host_pd; do
	if ! objdump -t "$BUILD/hv.so" | grep -Eq "[[:space:]]\.bss\.arena[[:space:]].*[[:space:]]$sym\$"; then
		echo "check-efi-size: $sym is not in .bss.arena"
		exit 1
	fi
done
echo "check-efi-size: $efi is $size bytes; the arenas carry no bytes in it"
