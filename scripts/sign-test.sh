#!/bin/sh
# make sign, tested (mk/sign.mk): a throwaway RSA-2048 key and self-signed
# certificate made here with openssl (test-only; never enrol them), then
#   1. make sign KEY= CERT= succeeds and sbverify accepts the result;
#   2. sbverify refuses it against an unrelated certificate;
#   3. sbverify refuses the unsigned image;
#   4. make sign without KEY and CERT refuses, saying what to give;
#   5. make sign with Debian's snakeoil key (package ovmf, test-only; its
#      certificate is enrolled in OVMF_VARS_4M.snakeoil.fd, whose firmware
#      enforces Secure Boot) writes $BUILD/signed-snakeoil/BOOTX64.EFI, which
#      the e2e run qemu-uefi-secureboot-signed boots with Secure Boot on.
set -eu
BUILD=${1:-build}
dir="$BUILD/sign-test"
rm -rf "$dir"
mkdir -p "$dir"
mk() { # name: a key and a self-signed certificate
	openssl req -new -x509 -newkey rsa:2048 -nodes -days 1 -sha256 -subj "/CN=hv test-only $1/" \
		-keyout "$dir/$1.key" -out "$dir/$1.crt" >/dev/null 2>&1
}
mk signer
mk other
fail=0
say() { echo "$1"; }
if make --no-print-directory sign BUILD="$BUILD" KEY="$dir/signer.key" CERT="$dir/signer.crt" \
	>"$dir/sign.log" 2>&1 && sbverify --cert "$dir/signer.crt" "$BUILD/signed/BOOTX64.EFI" >/dev/null 2>&1; then
	say "sign-test: signed with a throwaway key; sbverify accepts it"
else
	say "sign-test: FAIL make sign or sbverify (log: $dir/sign.log)"
	fail=1
fi
if sbverify --cert "$dir/other.crt" "$BUILD/signed/BOOTX64.EFI" >/dev/null 2>&1; then
	say "sign-test: FAIL sbverify accepts an unrelated certificate"
	fail=1
fi
if sbverify --cert "$dir/signer.crt" "$BUILD/esp/EFI/BOOT/BOOTX64.EFI" >/dev/null 2>&1; then
	say "sign-test: FAIL sbverify accepts the unsigned image"
	fail=1
fi
if make --no-print-directory sign BUILD="$BUILD" >/dev/null 2>&1; then
	say "sign-test: FAIL make sign without KEY and CERT succeeds"
	fail=1
fi
SNAKEOIL=/usr/share/ovmf/PkKek-1-snakeoil
if openssl pkey -in "$SNAKEOIL.key" -passin pass:snakeoil -out "$dir/snakeoil.key" >/dev/null 2>&1 &&
	make --no-print-directory sign BUILD="$BUILD" KEY="$dir/snakeoil.key" CERT="$SNAKEOIL.pem" \
		SIGNED_IMAGE="$BUILD/signed-snakeoil/BOOTX64.EFI" >"$dir/snakeoil.log" 2>&1; then
	say "sign-test: signed with Debian's snakeoil key for the Secure Boot e2e runs"
else
	say "sign-test: FAIL signing with $SNAKEOIL.key (package ovmf; log: $dir/snakeoil.log)"
	fail=1
fi
[ "$fail" = 0 ] && say "sign-test: ok"
exit "$fail"
