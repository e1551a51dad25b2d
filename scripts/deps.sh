#!/bin/sh
# Checks (and with --install, installs) the Debian packages the build and
# the tests need.  Without --install it names what is missing and fails.
set -eu

BUILD_PKGS="gcc make binutils gnu-efi newlib-source xz-utils dpkg-dev"
IMAGE_PKGS="grub-pc-bin grub-common xorriso mtools dosfstools"
# gcc-12 (the compiler Debian 12's kernel was built with), libelf1 and libssl3 (the
# kbuild programs): the Linux stub module, scripts/linux-module.sh; gdb and makedumpfile
# (reads a Linux guest's core through its VMCOREINFO note): the dump tests.
RUN_PKGS="qemu-system-x86 ovmf bochs bochsbios bochs-term vgabios python3 libcmocka-dev clang libclang-rt-14-dev cppcheck gdb makedumpfile gcc-12 libelf1 libssl3"
# hvmon (tools/hvmon, docs/operations.md): the Prometheus client; Prometheus (promtool and the
# scrape test) and headless Chromium with its WebDriver (the diagnosis page's test).
HVMON_PKGS="python3-prometheus-client prometheus chromium chromium-driver"
RUN_PKGS="$RUN_PKGS $HVMON_PKGS"
# make sign (Secure Boot: sbsign) and its test (sbverify, openssl for a throwaway key).
RUN_PKGS="$RUN_PKGS sbsigntool openssl"

case "${1:-}" in
--build) pkgs="$BUILD_PKGS $IMAGE_PKGS" ;;
*) pkgs="$BUILD_PKGS $IMAGE_PKGS $RUN_PKGS" ;;
esac
install=0
for a in "$@"; do [ "$a" = "--install" ] && install=1; done

missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$install" = 0 ]; then
	echo "error: missing Debian packages:$missing" >&2
	echo "       install them with: apt-get install$missing   (or run 'make run' / 'make test', which do)" >&2
	exit 1
fi
echo "installing missing Debian packages:$missing"
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q >/dev/null
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing >/dev/null
