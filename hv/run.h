/* The vCPU loop (run.c). */
#ifndef HV_RUN_H
#define HV_RUN_H

#include "hv/vm.h"

/* Enters the guest until the run ends; then idles for good. */
__attribute__((noreturn)) void vm_run_loop(struct vm *vm);

#endif
