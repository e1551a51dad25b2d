/*
 * The appliance image (make appliance; docs/hardware.md): the guest
 * image, its initrd and the whole command line are part of the
 * hypervisor's own file.  Both boot paths take them from here and read
 * nothing else: no \hv.cfg, no file of the ESP, no GRUB module or
 * command line.
 */
#ifndef BOOT_APPLIANCE_H
#define BOOT_APPLIANCE_H

#include "hv/bootinfo.h"

/* Points the boot information at the embedded guest and initrd and
 * copies the embedded command line over whatever the loader gave. */
void appliance_load(struct boot_info *b);

#endif
