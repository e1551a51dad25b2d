#!/bin/sh
# Boots the demo nested under QEMU/KVM (docs/hardware.md, "Nested under
# KVM"): the hypervisor runs in a KVM guest whose virtual CPU has VMX or
# SVM, on the UEFI (OVMF) and ISO (GRUB, Multiboot2) paths, and its log is
# checked as the e2e tests check it (tests/e2e/run.py --accel kvm).
#
# First it checks, and explains, what nesting needs; exit status:
#   0 both boots passed   1 a boot failed   3 KVM or nesting unavailable (says why)
# Usage: scripts/nested-kvm.sh [--check] [BUILD]     (make nested-kvm)
#   --check: only the checks (exit 0 if nesting looks usable)
set -u
check_only=0
[ "${1:-}" = "--check" ] && { check_only=1; shift; }
BUILD=${1:-build}

unavailable() {
	echo "nested-kvm: unavailable: $1" >&2
	[ $# -gt 1 ] && echo "nested-kvm: $2" >&2
	exit 3
}

[ -e /dev/kvm ] || unavailable "/dev/kvm does not exist" \
	"load KVM (modprobe kvm_intel or kvm_amd) on a machine with VT-x or AMD-V"
[ -r /dev/kvm ] && [ -w /dev/kvm ] || unavailable "/dev/kvm is not readable and writable by $(id -un)" \
	"add the user to the kvm group, or run as root"
if grep -qw vmx /proc/cpuinfo; then
	module=kvm_intel
elif grep -qw svm /proc/cpuinfo; then
	module=kvm_amd
else
	unavailable "this CPU shows neither vmx nor svm in /proc/cpuinfo" \
		"enable VT-x / AMD-V in the firmware setup, or, inside a VM, have its host expose them (nested)"
fi
param=/sys/module/$module/parameters/nested
[ -d /sys/module/$module ] || unavailable "the $module module is not loaded (loaded: $(ls /sys/module | grep '^kvm' | tr '\n' ' '))" \
	"modprobe $module nested=1"
nested=$(cat "$param" 2>/dev/null || echo missing)
case "$nested" in
Y | y | 1) ;;
*) unavailable "$module's nested parameter is '$nested', not enabled" \
	"echo 'options $module nested=1' > /etc/modprobe.d/kvm-nested.conf, then reload $module" ;;
esac
# KVM may still refuse to create or run a machine (a sandbox, a PVM host):
# a few seconds of a stopped machine tells.
out=$(timeout 10 qemu-system-x86_64 -accel kvm -machine q35 -cpu host -display none -nodefaults \
	-S -monitor none 2>&1)
[ $? -eq 124 ] || unavailable "QEMU cannot start a KVM machine: $out"

echo "nested-kvm: /dev/kvm usable, $module nested=$nested"
[ "$check_only" = 1 ] && exit 0
echo "nested-kvm: booting the demo under KVM (UEFI and ISO paths)"
python3 "$(dirname "$0")/../tests/e2e/run.py" --build "$BUILD" --accel kvm \
	--only '^(qemu-uefi|qemu-iso)-basic$' || exit 1
