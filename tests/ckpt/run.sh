#!/bin/sh
# Tests for the checkpoint principals compiler (scripts/ckpt-principals.py)
# and the host signer (tools/ckptsign.py); docs/checkpoints.md.
#   bad/*.principals   must fail with exit status 1, stderr must contain the
#                      text after "# expect: " on the first line (which
#                      names the line), and no output may be left behind
#   good/*.principals, tests/keys/ckpt-test.principals, --none
#                      must compile, gcc must accept the C, and the table
#                      must hold what the file says (tests/ckpt/dump_table.c)
#   the signer         must give the known answers of
#                      tests/unit/test_ckpt_auth.c (computed independently)
#   make's default     an appliance build gets no principals, a test build
#                      the test file
# CKPT_COMPILER=path tests another compiler (e.g. a deliberately broken one).
# Prints PASS/FAIL per case and last "ckpt: N passed, M failed"; exit 1 if
# anything failed.  Run from anywhere; works in the repository root.
set -u
cd "$(dirname "$0")/../.." || exit 1

COMPILER=${CKPT_COMPILER:-scripts/ckpt-principals.py}
CC=${CC:-gcc}
. tests/lib/suite.sh
suite_init ckpt

for f in tests/ckpt/bad/*.principals; do
	[ -e "$f" ] || continue
	bad_case "$f" "$tmp/out.c" "$tmp/out.d" -- \
		python3 "$COMPILER" "$f" -o "$tmp/out.c" --dep "$tmp/out.d"
done

# Compiles a table (the compiler's arguments in $@) and prints it.
table() {
	python3 "$COMPILER" "$@" -o "$tmp/t.c" 2>"$tmp/stderr" &&
		$CC -std=gnu11 -I. -Werror -Wall -Wextra -o "$tmp/dump" tests/ckpt/dump_table.c \
			"$tmp/t.c" 2>>"$tmp/stderr" &&
		"$tmp/dump"
}

# The table of $1 ($2: extra compiler options) must print exactly $3.
good() {
	# shellcheck disable=SC2086
	if ! table $2 "$1" >"$tmp/got"; then
		fail "$1: rejected, or gcc rejects the C"
		sed 's/^/    /' "$tmp/stderr"
	elif ! printf '%s\n' "$3" | cmp -s - "$tmp/got"; then
		fail "$1: the table is not what the file says"
		sed 's/^/    got: /' "$tmp/got"
	else
		pass "$1"
	fi
}

good tests/keys/ckpt-test.principals --test "count 3 test 1
1 admin save list restore delete info 26
2 app save list info d1
3 reader list info 7e"
good tests/ckpt/good/edge.principals "" "count 8 test 0
1 a save list restore delete info 6f
4294967295 fifteen_chars.x info ab
3 c save delete 33
4 d restore 44
5 e list 55
6 f list 66
7 g list 77
4294967294 h-8 list 88"
if table --none >"$tmp/got" && [ "$(cat "$tmp/got")" = "count 0 test 0" ]; then
	pass "--none: an empty table"
else
	fail "--none: an empty table"
fi

# The signer against the known answers recorded in tests/unit/test_ckpt_auth.c.
sign() { python3 tools/ckptsign.py --principals tests/keys/ckpt-test.principals --format mac "$@"; }
kat() { # want, then the signer's arguments
	want=$1
	shift
	got=$(sign "$@" 2>&1)
	if [ "$got" = "$want" ]; then
		pass "ckptsign.py $*"
	else
		fail "ckptsign.py $*: got $got, want $want"
	fi
}
kat 9c1438bf62fd0c4890f36ab5410e9c8ab0b39bbb653e93c9e44d23369e53f57e \
	--as admin --nonce 5 --id 0x1122334455667788 save --slot 2 --label before-fault --known-good
kat 73dd5e21a1ad2fe6dcd2678e99b253e40d0eb80afc34ceff95e784186568df20 --as reader --nonce 1 --id 9 list
kat aded8257128d79ed961167e6a69dbeb2b673d66996d3047d424cb6939bf90dd5 \
	--as app --nonce 0xfffffffffffffff0 --id 0xfedcba9876543210 info --arg tsc_hz
# The whole request: the signed fields in order, little-endian, then the MAC.
req=$(python3 tools/ckptsign.py --principal 3 --key tests/keys/ckpt-reader-test.key --nonce 1 --id 9 list)
want=0900000000000000020000000000000003000000000000000100000000000000000000000000000000000000000000000000000000000000
want=${want}73dd5e21a1ad2fe6dcd2678e99b253e40d0eb80afc34ceff95e784186568df20
if [ "$req" = "$want" ]; then pass "ckptsign.py: the 88 bytes"; else fail "ckptsign.py: the 88 bytes: $req"; fi

# The signer's numbers are the ABI's (include/hv_abi.h).
abi_same() {
	python3 - <<'PY'
import re, sys
sys.path.insert(0, "tools")
import ckptsign
abi = open("include/hv_abi.h").read()
def enum(name, prefix):
    body = re.search(r"enum %s \{(.*?)\}" % name, abi, re.S).group(1)
    return {m.group(1).lower(): int(m.group(2))
            for m in re.finditer(r"\b%s([A-Z_]+) = (\d+)," % prefix, body)}
ops = enum("hv_ckpt_op", "HV_CK_")
info = enum("hv_ckpt_info", "HV_CKI_")
flag = int(re.search(r"#define HV_CKF_KNOWN_GOOD (\d+)u", abi).group(1))
sys.exit(not (ops == ckptsign.OPS and info == ckptsign.INFO and flag == ckptsign.KNOWN_GOOD
              and ckptsign.SIGNED.size == int(re.search(r"HV_CKPT_REQ_SIGNED (\d+)u", abi).group(1))))
PY
}
if abi_same; then pass "ckptsign.py: ops, INFO fields, flags and the signed length are the ABI's"
else fail "ckptsign.py: ops, INFO fields, flags or the signed length differ from include/hv_abi.h"; fi

# --format c must give the same 88 bytes as the hex, for any label bytes
# (the test guest's requests are built from it).
c_same() { # the signer's arguments
	hex=$(python3 tools/ckptsign.py "$@") && c=$(python3 tools/ckptsign.py --format c "$@") || return 1
	bytes=$(printf '%s' "$hex" | sed 's/\(..\)/0x\1, /g')
	cat >"$tmp/c.c" <<C
#include <string.h>
#include "include/hv_abi.h"
static const struct hv_ckpt_req r = $c;
static const unsigned char want[] = { $bytes};
int main(void) { return sizeof(r) != sizeof(want) || memcmp(&r, want, sizeof(want)) != 0; }
C
	$CC -std=gnu11 -I. -Werror -Wall -o "$tmp/c" "$tmp/c.c" 2>"$tmp/stderr" && "$tmp/c"
}
K="--principal 2 --key tests/keys/ckpt-app-test.key --nonce 0x8000000000000001 --id 3"
# shellcheck disable=SC2086
if c_same $K save --slot 1 --label 'a "q" ?? \\ 1' --known-good &&
	c_same $K --flags 0xffffffff 999 --slot 0xffffffff --arg 0xffffffffffffffff \
		--label "$(printf 'x\0017\177\037y*012345')" &&
	c_same $K info --arg rollbacks; then
	pass "ckptsign.py --format c: the same bytes as the hex"
else
	fail "ckptsign.py --format c: not the same bytes as the hex"
fi

# What make compiles in by default (mk/ckpt.mk).
gen_for() { # make arguments: prints the generated table's first line of data
	make --no-print-directory -s BUILD="$tmp/b" "$@" "$tmp/b/gen/ckpt_principals.c" >/dev/null 2>&1 &&
		grep -E 'count =|are_test' "$tmp/b/gen/ckpt_principals.c" | tr -d '\t\n'
	rm -rf "$tmp/b"
}
case $(gen_for POLICY=appliance) in
*".count = 0 }"*"are_test = false"*) pass "make POLICY=appliance: no principals" ;;
*) fail "make POLICY=appliance: no principals" ;;
esac
case $(gen_for) in
*".count = 3u"*"are_test = true"*) pass "make: the test principals" ;;
*) fail "make: the test principals" ;;
esac
case $(gen_for POLICY=appliance CKPT_PRINCIPALS=tests/ckpt/good/edge.principals) in
*".count = 8u"*"are_test = false"*) pass "make POLICY=appliance CKPT_PRINCIPALS=...: that file" ;;
*) fail "make POLICY=appliance CKPT_PRINCIPALS=...: that file" ;;
esac
if make --no-print-directory -s BUILD="$tmp/b" CKPT_PRINCIPALS=tests/ckpt/bad/same_key.principals \
	"$tmp/b/gen/ckpt_principals.c" >/dev/null 2>"$tmp/stderr"; then
	fail "make CKPT_PRINCIPALS=<bad file>: the build went on"
elif grep -qF 'same_key.principals:3: same key' "$tmp/stderr"; then
	pass "make CKPT_PRINCIPALS=<bad file>: the build fails, naming the line"
else
	fail "make CKPT_PRINCIPALS=<bad file>: no message naming the line"
	sed 's/^/    got: /' "$tmp/stderr"
fi
rm -rf "$tmp/b"

suite_end
