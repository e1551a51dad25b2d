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
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0

pass() { echo "PASS policy: $1"; passed=$((passed + 1)); }
fail() { echo "FAIL policy: $1"; failed=$((failed + 1)); }

for f in tests/policy/bad/*.policy; do
	[ -e "$f" ] || continue
	expect=$(sed -n '1s/^# expect: //p' "$f")
	if [ -z "$expect" ]; then
		fail "$f: first line is not '# expect: TEXT'"
		continue
	fi
	# A stale table from an earlier run must not survive the failure.
	echo stale >"$tmp/out.c"
	python3 "$COMPILER" "$f" -o "$tmp/out.c" >"$tmp/stdout" 2>"$tmp/stderr"
	rc=$?
	if [ $rc -ne 1 ]; then
		fail "$f: exit status $rc, want 1"
		sed 's/^/    /' "$tmp/stderr"
	elif ! grep -qF -- "$expect" "$tmp/stderr"; then
		fail "$f: stderr lacks: $expect"
		sed 's/^/    got: /' "$tmp/stderr"
	elif [ -e "$tmp/out.c" ]; then
		fail "$f: rejected, but left the output file in place"
	else
		pass "$f"
	fi
	rm -f "$tmp/out.c"
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

echo "policy: $passed passed, $failed failed"
[ $failed -eq 0 ]
