#!/bin/sh
# Runs libFuzzer targets for a fixed time each and summarizes (mk/fuzz.mk).
#
#   tests/fuzz/run.sh BUILD_FUZZ_DIR SECONDS JOBS name:max_len ...
#
# Per target: the working corpus BUILD_FUZZ_DIR/corpus/<name> (kept between
# runs) gets the seeds of tests/fuzz/corpus/<name> added, the binary
# BUILD_FUZZ_DIR/bin/<name> runs for SECONDS (-max_total_time), its log
# goes to BUILD_FUZZ_DIR/logs/<name>.log and a crash input to
# BUILD_FUZZ_DIR/artifacts/<name>/.  JOBS targets run at a time.
# Writes BUILD_FUZZ_DIR/summary.txt ("fuzz <passed> <failed>") and
# BUILD_FUZZ_DIR/execs.txt ("<name> execs=<N>" per target); exits 1 if a
# target crashed or did not finish its run.
set -u

if [ "${1:-}" = "--one" ]; then
	dir=$2 secs=$3 spec=$4
	name=${spec%%:*} maxlen=${spec#*:}
	seeds=tests/fuzz/corpus/$name
	work=$dir/corpus/$name art=$dir/artifacts/$name log=$dir/logs/$name.log
	mkdir -p "$work" "$dir/logs" "$dir/results"
	rm -rf "$art" && mkdir -p "$art"
	[ -d "$seeds" ] && cp -n "$seeds"/* "$work"/ 2>/dev/null
	# A hung target is stopped well after its time (libFuzzer's own
	# -timeout catches slow single inputs first).
	# FUZZ_SEED (set by fuzz-smoke) fixes libFuzzer's random choices, so the
	# short run in make test takes the same path on every machine.
	timeout -k 5 $((secs + 60)) "$dir/bin/$name" -max_total_time="$secs" -max_len="$maxlen" \
		${FUZZ_SEED:+-seed=$FUZZ_SEED} -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$art/" \
		"$work" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9][0-9]*\).*/\1/p' "$log" | tail -n 1)
	crash=$(ls "$art" 2>/dev/null | head -n 1)
	if [ $rc -eq 0 ] && [ -z "$crash" ] && [ -n "$execs" ]; then
		res=pass
	else
		res=fail
	fi
	echo "$name $res ${execs:-0} $rc ${crash:+$art/$crash}" >"$dir/results/$name"
	exit 0
fi

dir=$1 secs=$2 jobs=$3
shift 3
rm -rf "$dir/results"
mkdir -p "$dir/results"
for spec in "$@"; do echo "$spec"; done | xargs -P "$jobs" -I{} "$0" --one "$dir" "$secs" {}

pass=0 fail=0
: >"$dir/execs.txt"
for spec in "$@"; do
	name=${spec%%:*}
	if [ -f "$dir/results/$name" ]; then
		read -r _ res execs rc crash <"$dir/results/$name"
	else
		res=fail execs=0 rc=? crash=
	fi
	echo "$name execs=$execs" >>"$dir/execs.txt"
	if [ "$res" = pass ]; then
		pass=$((pass + 1))
		printf '  PASS %-18s %10s execs in %ss\n' "$name" "$execs" "$secs"
	else
		fail=$((fail + 1))
		printf '  FAIL %-18s %10s execs, exit status %s (log: %s)\n' "$name" "$execs" "$rc" \
			"$dir/logs/$name.log"
		[ -n "$crash" ] && echo "       crash input: $crash (reproduce: $dir/bin/$name $crash)"
		grep -m 1 -E '^SUMMARY: ' "$dir/logs/$name.log" | sed 's/^/       /'
	fi
done
echo "fuzz $pass $fail" >"$dir/summary.txt"
echo "fuzz: $pass passed, $fail failed ($dir/summary.txt, $dir/execs.txt)"
[ "$fail" -eq 0 ]
