#!/bin/sh
# Runs every test suite and ends with one line: "N passed, M failed".
#   unit tests (cmocka, host)  ->  build checks  ->  end-to-end (QEMU, Bochs)
set -u
BUILD=${1:-build}
passed=0
failed=0

add() { passed=$((passed + $1)); failed=$((failed + $2)); }

# Adds the "<suite> <passed> <failed>" line a suite left in $2 (or one failure).
add_summary() {
	if [ -f "$2" ]; then
		read -r _ p f <"$2"
		add "$p" "$f"
	else
		echo "FAIL $1: the suite did not produce a summary"
		add 0 1
	fi
}

check() { # name, then a command that must succeed
	name=$1
	shift
	if "$@" >/dev/null 2>&1; then
		echo "PASS build: $name"
		add 1 0
	else
		echo "FAIL build: $name"
		add 0 1
	fi
}

echo "== unit tests"
rm -f "$BUILD/unit/summary.txt"
make --no-print-directory unit-test BUILD="$BUILD"
add_summary unit "$BUILD/unit/summary.txt"

echo "== report-stream decoder tests"
rm -f "$BUILD/tools/summary.txt"
make --no-print-directory tools-test BUILD="$BUILD"
add_summary tools "$BUILD/tools/summary.txt"

# Runs tests/<name>/run.sh, whose last line is "<name>: N passed, M failed".
script_suite() {
	mkdir -p "$BUILD/$1"
	if "tests/$1/run.sh" >"$BUILD/$1/test.log" 2>&1; then :; fi
	cat "$BUILD/$1/test.log"
	tail -n 1 "$BUILD/$1/test.log" | sed -n "s/^$1: \([0-9]*\) passed, \([0-9]*\) failed\$/$1 \1 \2/p" \
		>"$BUILD/$1/summary.txt"
	[ -s "$BUILD/$1/summary.txt" ] || rm -f "$BUILD/$1/summary.txt"
	add_summary "$1" "$BUILD/$1/summary.txt"
}

echo "== policy compiler tests"
script_suite policy

echo "== checkpoint principals compiler and signer tests"
script_suite ckpt

echo "== fuzz smoke (libFuzzer, 10 s per target)"
rm -f "$BUILD/fuzz/summary.txt"
make --no-print-directory fuzz-smoke BUILD="$BUILD"
add_summary fuzz "$BUILD/fuzz/summary.txt"
[ -f "$BUILD/fuzz/execs.txt" ] && cat "$BUILD/fuzz/execs.txt"

echo "== static checks (cppcheck, gcc -fanalyzer)"
rm -f "$BUILD/static/summary.txt"
make --no-print-directory static-check BUILD="$BUILD"
add_summary static "$BUILD/static/summary.txt"

echo "== build checks"
no_allocator() { ! grep -Eq 'lib_a-(malloc|mallocr|freer|reallocr|callocr|sbrkr)\.o' "$1"; }
no_sse() { ! objdump -d "$1" | grep -Eq '%[xyz]mm[0-9]|%st\(|%mm[0-9]'; }
check "UEFI image links no allocator (hv-efi.map)" no_allocator "$BUILD/hv-efi.map"
check "Multiboot2 image links no allocator (hv-mb2.map)" no_allocator "$BUILD/hv-mb2.map"
check "hypervisor code has no x87/SSE instructions" no_sse "$BUILD/hv.elf"
check "newlib archive has no x87/SSE instructions" make --no-print-directory newlib-check BUILD="$BUILD"
check "layering: every include allowed for its layer (scripts/check-layers.py)" \
	python3 scripts/check-layers.py layers
check "no include cycle among the core's modules (hv/)" python3 scripts/check-layers.py cycles
check "no vendor test in the core: only hv/main.c names the backends" \
	python3 scripts/check-layers.py vendors
check "a TEST_AIDS=0 build (POLICY=appliance) has no test-aid code and refuses the keys" \
	make --no-print-directory appliance-check BUILD="$BUILD"
check "emulator exit ports (0xF4, 0x8900) written only behind onstop=exit (scripts/check-exit-ports.py)" \
	python3 scripts/check-exit-ports.py "$BUILD/hv.elf" "$BUILD/hv.so"
check "ESP tree has BOOTX64.EFI" test -s "$BUILD/esp/EFI/BOOT/BOOTX64.EFI"
check "BOOTX64.EFI under 512 KiB, no guest-RAM or table-pool zeros in it (scripts/check-efi-size.sh)" \
	scripts/check-efi-size.sh "$BUILD"
# The largest guest RAM the README promises: the file must not grow with it.
efi_1g() {
	make --no-print-directory BUILD="$BUILD/ram1g" GUEST_RAM_MB=1024 \
		"$BUILD/ram1g/esp/EFI/BOOT/BOOTX64.EFI" && scripts/check-efi-size.sh "$BUILD/ram1g"
}
check "GUEST_RAM_MB=1024: BOOTX64.EFI still under 512 KiB (scripts/check-efi-size.sh)" efi_1g
check "make sign: a throwaway key signs BOOTX64.EFI, sbverify accepts it and refuses another cert (scripts/sign-test.sh)" \
	make --no-print-directory sign-test BUILD="$BUILD"
# No KVM here: the script must say why within seconds, not hang.
nested_kvm() {
	out=$(timeout 600 scripts/nested-kvm.sh "$BUILD" 2>&1)
	rc=$?
	[ "$rc" = 0 ] || { [ "$rc" = 3 ] && echo "$out" | grep -q '^nested-kvm: unavailable: '; }
}
check "scripts/nested-kvm.sh: boots nested under KVM, or says what is missing (exit 3) without hanging" nested_kvm
# The appliance image the e2e runs *-appliance boot (make appliance-e2e):
# the test guest embedded, ended by its tick limit.
check "make appliance: BOOTX64.EFI and hv.elf with the guest, command line and policy inside" \
	make --no-print-directory appliance-e2e BUILD="$BUILD"
appliance_clean() { # no test-aid code in either image, and the refusal text in
	for f in "$BUILD/appliance-image/hv.elf" "$BUILD/appliance-image/esp/EFI/BOOT/BOOTX64.EFI"; do
		! grep -q 'crash_test: touching' "$f" && grep -q 'test aids are not in this build' "$f" || return 1
	done
}
check "the appliance images carry no test-aid code" appliance_clean
check "bootable ISO exists" test -s "$BUILD/hv.iso"

echo "== end-to-end tests"
# Debian's kernel and busybox for the Linux guest runs (downloaded, not
# installed); without them those runs fail, saying so.
scripts/linux-assets.sh "$BUILD" || echo "linux-assets: failed; the Linux guest runs will fail"
rm -f "$BUILD/e2e/summary.txt"
python3 tests/e2e/run.py --build "$BUILD"
add_summary e2e "$BUILD/e2e/summary.txt"

echo "== hvmon (tools/hvmon: live monitor, page in headless Chromium, Prometheus, a QEMU fleet)"
rm -f "$BUILD/hvmon/summary.txt"
make --no-print-directory hvmon-test BUILD="$BUILD"
add_summary hvmon "$BUILD/hvmon/summary.txt"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
