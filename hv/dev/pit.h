/*
 * A virtual Intel 8254 programmable interval timer (channels 0-2, ports
 * 0x40-0x43) and the PC's port 0x61 (channel 2 gate, speaker data, OUT2
 * readback), for a guest without a local APIC (docs/devices.md).
 *
 * Pure: the caller owns struct pit, passes the time as a TSC value and
 * routes the guest's port accesses here; the model touches no hardware.
 * Channel 0's OUT is the PC's IRQ0: pit_irq0_edges() says how many rising
 * edges happened since the last call (the caller raises IRQ0 on the PIC)
 * and pit_next_event_tsc() when the next one is due.
 *
 * The input clock is the PC's 1.193182 MHz, derived from the TSC: PIT
 * tick = (now_tsc - TSC at pit_reset) * PIT_HZ / tsc_hz.  The model is
 * exact in PIT ticks; the one-clock delay the 8254 takes to load a count
 * (Intel 8254 datasheet, "Operation": "after a count is written, the new
 * count is loaded on the next CLK pulse") is not modelled (840 ns).
 *
 * Every value written by the guest is untrusted: any port, byte and
 * sequence leaves the model in a defined state; the work per call is
 * bounded (no loop depends on a guest value).
 */
#ifndef HV_DEV_PIT_H
#define HV_DEV_PIT_H

#include <stdbool.h>
#include <stdint.h>

#define PIT_HZ 1193182ull /* the PC's 8254 input clock (14.31818 MHz / 12) */

#define PIT_PORT_CH0     0x40
#define PIT_PORT_CH1     0x41
#define PIT_PORT_CH2     0x42
#define PIT_PORT_CONTROL 0x43
#define PIT_PORT_SYSCTL  0x61 /* PC system control port B */

/* Port 0x61 bits. */
#define PIT_SYSCTL_GATE2   0x01 /* r/w: channel 2 gate */
#define PIT_SYSCTL_SPEAKER 0x02 /* r/w: speaker data enable (kept, no sound) */
#define PIT_SYSCTL_RW_MASK 0x0f /* bits 3:2 (parity/IOCHK enables) kept as written */
#define PIT_SYSCTL_REFRESH 0x10 /* r/o: toggles on every read */
#define PIT_SYSCTL_OUT2    0x20 /* r/o: channel 2 OUT */

/*
 * At most this many IRQ0 edges are reported by one pit_irq0_edges() call;
 * the rest are dropped and counted in pit.irq0_dropped.  The PIC's IRR
 * holds one request per line, so edges between two injections merge
 * anyway; the cap keeps a guest that programs reload 1 (1.19 MHz) from
 * making the caller loop over a million edges after a long absence.
 */
#define PIT_IRQ0_MAX_EDGES 16u

/* The TSC rates pit_reset() accepts: at least the PIT clock (so a TSC
 * cycle is never longer than a PIT tick) and below 2^42 Hz (so the
 * conversions' products fit in 64 bits). */
#define PIT_TSC_HZ_MIN PIT_HZ
#define PIT_TSC_HZ_MAX (1ull << 42)

struct pit_channel {
	uint32_t reload;      /* 1-65536: a written 0 means 65536 */
	uint8_t mode;         /* 0-5 (modes 6 and 7 are stored as 2 and 3) */
	uint8_t rw;           /* 1 LSB only, 2 MSB only, 3 LSB then MSB */
	bool bcd;             /* kept for the status byte; counting is binary */
	bool armed;           /* a count was written since the control word */
	bool null_count;      /* control word written, count not yet loaded */
	bool gate;            /* channels 0 and 1: tied high on the PC */
	bool write_msb;       /* rw 3: the next written byte is the MSB */
	bool read_msb;        /* rw 3: the next read byte (unlatched) is the MSB */
	uint8_t lsb;          /* rw 3: the written LSB waiting for its MSB */
	bool status_latched;  /* read-back latched the status byte */
	uint8_t status;
	uint8_t count_left;   /* latched count bytes still to read (0-2) */
	uint8_t count_bytes[2]; /* latched count in read order */
	uint64_t run_since;   /* PIT tick the current run (gate high) began */
	uint64_t done;        /* ticks counted before run_since (gate pauses) */
	uint64_t edges_seen;  /* OUT rising edges of this count already banked */
	uint64_t edges_banked; /* rising edges not yet reported (channel 0) */
};

struct pit {
	uint64_t tsc_hz;      /* TSC rate, from pit_reset */
	uint64_t epoch_tsc;   /* TSC at pit_reset: PIT tick 0 */
	uint64_t last_tick;   /* latest PIT tick seen: guest time never goes back */
	struct pit_channel ch[3];
	uint8_t sysctl;       /* port 0x61 bits 3:0 as written */
	bool refresh;         /* port 0x61 bit 4 */
	uint64_t irq0_dropped; /* IRQ0 edges beyond PIT_IRQ0_MAX_EDGES */
};

/* Power-on state (also a guest reset): no channel counting, channel 2's
 * gate low, the clock starting at now_tsc.  False (and *p untouched) if
 * tsc_hz is outside [PIT_TSC_HZ_MIN, PIT_TSC_HZ_MAX]. */
bool pit_reset(struct pit *p, uint64_t tsc_hz, uint64_t now_tsc);

/* A guest IN from port 0x40-0x43 or 0x61.  Other ports, and 0x43 (the
 * 8254 does not drive the bus on a control-word read), read 0xff. */
uint8_t pit_read(struct pit *p, uint16_t port, uint64_t now_tsc);

/* A guest OUT to port 0x40-0x43 or 0x61; other ports are ignored. */
void pit_write(struct pit *p, uint16_t port, uint8_t val, uint64_t now_tsc);

/* Rising edges of channel 0's OUT since the last call (at most
 * PIT_IRQ0_MAX_EDGES).  The caller raises IRQ0 on the PIC if > 0. */
unsigned pit_irq0_edges(struct pit *p, uint64_t now_tsc);

/* The TSC at which channel 0's next rising edge is due (now_tsc if edges
 * wait to be reported), or UINT64_MAX if none will come (not counting, or
 * a one-shot that has fired).  It may be a PIT tick (~840 ns) away: the
 * caller floors its own deadline; the hypervisor tick and NMI watchdog do
 * not depend on it. */
uint64_t pit_next_event_tsc(struct pit *p, uint64_t now_tsc);

/* The OUT pin of channel 0-2 (false for another channel number). */
bool pit_out(struct pit *p, unsigned channel, uint64_t now_tsc);

#endif
