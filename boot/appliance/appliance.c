/* The embedded guest of an appliance image: see boot/appliance/appliance.h. */
#include "boot/appliance/appliance.h"

#include <string.h>

#include "lib/log.h"

/* build/<appliance>/gen/appliance_blob.S (tools/appliance_blob.py):
 * .incbin of the files make appliance was given. */
extern const uint8_t appliance_guest[], appliance_guest_end[];
extern const uint8_t appliance_initrd[], appliance_initrd_end[];
extern const char appliance_cmdline[], appliance_cmdline_end[];

void appliance_load(struct boot_info *b)
{
	uint64_t cmd_len = (uint64_t)(appliance_cmdline_end - appliance_cmdline);
	uint64_t initrd_size = (uint64_t)(appliance_initrd_end - appliance_initrd);

	_Static_assert(BOOT_CMDLINE_MAX >= 2, "room for a command line");
	if (cmd_len > BOOT_CMDLINE_MAX - 1)
		cmd_len = BOOT_CMDLINE_MAX - 1; /* the generator refuses longer ones */
	memcpy(b->cmdline, appliance_cmdline, cmd_len);
	b->cmdline[cmd_len] = '\0';
	b->guest_image = appliance_guest;
	b->guest_size = (uint64_t)(appliance_guest_end - appliance_guest);
	b->initrd = initrd_size ? appliance_initrd : NULL;
	b->initrd_size = initrd_size;
	hv_log("appliance image: embedded guest %llu bytes, initrd %llu bytes, command line from the "
	       "build; nothing read from the boot medium",
	       (unsigned long long)b->guest_size, (unsigned long long)initrd_size);
}
