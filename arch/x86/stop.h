/* How the hypervisor stops after a crash (arch/x86/stop.c); used only by
 * the host fault handler. */
#ifndef ARCH_X86_STOP_H
#define ARCH_X86_STOP_H

/* Ends the run as plat_set_crash_stop() chose: emulator exit code 5,
 * machine reset, or halt (if the first two do not take). */
__attribute__((noreturn)) void x86_crash_stop(void);

#endif
