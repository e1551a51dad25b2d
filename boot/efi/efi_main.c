/*
 * UEFI boot path (gnu-efi).  Reads an optional configuration file
 * (\hv.cfg: the hypervisor command line) and the guest image from the
 * ESP into static storage, checks everything that can fail while the
 * firmware can still be told, then calls ExitBootServices and launches.
 *
 * Debian's crt0 calls efi_main with the SysV convention, so it is not
 * declared EFIAPI; firmware calls go through uefi_call_wrapper.
 */
#include <efi.h>
#include <efilib.h>
#include <string.h>

#include "arch/x86/platform.h"
#include "arch/x86/x86.h"
#include "hv/cmdline.h"
#include "hv/hv.h"
#include "lib/flight.h"
#include "lib/log.h"
#include "lib/arena.h"
#ifdef HV_APPLIANCE
#include "boot/appliance/appliance.h"
#endif

#define CONFIG_PATH "\\hv.cfg"
#define DEFAULT_GUEST_PATH "\\guest.elf"
#define PATH_MAX_CHARS 128
#define MMAP_BUFFER_SIZE (64 * 1024)

static struct boot_info boot;
/* Why there is no guest to run: what the firmware is told. */
static EFI_STATUS load_status = EFI_NOT_FOUND;
static uint8_t mmap_buffer[MMAP_BUFFER_SIZE] HV_ARENA;

#ifndef HV_APPLIANCE
static void ascii_to_wide(CHAR16 *dst, const char *src, unsigned cap)
{
	unsigned i = 0;

	for (; src[i] && i + 1 < cap; i++)
		dst[i] = (CHAR16)src[i];
	dst[i] = 0;
}

/* Reads a whole file into buf; returns the status and the size read. */
static EFI_STATUS read_file(EFI_FILE_HANDLE root, const char *path, uint8_t *buf, UINT64 cap,
			    UINT64 *size)
{
	CHAR16 wpath[PATH_MAX_CHARS];
	EFI_FILE_HANDLE f;
	EFI_STATUS s;

	ascii_to_wide(wpath, path, PATH_MAX_CHARS);
	s = uefi_call_wrapper(root->Open, 5, root, &f, wpath, EFI_FILE_MODE_READ, 0);
	if (EFI_ERROR(s))
		return s;
	EFI_FILE_INFO *info = LibFileInfo(f);
	if (info == NULL) {
		uefi_call_wrapper(f->Close, 1, f);
		return EFI_DEVICE_ERROR;
	}
	UINT64 want = info->FileSize;
	FreePool(info);
	if (want > cap) {
		uefi_call_wrapper(f->Close, 1, f);
		*size = want;
		return EFI_BUFFER_TOO_SMALL;
	}
	UINTN n = want;
	s = uefi_call_wrapper(f->Read, 3, f, &n, buf);
	uefi_call_wrapper(f->Close, 1, f);
	*size = n;
	return s;
}

static void read_config(EFI_FILE_HANDLE root)
{
	UINT64 n = 0;

	if (EFI_ERROR(read_file(root, CONFIG_PATH, (uint8_t *)boot.cmdline, BOOT_CMDLINE_MAX - 1, &n)))
		n = 0;
	boot.cmdline[n] = '\0';
	for (UINT64 i = 0; i < n; i++) /* one line: newlines become spaces */
		if (boot.cmdline[i] == '\n' || boot.cmdline[i] == '\r')
			boot.cmdline[i] = ' ';
	while (n > 0 && boot.cmdline[n - 1] == ' ')
		boot.cmdline[--n] = '\0';
}

static void read_guest(EFI_FILE_HANDLE root)
{
	char path[PATH_MAX_CHARS];
	UINT64 cap, size = 0;
	uint8_t *buf = guest_image_buffer(&cap);

	if (!cmdline_get(boot.cmdline, "guest", path, sizeof(path)))
		memcpy(path, DEFAULT_GUEST_PATH, sizeof(DEFAULT_GUEST_PATH));
	EFI_STATUS s = read_file(root, path, buf, cap, &size);
	load_status = EFI_ERROR(s) ? s : EFI_SUCCESS;
	if (s == EFI_BUFFER_TOO_SMALL)
		hv_log("ERROR guest file %s is %llu bytes, the limit is %llu", path,
		       (unsigned long long)size, (unsigned long long)cap);
	else if (EFI_ERROR(s))
		hv_log("ERROR guest file %s not found on the ESP (status 0x%llx)", path,
		       (unsigned long long)s);
	else {
		boot.guest_image = buf;
		boot.guest_size = size;
	}
}

/* initrd=<path> in \hv.cfg: a Linux guest's initrd, kept after the image. */
static void read_initrd(EFI_FILE_HANDLE root)
{
	char path[PATH_MAX_CHARS];
	UINT64 cap, size = 0;

	if (boot.guest_image == NULL || !cmdline_get(boot.cmdline, "initrd", path, sizeof(path)))
		return;
	uint8_t *buf = guest_initrd_buffer(boot.guest_size, &cap);
	EFI_STATUS s = read_file(root, path, buf, cap, &size);
	if (!EFI_ERROR(s)) {
		boot.initrd = buf;
		boot.initrd_size = size;
		return;
	}
	if (s == EFI_BUFFER_TOO_SMALL)
		hv_log("ERROR initrd file %s is %llu bytes, the limit is %llu (after the guest image)",
		       path, (unsigned long long)size, (unsigned long long)cap);
	else
		hv_log("ERROR initrd file %s not found on the ESP (status 0x%llx)", path,
		       (unsigned long long)s);
	boot.guest_image = NULL; /* refused as a whole: no guest without its initrd */
	load_status = s;
}

#endif /* !HV_APPLIANCE */

