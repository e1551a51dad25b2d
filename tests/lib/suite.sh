# Shared by the build-time compilers' test scripts (tests/policy/run.sh,
# tests/ckpt/run.sh); sourced, POSIX sh.
#   suite_init NAME   a scratch directory $tmp (removed at exit), the
#                     counters, pass/fail printing "PASS NAME: <case>"
#   bad_case FILE OUT... -- COMMAND...
#                     FILE's first line is "# expect: TEXT"; COMMAND must
#                     exit with status 1, print TEXT on stderr and leave
#                     none of the OUT files (each made stale first)
#   suite_end         prints "NAME: N passed, M failed"; fails if M > 0

suite_init() {
	suite=$1
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	passed=0
	failed=0
}

pass() { echo "PASS $suite: $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $suite: $1"; failed=$((failed + 1)); }

bad_case() {
	f=$1
	shift
	outs=
	while [ "$1" != "--" ]; do
		outs="$outs $1"
		shift
	done
	shift
	expect=$(sed -n '1s/^# expect: //p' "$f")
	if [ -z "$expect" ]; then
		fail "$f: first line is not '# expect: TEXT'"
		return
	fi
	# A stale output from an earlier run must not survive the failure.
	for o in $outs; do echo stale >"$o"; done
	"$@" >"$tmp/stdout" 2>"$tmp/stderr"
	rc=$?
	left=
	for o in $outs; do [ -e "$o" ] && left=1; done
	if [ $rc -ne 1 ]; then
		fail "$f: exit status $rc, want 1"
		sed 's/^/    /' "$tmp/stderr"
	elif ! grep -qF -- "$expect" "$tmp/stderr"; then
		fail "$f: stderr lacks: $expect"
		sed 's/^/    got: /' "$tmp/stderr"
	elif [ -n "$left" ]; then
		fail "$f: rejected, but left the output file in place"
	else
		pass "$f"
	fi
	for o in $outs; do rm -f "$o"; done
}

suite_end() {
	echo "$suite: $passed passed, $failed failed"
	[ $failed -eq 0 ]
}
