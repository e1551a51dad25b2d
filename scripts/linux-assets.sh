#!/bin/sh
# Fetches a Debian kernel and busybox for the Linux guest (make linux-demo,
# the Linux end-to-end tests) without installing them on this machine:
# `apt-get download` of linux-image-amd64's kernel package and of
# busybox-static, unpacked with dpkg-deb into BUILD/linux, then an
# initramfs of busybox, guest-linux/init and the stub module (built by
# scripts/linux-module.sh against this kernel's headers).
#   scripts/linux-assets.sh [BUILD]   ->  BUILD/linux/vmlinuz, BUILD/linux/initrd.cpio
set -eu
BUILD=${1:-build}
OUT=$BUILD/linux
# The initramfs is packed again when its init or a module changed.
pack() {
	scripts/linux-module.sh "$BUILD" >/dev/null
	[ -s "$OUT/initrd.cpio" ] && [ "$OUT/initrd.cpio" -nt guest-linux/init ] &&
		[ "$OUT/initrd.cpio" -nt "$OUT/hvstub.ko" ] && [ "$OUT/initrd.cpio" -nt "$OUT/hvcrash.ko" ] &&
		[ "$OUT/initrd.cpio" -nt guest-linux/hvstub-helper ] &&
		[ -z "$(find guest-linux/etc -newer "$OUT/initrd.cpio")" ] &&
		return 0
	rm -rf "$OUT/root/lib" "$OUT/root/sbin" "$OUT/root/etc"
	mkdir -p "$OUT/root/lib/modules" "$OUT/root/sbin"
	cp "$OUT/hvstub.ko" "$OUT/hvcrash.ko" "$OUT/root/lib/modules/"
	cp guest-linux/init "$OUT/root/init"
	# the stub's helper (restarts services, reloads modules) and its services
	cp guest-linux/hvstub-helper "$OUT/root/sbin/hvstub-helper"
	cp -R guest-linux/etc "$OUT/root/etc"
	python3 tools/mkinitramfs.py "$OUT/root" "$OUT/initrd.cpio"
	echo "linux-assets: $OUT/initrd.cpio (with hvstub.ko)"
}
[ -s "$OUT/vmlinuz" ] && [ -s "$OUT/root/bin/busybox" ] && { pack; exit 0; }
mkdir -p "$OUT/deb" "$OUT/root"
# The kernel package linux-image-amd64 points at (kernel 6.1 on Debian 12).
kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9].*\)$/\1/p' | head -n 1)
if [ -z "$kpkg" ]; then
	SUDO=""
	[ "$(id -u)" = 0 ] || SUDO="sudo"
	$SUDO apt-get update -q >/dev/null
	kpkg=$(apt-cache depends linux-image-amd64 | sed -n 's/^ *Depends: \(linux-image-[0-9].*\)$/\1/p' | head -n 1)
fi
[ -n "$kpkg" ] || { echo "linux-assets: no kernel package behind linux-image-amd64 (apt-get update?)" >&2; exit 1; }
(cd "$OUT/deb" && rm -f ./*.deb && apt-get download -q "$kpkg" busybox-static >/dev/null 2>&1) || {
	echo "linux-assets: apt-get download $kpkg busybox-static failed" >&2
	exit 1
}
rm -rf "$OUT/x"
dpkg-deb -x "$OUT/deb/${kpkg}"_*.deb "$OUT/x"
cp "$OUT"/x/boot/vmlinuz-* "$OUT/vmlinuz"
rm -rf "$OUT/x" "$OUT/root"
mkdir -p "$OUT/root/bin" "$OUT/root/proc" "$OUT/root/sys" "$OUT/root/dev"
dpkg-deb --fsys-tarfile "$OUT"/deb/busybox-static_*.deb | tar -xO ./bin/busybox >"$OUT/root/bin/busybox"
chmod 755 "$OUT/root/bin/busybox"
rm -f "$OUT/initrd.cpio"
pack
echo "linux-assets: $OUT/vmlinuz ($kpkg), $OUT/initrd.cpio"
