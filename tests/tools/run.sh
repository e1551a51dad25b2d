#!/bin/sh
# Decoder tests: tests/tools/run.sh DECODER SAMPLE_PROGRAM WORKDIR
#   DECODER         build/tools/hvlog-decode
#   SAMPLE_PROGRAM  build/tools/hvlog-sample (the real hv/log.c, fake platform)
#   WORKDIR         scratch directory (build/tools); gets summary.txt
# Prints PASS/FAIL lines and last "tools: N passed, M failed"; exits 1 on
# any failure.  Needs python3 (JSON checks).
set -u

if [ $# -ne 3 ]; then
	echo "usage: $0 DECODER SAMPLE_PROGRAM WORKDIR" >&2
	exit 1
fi
DEC=$1
SAMPLE=$2
WORK=$3/test
HERE=$(cd "$(dirname "$0")" && pwd)
SAMPLES=$HERE/samples
mkdir -p "$WORK"
pass=0
fail=0

ok() { echo "PASS $1"; pass=$((pass + 1)); }
ko() { echo "FAIL $1${2:+: $2}"; fail=$((fail + 1)); }

# decode NAME INPUT: runs the decoder on INPUT; output in $WORK/NAME.json,
# exit status in $rc.
decode() {
	"$DEC" "$2" >"$WORK/$1.json" 2>"$WORK/$1.err"
	rc=$?
}

# expect_rc NAME WANT
expect_rc() {
	if [ "$rc" -eq "$2" ]; then ok "$1 exit status $2"; else ko "$1 exit status" "got $rc, want $2"; fi
}

# check NAME PYTHON_EXPR: evaluates the expression over the decoder output
# $WORK/NAME.json.  Every line must be one JSON object, the last one the
# summary.  Names: objs, recs (records), errs, gaps, boots, S (summary).
check() {
	if out=$(python3 - "$WORK/$1.json" "$2" 2>&1 <<'EOF'
import json, sys
objs = []
with open(sys.argv[1], "rb") as f:
    for n, raw in enumerate(f, 1):
        assert raw.endswith(b"\n"), "line %d: no newline" % n
        o = json.loads(raw.decode("ascii"))
        assert isinstance(o, dict), "line %d: not an object" % n
        objs.append(o)
assert objs and list(objs[-1]) == ["summary"], "last line is not the summary"
assert all("summary" not in o for o in objs[:-1]), "summary before the end"
recs = [o for o in objs if "seq" in o]
errs = [o for o in objs if "error" in o]
gaps = [o["gap"] for o in objs if "gap" in o]
boots = [o["boot"] for o in objs if "boot" in o]
S = objs[-1]["summary"]
for r in recs:
    assert set(r) == {"seq", "t_us", "level", "cat", "name", "fields", "text", "crc_ok"}, r
    assert r["crc_ok"] is True and isinstance(r["fields"], dict)
assert S["records"] == len(recs) and S["gaps"] == len(gaps) and S["boots"] == len(boots)
assert S["crc_errors"] + S["malformed"] == len(errs)
assert S["missing"] == sum(g["missing"] for g in gaps)
if not eval(sys.argv[2]):
    sys.exit("expression is false: " + sys.argv[2])
EOF
	); then
		ok "$1 $2"
	else
		ko "$1 $2" "$(echo "$out" | tail -n 1)"
	fi
}

# --- logs made by the real logger ------------------------------------------
for m in basic overflow reboot; do
	if "$SAMPLE" $m >"$WORK/gen-$m.log"; then ok "hvlog-sample $m"; else ko "hvlog-sample $m"; fi
done

decode gen-basic "$WORK/gen-basic.log"
expect_rc gen-basic 0
check gen-basic 'S["records"] == 11 and S["boots"] == 1 and not errs and not gaps'
check gen-basic '[r["seq"] for r in recs] == list(range(11))'
check gen-basic '[r["cat"] for r in recs[1:9]] == ["event","event","decision","action","outcome","alarm","stat","tick"]'
check gen-basic 'recs[2]["level"] == "major" and recs[2]["name"] == "hang" and recs[2]["fields"] == {"missed": "2", "rip": "0x100123"}'
check gen-basic 'recs[0]["fields"]["cmdline"] == "ticklog=10 name='"'"'x'"'"'"'
check gen-basic 'recs[6]["fields"]["cause"] == "too many resets" and recs[6]["level"] == "emerg"'
check gen-basic 'recs[9]["text"].endswith("z...") and len(recs[9]["text"]) > 200'
check gen-basic 'recs[10]["text"] == "odd a?b=? tab=? end"'
check gen-basic 'all(b["t_us"] >= a["t_us"] for a, b in zip(recs, recs[1:]))'

decode gen-overflow "$WORK/gen-overflow.log"
expect_rc gen-overflow 2
# the first drop is reported at once (the report may take one reserved
# slot), the other six once the ring has been written out
check gen-overflow '[g["missing"] for g in gaps] == [1, 6] and S["missing"] == 7'
check gen-overflow 'S["dropped_reported"] == 7 and not errs'
check gen-overflow '[r["fields"] for r in recs if r["name"] == "log_dropped"] == [{"count": "1", "total": "1"}, {"count": "6", "total": "7"}]'
check gen-overflow '[r["seq"] for r in recs if r["name"] == "log_dropped"] == [g["next"] for g in gaps]'
check gen-overflow '[r for r in recs if r["name"] == "log_dropped"][0]["level"] == "major"'

decode gen-reboot "$WORK/gen-reboot.log"
expect_rc gen-reboot 0
check gen-reboot 'S["boots"] == 2 and boots == [1, 2] and S["records"] == 18 and not gaps'

# The real logger's output inside firmware noise, one record damaged.
{
	printf '\033[2J\033[01;01HBdsDxe: starting Boot0001\r\n'
	head -n 3 "$WORK/gen-basic.log"
	sed -n 4p "$WORK/gen-basic.log" | sed 's/decision/decisiom/'
	printf 'noise before the record: '
	tail -n +5 "$WORK/gen-basic.log"
} >"$WORK/gen-mixed.log"
decode gen-mixed "$WORK/gen-mixed.log"
expect_rc gen-mixed 2
check gen-mixed 'S["records"] == 10 and S["crc_errors"] == 1 and gaps == [{"after": 2, "next": 4, "missing": 1}]'

# --- hand-made samples (tests/tools/make-samples.py) -------------------------
decode noise "$SAMPLES/noise.log"
expect_rc noise 0
check noise 'S == {"records": 5, "crc_errors": 0, "malformed": 0, "gaps": 0, "missing": 0, "boots": 1, "dropped_reported": 0}'
check noise 'recs[3]["fields"] == {"cause": "a b c", "empty": "", "x": "unterminated"}'
check noise 'recs[4]["level"] == "emerg" and recs[4]["cat"] == "alarm"'

decode corrupt "$SAMPLES/corrupt.log"
expect_rc corrupt 2
check corrupt 'S["crc_errors"] == 1 and errs[0]["error"] == "crc" and "missed=3" in errs[0]["line"]'
check corrupt 'gaps == [{"after": 1, "next": 3, "missing": 1}] and S["records"] == 4'

decode gap "$SAMPLES/gap.log"
expect_rc gap 2
check gap 'gaps == [{"after": 2, "next": 5, "missing": 2}] and S["missing"] == 2 and not errs'
check gap 'objs.index({"gap": gaps[0]}) == objs.index(recs[3]) - 1'

decode restart "$SAMPLES/restart.log"
expect_rc restart 2
check restart 'boots == [1, 2] and objs[4] == {"boot": 2} and recs[3]["seq"] == 0'
check restart 'gaps == [{"after": 5, "next": 3, "missing": 0}]'

decode malformed "$SAMPLES/malformed.log"
expect_rc malformed 2
check malformed 'S["malformed"] == 7 and S["crc_errors"] == 1'
check malformed '[r["seq"] for r in recs] == [0, 2, 3]'
check malformed 'errs[-1] == {"error": "malformed", "line": "HV1 4 4 info lo"}'
check malformed 'any(e["error"] == "crc" and "cut" in e["line"] for e in errs)'

# A real capture: OVMF + the hypervisor under QEMU (tests/e2e qemu-uefi-basic).
decode qemu-uefi "$SAMPLES/qemu-uefi-com1.log"
expect_rc qemu-uefi 0
check qemu-uefi 'S["records"] == 12 and S["boots"] == 1 and recs[0]["fields"]["boot"] == "uefi"'

decode empty "$SAMPLES/empty.log"
expect_rc empty 0
check empty 'len(objs) == 1 and S["records"] == 0 and S["boots"] == 0'

# stdin, and "-"
"$DEC" <"$SAMPLES/gap.log" >"$WORK/stdin.json" 2>/dev/null
rc=$?
expect_rc stdin 2
check stdin 'S["records"] == 5'
"$DEC" - <"$SAMPLES/noise.log" >"$WORK/dash.json" 2>/dev/null
rc=$?
expect_rc dash 0

# --- robustness ----------------------------------------------------------------
# Random bytes with tags, damaged copies of real records, a 100 kB line.
python3 - "$WORK/gen-basic.log" "$WORK/fuzz.log" <<'EOF'
import random, sys
rnd = random.Random(1234)
real = open(sys.argv[1], "rb").read().split(b"\n")
out = bytearray()
for i in range(3000):
    k = rnd.randrange(6)
    if k == 0:
        out += bytes(rnd.randrange(256) for _ in range(rnd.randrange(300)))
    elif k == 1:
        out += b"HV1 " + bytes(rnd.randrange(256) for _ in range(rnd.randrange(60)))
    elif k == 2:
        line = bytearray(rnd.choice(real))
        if line:
            line[rnd.randrange(len(line))] = rnd.randrange(256)
        out += line
    elif k == 3:
        out += rnd.choice(real)[: rnd.randrange(80)]
    elif k == 4:
        out += b"HV1 " * rnd.randrange(40) + b'x="' * rnd.randrange(40) + b"=" * rnd.randrange(40)
    else:
        out += b"HV1 18446744073709551616 99999999999999999999 info log x *00000000"
    out += rnd.choice([b"\n", b"\r\n", b"\r", b""])
out += b"A" * 100000 + real[0] + b"\n"
open(sys.argv[2], "wb").write(bytes(out))
EOF
decode fuzz "$WORK/fuzz.log"
if [ "$rc" -eq 0 ] || [ "$rc" -eq 2 ]; then ok "fuzz exit status $rc"; else ko "fuzz exit status" "got $rc"; fi
check fuzz 'recs[-1]["text"].startswith("hypervisor starting")'

# --- usage and I/O errors ------------------------------------------------------------
"$DEC" "$WORK/does-not-exist.log" >/dev/null 2>&1
rc=$?
expect_rc missing-file 1
"$DEC" a b >/dev/null 2>&1
rc=$?
expect_rc two-args 1
"$DEC" -x >/dev/null 2>&1
rc=$?
expect_rc bad-option 1
"$DEC" --help >/dev/null 2>&1
rc=$?
expect_rc help 0
"$DEC" "$WORK" >/dev/null 2>&1
rc=$?
expect_rc directory 1

echo "tools $pass $fail" >"$3/summary.txt"
echo "tools: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
