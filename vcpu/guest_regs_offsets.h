/*
 * Byte offsets of struct guest_regs (vcpu/vcpu.h), for the entry
 * assembly (arch/x86/guest_regs.inc).  Plain defines so that both C and
 * the assembler can use them; vcpu.h checks each against offsetof().
 */
#ifndef VCPU_GUEST_REGS_OFFSETS_H
#define VCPU_GUEST_REGS_OFFSETS_H

#define GREG_RAX 0x00
#define GREG_RCX 0x08
#define GREG_RDX 0x10
#define GREG_RBX 0x18
#define GREG_RBP 0x20
#define GREG_RSI 0x28
#define GREG_RDI 0x30
#define GREG_R8 0x38
#define GREG_R9 0x40
#define GREG_R10 0x48
#define GREG_R11 0x50
#define GREG_R12 0x58
#define GREG_R13 0x60
#define GREG_R14 0x68
#define GREG_R15 0x70
#define GREG_SIZE 0x78

#endif
