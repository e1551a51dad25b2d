#!/bin/sh
# Builds the Linux stub module (guest-stub/linux/) and its test module
# against the headers of the very kernel scripts/linux-assets.sh fetched:
# the headers package of the same name and version as the kernel image in
# BUILD/linux/deb/, with its -common and linux-kbuild packages,
# downloaded (`apt-get download`, not installed) and unpacked into
# BUILD/linux/kbuild/.  The compiler is the one the kernel was built with
# (gcc-12, named in the headers' .kernelvariables: Debian 12's default).
#   scripts/linux-module.sh [BUILD]  ->  BUILD/linux/hvstub.ko, BUILD/linux/hvcrash.ko
# Called by scripts/linux-assets.sh, which packs the modules into the initramfs.
set -eu
BUILD=${1:-build}
OUT=$BUILD/linux
ROOT=$(cd "$(dirname "$0")/.." && pwd)

# The kbuild programs (fixdep, modpost, objtool) link these libraries.
missing=""
for p in gcc-12 make libelf1 libssl3; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "linux-module: missing Debian packages:$missing" >&2
	echo "              install them with: apt-get install$missing   (or run 'make test', which does)" >&2
	exit 1
fi

img=$(ls "$OUT"/deb/linux-image-*.deb 2>/dev/null | head -n 1)
[ -n "$img" ] || { echo "linux-module: no kernel package in $OUT/deb (run scripts/linux-assets.sh)" >&2; exit 1; }
kpkg=$(dpkg-deb -f "$img" Package)
kver=$(dpkg-deb -f "$img" Version)
release=${kpkg#linux-image-}
KDIR=$OUT/kbuild/usr/src/linux-headers-$release

if [ "$(cat "$OUT/kbuild/.version" 2>/dev/null)" != "$release $kver" ]; then
	hdr="linux-headers-$release"
	rm -rf "$OUT/hdeb" "$OUT/kbuild"
	mkdir -p "$OUT/hdeb" "$OUT/kbuild"
	# The headers of exactly this kernel (same name, same version), then
	# the two packages they depend on, from the same source version.
	(cd "$OUT/hdeb" && apt-get download -q "$hdr=$kver" >/dev/null 2>&1) || {
		SUDO=""
		[ "$(id -u)" = 0 ] || SUDO="sudo"
		$SUDO apt-get update -q >/dev/null
		(cd "$OUT/hdeb" && apt-get download -q "$hdr=$kver" >/dev/null 2>&1)
	} || { echo "linux-module: apt-get download $hdr=$kver failed" >&2; exit 1; }
	deps=$(dpkg-deb -f "$OUT"/hdeb/"$hdr"_*.deb Depends | tr ',' '\n' |
		sed -n 's/^ *\(linux-headers-[^ ]*-common\|linux-kbuild-[^ ]*\).*/\1/p')
	for d in $deps; do
		(cd "$OUT/hdeb" && apt-get download -q "$d=$kver" >/dev/null 2>&1) ||
			{ echo "linux-module: apt-get download $d=$kver failed" >&2; exit 1; }
	done
	for d in "$OUT"/hdeb/*.deb; do dpkg-deb -x "$d" "$OUT/kbuild"; done
	# The arch tree includes the common one by its installed path
	# (/usr/src/...): point it at the unpacked copy next to it instead.
	# Kbuild finds its source tree from the Makefile it reads, and the
	# packages' other links (scripts, tools) are relative already.
	common=$(sed -n 's|^include /usr/src/\(linux-headers-[^/]*\)/Makefile$|\1|p' "$KDIR/Makefile")
	[ -n "$common" ] || { echo "linux-module: unexpected $KDIR/Makefile" >&2; exit 1; }
	printf 'include $(dir $(lastword $(MAKEFILE_LIST)))../%s/Makefile\n' "$common" >"$KDIR/Makefile"
	rm -rf "$OUT/hdeb"
	echo "$release $kver" >"$OUT/kbuild/.version"
fi

# Kbuild writes its objects next to the sources: build in BUILD, through
# links to the sources, so the source tree stays clean.
MOD=$OUT/module
mkdir -p "$MOD"
for f in "$ROOT"/guest-stub/linux/Kbuild "$ROOT"/guest-stub/linux/*.c "$ROOT"/guest-stub/linux/*.h; do
	ln -sf "$f" "$MOD/$(basename "$f")"
done
make -s -C "$KDIR" M="$(cd "$MOD" && pwd)" HV_ROOT="$ROOT" modules >"$OUT/module.log" 2>&1 ||
	{ cat "$OUT/module.log" >&2; echo "linux-module: the module build failed" >&2; exit 1; }
for m in hvstub hvcrash; do
	# without its debug information (a twentieth of the size), as Debian ships modules
	strip --strip-debug -o "$MOD/$m.stripped" "$MOD/$m.ko"
	cmp -s "$MOD/$m.stripped" "$OUT/$m.ko" || cp "$MOD/$m.stripped" "$OUT/$m.ko"
done
echo "linux-module: $OUT/hvstub.ko, $OUT/hvcrash.ko (for $release $kver)"