/*
 * The flight recorder's region (lib/flight.h) at FLIGHT_BASE, taken from
 * the firmware while it still hands out memory: AllocatePages with
 * AllocateAddress allocates exactly there or fails (UEFI spec 2.10,
 * 7.2 EFI_BOOT_SERVICES.AllocatePages()), so nothing the firmware or a
 * driver allocates later in this boot lands in it.  The firmware does not
 * write there on its next boot either: measured with OVMF under QEMU
 * (docs/dumps.md, "The flight recorder").
 */
static void reserve_flight(void)
{
	EFI_PHYSICAL_ADDRESS addr = FLIGHT_BASE;
	UINTN pages = (FLIGHT_SIZE + 4095) / 4096;
	EFI_STATUS s = uefi_call_wrapper(BS->AllocatePages, 4, AllocateAddress, EfiLoaderData, pages,
					 &addr);

	if (EFI_ERROR(s) || addr != FLIGHT_BASE) {
		boot.flight_refused = "AllocatePages(AllocateAddress)_failed";
		return;
	}
	boot.flight_base = FLIGHT_BASE;
}

/* The ACPI RSDP from the configuration table (UEFI spec 2.10, 4.6): the
 * ACPI 2.0 entry, else the 1.0 one.  Copied now; the tables it leads to
 * stay in ACPI memory after ExitBootServices. */
static void find_acpi(void)
{
	static EFI_GUID acpi20 = ACPI_20_TABLE_GUID, acpi10 = ACPI_TABLE_GUID;
	EFI_GUID *const guids[2] = { &acpi20, &acpi10 };

	for (unsigned i = 0; i < 2; i++) {
		VOID *rsdp = NULL;
		if (EFI_ERROR(LibGetSystemConfigurationTable(guids[i], &rsdp)) || rsdp == NULL)
			continue;
		uint32_t n = i == 0 ? ACPI_RSDP_V2_LEN : ACPI_RSDP_V1_LEN;
		memcpy(boot.acpi_rsdp, rsdp, n);
		boot.acpi_rsdp_len = n;
		boot.acpi_from = i == 0 ? "uefi_acpi20_table" : "uefi_acpi10_table";
		return;
	}
}

static uint32_t efi_mem_type(UINT32 t)
{
	switch (t) {
	case EfiConventionalMemory:
	case EfiBootServicesCode:
	case EfiBootServicesData:
	case EfiLoaderCode:
	case EfiLoaderData:
		return BOOT_MEM_USABLE;
	case EfiACPIReclaimMemory:
	case EfiACPIMemoryNVS:
		return BOOT_MEM_ACPI;
	default:
		return BOOT_MEM_RESERVED;
	}
}

/* GetMemoryMap + ExitBootServices; the map key changes if anything
 * allocates in between, so retry a few times (UEFI spec 7.4). */
static EFI_STATUS exit_boot_services(EFI_HANDLE image)
{
	for (int attempt = 0; attempt < 4; attempt++) {
		UINTN size = sizeof(mmap_buffer), key, desc_size;
		UINT32 desc_version;
		EFI_STATUS s = uefi_call_wrapper(BS->GetMemoryMap, 5, &size,
						 (EFI_MEMORY_DESCRIPTOR *)mmap_buffer, &key,
						 &desc_size, &desc_version);
		if (EFI_ERROR(s))
			return s;
		boot.mmap_count = 0;
		boot.mmap_dropped = 0;
		for (UINTN off = 0; off + desc_size <= size; off += desc_size) {
			EFI_MEMORY_DESCRIPTOR *d = (EFI_MEMORY_DESCRIPTOR *)(mmap_buffer + off);
			boot_mmap_add(&boot, d->PhysicalStart, d->NumberOfPages * 4096ull,
				      efi_mem_type(d->Type));
		}
		s = uefi_call_wrapper(BS->ExitBootServices, 2, image, key);
		if (!EFI_ERROR(s))
			return EFI_SUCCESS;
	}
	return EFI_ABORTED;
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	EFI_LOADED_IMAGE *li = NULL;

	boot.entry_tsc = rdtsc();
	boot.path = BOOT_PATH_UEFI;
	InitializeLib(image, systab);
	uart_init();
	EFI_STATUS s = uefi_call_wrapper(BS->HandleProtocol, 3, image, &LoadedImageProtocol,
					 (void **)&li);
	if (EFI_ERROR(s)) {
		hv_log("ERROR no loaded-image protocol (status 0x%llx)", (unsigned long long)s);
		return s;
	}
	boot.hv_base = (uint64_t)(uintptr_t)li->ImageBase;
	boot.hv_size = li->ImageSize;
	reserve_flight();
	find_acpi();
#ifdef HV_APPLIANCE
	appliance_load(&boot); /* the ESP is not even opened */
#else
	EFI_FILE_HANDLE root = LibOpenRoot(li->DeviceHandle);
	if (root == NULL) {
		hv_log("ERROR cannot open the ESP the hypervisor was loaded from");
		return EFI_NOT_FOUND;
	}
	read_config(root);
	read_guest(root);
	read_initrd(root);
#endif
	enum hv_prepare_result r = hv_prepare(&boot);
	if (r != HV_PREPARED) {
		hv_log("returning to the firmware: %s", hv_prepare_text(r));
		plat_log_flush();
		return r == HV_PREP_VIRT_DISABLED ? EFI_ACCESS_DENIED
		       : boot.guest_image == NULL ? load_status
		       : r == HV_PREP_NO_BACKEND ? EFI_UNSUPPORTED
						 : EFI_LOAD_ERROR;
	}
	s = exit_boot_services(image);
	if (EFI_ERROR(s)) {
		hv_log("ERROR ExitBootServices failed (status 0x%llx)", (unsigned long long)s);
		return s;
	}
	hv_launch();
}
