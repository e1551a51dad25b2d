/*
 * The devices a guest OS without a stub needs (docs/devices.md), emulated
 * for a Linux guest only: the 8254 PIT with port 0x61, the 8259 pair,
 * and a 16550 on COM2 whose bytes go to and come from the real COM2.  An
 * ELF guest gets none of them (its ports stay blocked, COM2 passed
 * through, its timer the VTIMER hypercall).  This file routes port
 * accesses to the models and turns their interrupt lines into one vector
 * for the run loop to inject.  It also takes the two ways a PC without
 * ACPI is reset, so that a guest's reboot is a reboot, not a fault: the
 * keyboard controller's pulse-reset command (0xFE to port 0x64) and the
 * reset control register (port 0xCF9, bit 2).
 */
#ifndef HV_DEVICES_H
#define HV_DEVICES_H

#include <stdbool.h>
#include <stdint.h>

#include "hv/dev/conwatch.h"
#include "hv/dev/pic.h"
#include "hv/dev/pit.h"
#include "hv/dev/uart.h"
#include "vcpu/vcpu.h"

#define DEV_PORT_POST 0x80       /* POST codes; Linux's I/O delay (outb_p) */
#define DEV_PORT_CMOS_INDEX 0x70
#define DEV_PORT_CMOS_DATA 0x71
#define DEV_PORT_KBC_STATUS 0x64 /* read: status, write: command */
#define DEV_KBC_PULSE_RESET 0xFE
#define DEV_PORT_RESET_CONTROL 0xCF9
#define DEV_RESET_CONTROL_RESET 0x04

/* The PC's lines (ISA): IRQ0 the PIT, IRQ3 COM2. */
#define DEV_IRQ_PIT 0
#define DEV_IRQ_COM2 3

struct guest_devices {
	bool enabled;        /* the guest is a Linux bzImage */
	bool irq_pending;    /* the PIC has an interrupt to deliver */
	uint64_t irq_pending_since; /* TSC: since when, without the guest taking one */
	bool reboot;         /* the guest asked for a reset (KBC or port 0xCF9) */
	uint8_t reset_control; /* port 0xCF9 as written */
	uint8_t cmos_index;    /* port 0x70 bits 6:0 */
	uint64_t boot_tsc, tsc_hz; /* the CMOS clock counts from the guest's (re)start */
	struct pit pit;
	struct pic pic;
	struct uart com2;
	struct conwatch console;  /* the kernel's panic line on COM2 */
	bool panic_line;          /* one just ended: the run loop takes it */
	uint8_t rx[16];      /* bytes read from the real COM2, not yet taken */
	uint8_t rx_len;
};

/* Puts every model in its power-on state (boot and every guest reset). */
void dev_reset(struct guest_devices *d, bool enabled, uint64_t tsc_hz, uint64_t now);

/* A port access the guest made: true if a model owns the port (then
 * RAX has been updated for an IN), false if nobody does. */
bool dev_io(struct guest_devices *d, const struct hv_event *ev, uint64_t *rax, uint64_t now);

/* Time-driven work, once per hypervisor tick: the PIT's IRQ0, the real
 * COM2's received bytes. */
void dev_tick(struct guest_devices *d, uint64_t now);

/* The vector to inject now, acknowledged at the PIC: false if none. */
bool dev_take_intr(struct guest_devices *d, uint8_t *vector, uint64_t now);

#endif
