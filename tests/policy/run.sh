#!/bin/sh
# Tests for tools/policy_compile.py (docs/policy.md).
#   bad/*.policy    must fail with exit status 1, and stderr must contain
#                   the text after "# expect: " on the fixture's first line
#   policy/*.policy and good/*.policy
#                   must compile, and gcc must accept the generated C
# POLICY_COMPILER=path tests another compiler (e.g. a deliberately broken one).
# Prints PASS/FAIL per case and last "policy: N passed, M failed"; exit 1
# if anything failed.  Run from anywhere; works in the repository root.
set -u
cd "$(dirname "$0")/../.." || exit 1

COMPILER=${POLICY_COMPILER:-tools/policy_compile.py}
CC=${CC:-gcc}
. tests/lib/suite.sh
suite_init policy

for f in tests/policy/bad/*.policy; do
	[ -e "$f" ] || continue
	bad_case "$f" "$tmp/out.c" -- python3 "$COMPILER" "$f" -o "$tmp/out.c"
done

for f in policy/*.policy tests/policy/good/*.policy; do
	[ -e "$f" ] || continue
	if ! python3 "$COMPILER" "$f" -o "$tmp/out.c" 2>"$tmp/stderr"; then
		fail "$f: rejected"
		sed 's/^/    /' "$tmp/stderr"
	elif ! $CC -fsyntax-only -std=gnu11 -I. -Werror -Wall -Wextra -x c "$tmp/out.c" \
			2>"$tmp/stderr"; then
		fail "$f: gcc rejects the generated C"
		sed 's/^/    /' "$tmp/stderr"
	else
		pass "$f"
	fi
	rm -f "$tmp/out.c"
done

# dump= reaches the table, rule by rule (the hypervisor reads .dump).
f=tests/policy/good/edge.policy
if python3 "$COMPILER" "$f" -o "$tmp/out.c" 2>/dev/null &&
	tr -d '\n\t' <"$tmp/out.c" | grep -q '"low_text",[^}]*\.dump = DUMP_MINI,' &&
	tr -d '\n\t' <"$tmp/out.c" | grep -q '"high_text",[^}]*\.dump = DUMP_FULL,' &&
	tr -d '\n\t' <"$tmp/out.c" | grep -q '"any_bad_report",[^}]*\.dump = DUMP_NONE,'; then
	pass "$f: dump levels carried into the table"
else
	fail "$f: dump levels not carried into the table"
fi
rm -f "$tmp/out.c"

suite_end
