#!/usr/bin/env python3
"""Compile a fault policy file (docs/policy.md) into a C table.

    python3 tools/policy_compile.py policy/default.policy -o build/gen/policy_table.c

Without -o the file is only checked; "-o -" writes the C to stdout.
Errors go to stderr as "FILE:LINE: rule NAME: what" (or "FILE:LINE: what"
for lines that are not rules); the exit status is then 1 and no output
file is left behind.  Python 3 standard library only.
"""

import argparse
import os
import re
import sys
import tempfile

EVENTS = ["exception", "panic", "low_memory", "assert", "bad_report", "hang",
          "soft_lockup", "triple_fault", "mem_violation", "stub_silent", "blocked_io",
          "blocked_msr", "unhandled_exit", "entry_failed"]
# After these the vCPU cannot run again without a reset (hv/policy.h
# fault_needs_restart): a rule for them must reset or park.
EVENTS_NEED_RESTART = ["unhandled_exit", "entry_failed"]
EVENT_C = {e: "FAULT_" + e.upper() for e in EVENTS}

ACTIONS = ["log", "handback", "reset", "park", "rollback"]
ACTION_C = {a: "ACT_" + a.upper() for a in ACTIONS}
# Ladder steps in escalation order; "log" never times out, so it is no step.
# rollback (docs/checkpoints.md): back to the newest known-good checkpoint;
# with none at the time the ladder goes on to its next step.
LADDER_ORDER = ["handback", "rollback", "reset", "park"]
LADDER_MAX = 4

ALARMS = ["info", "minor", "major", "emergency"]
ALARM_C = {a: "ALARM_" + a.upper() for a in ALARMS}
# An omitted alarm= follows the weight of the action.
ALARM_DEFAULT = {"log": "info", "handback": "minor", "reset": "major", "park": "emergency",
                 "rollback": "major"}

STUBS = {"any": "STUB_ANY", "up": "STUB_UP", "down": "STUB_DOWN"}
RECORDS = {"report": "REC_REPORT", "regs": "REC_REGS", "shared": "REC_SHARED"}

# enum hv_command_op (include/hv_abi.h)
COMMANDS = {"cleanup": "HV_CMD_CLEANUP", "restart_task": "HV_CMD_RESTART_TASK",
            "reinit_driver": "HV_CMD_REINIT_DRIVER", "restart_module": "HV_CMD_RESTART_MODULE"}
USER_CMD_MAX = 155  # HV_CMD_USER_BASE (100) + 155 = 255

MATCH_KEYS = ["event", "vector", "module", "rip", "stub"]
OUTCOME_KEYS = ["arg", "deadline", "alarm", "record", "dump", "slot"]
CKPT_SLOTS_MAX = 8  # HV_CKPT_SLOTS_MAX (include/hv_abi.h)
# dump= levels (hv/policy.h enum policy_dump; docs/dumps.md).  Only the
# actions that end the guest's current life may dump: the dump is taken
# while the guest is stopped, and a guest that goes on after a log or a
# hand-back would find its clock and watchdog jumped by the dump's time.
DUMPS = {"none": "DUMP_NONE", "mini": "DUMP_MINI", "full": "DUMP_FULL", "kernel": "DUMP_KERNEL"}
DUMP_ACTIONS = ("reset", "park")

# One hour: a stub whose kernel boots slowly (Debian's Linux under Bochs takes
# some 15 minutes of hypervisor time to reach its init) must still make the
# hello deadline after a reset.
DEADLINE_MAX = 3600000
WINDOW_MAX = 86400000  # one day
RESTART_MAX_LIMIT = 16  # hv/policy.h
MODULE_LEN_MAX = 15  # struct hv_report.module holds 15 characters + NUL
U64_MAX = (1 << 64) - 1

IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
DEC = re.compile(r"[0-9]+\Z")
HEX = re.compile(r"(0[xX])?[0-9a-fA-F]+\Z")


class PolicyError(Exception):
    pass


def one_of(values):
    return ", ".join(values)


def shown(text):
    """A value as an error message quotes it: long ones cut short."""
    return text if len(text) <= 24 else text[:20] + "..."


def to_int(text, base, what, lo, hi):
    """int(text, base), refusing before the conversion a number with more
    digits than any 64-bit value has (Python refuses very long ones with
    an exception of its own)."""
    digits = (text[2:] if base == 16 else text).lstrip("0")
    if len(digits) > (16 if base == 16 else 20):
        raise PolicyError(f"{what} {shown(text)} out of range ({lo}-{hi})")
    return int(text, base)


def parse_dec(text, what, lo, hi):
    if not DEC.match(text):
        raise PolicyError(f"{what} must be a decimal number, got '{shown(text)}'")
    v = to_int(text, 10, what, lo, hi)
    if not lo <= v <= hi:
        raise PolicyError(f"{what} {v} out of range ({lo}-{hi})")
    return v


def parse_int(text, what, lo, hi):
    """Decimal, or hex with a 0x prefix."""
    if text[:2].lower() == "0x" and HEX.match(text):
        v = to_int(text, 16, what, lo, hi)
    elif DEC.match(text):
        v = to_int(text, 10, what, lo, hi)
    else:
        raise PolicyError(f"{what} must be a number (decimal or 0x hex), got '{shown(text)}'")
    if not lo <= v <= hi:
        raise PolicyError(f"{what} {shown(text)} out of range ({lo}-{hi})")
    return v


def parse_hex(text, what):
    if not HEX.match(text):
        raise PolicyError(f"{what}: '{shown(text)}' is not a hex number")
    digits = (text[2:] if text[:2].lower() == "0x" else text).lstrip("0")
    if len(digits) > 16:
        raise PolicyError(f"{what}: '{shown(text)}' does not fit 64 bits")
    v = int(text, 16)
    if v > U64_MAX:
        raise PolicyError(f"{what}: '{shown(text)}' does not fit 64 bits")
    return v


def split_kv(tok):
    if "=" not in tok:
        raise PolicyError(f"expected KEY=VALUE, got '{tok}'")
    k, v = tok.split("=", 1)
    if not k:
        raise PolicyError(f"expected KEY=VALUE, got '{tok}'")
    return k, v


class Rule:
    def __init__(self, name, line):
        self.name = name
        self.line = line
        self.event = None
        self.vector = -1
        self.module = None
        self.rip = None  # (start, end) or None = any
        self.stub = "any"
        self.action = None
        self.command = None  # C expression
        self.command_text = None
        self.arg = 0  # int, or "module"
        self.deadline = 0
        self.alarm = None
        self.record = []
        self.dump = "none"
        self.slot = None  # rollback: a named slot; None = the newest known-good

    def match_key(self):
        return (self.event, self.vector, self.module, self.rip, self.stub)

    def outcome(self):
        return (self.action, self.command, self.arg, self.deadline, self.alarm,
                tuple(sorted(self.record)), self.dump, self.slot)

    def outcome_text(self):
        s = self.action
        if self.command_text:
            s += " " + self.command_text
            if self.arg != 0:
                s += f" arg={self.arg}"
        if self.slot is not None:
            s += f" slot={self.slot}"
        if self.deadline:
            s += f" deadline={self.deadline}"
        s += f" alarm={self.alarm}"
        s += " record=" + (",".join(self.record) if self.record else "none")
        if self.dump != "none":
            s += f" dump={self.dump}"
        return s

    def is_catch_all(self):
        return self.vector == -1 and self.module is None and self.rip is None and self.stub == "any"

    def covers(self, other, ignore_stub=False):
        """True if self matches every event that other matches."""
        if self.event != other.event:
            return False
        if self.vector != -1 and self.vector != other.vector:
            return False
        if self.module is not None and self.module != other.module:
            return False
        if self.rip is not None:
            if other.rip is None:
                return False
            if not (self.rip[0] <= other.rip[0] and other.rip[1] <= self.rip[1]):
                return False
        if not ignore_stub and self.stub != "any" and self.stub != other.stub:
            return False
        return True


def parse_match(rule, key, val):
    if key == "event":
        if val not in EVENTS:
            raise PolicyError(f"unknown event '{val}' (expected {one_of(EVENTS)})")
        rule.event = val
    elif key == "vector":
        rule.vector = parse_int(val, "vector", 0, 255)
    elif key == "module":
        if not IDENT.match(val):
            raise PolicyError(f"module '{val}' is not an identifier")
        if len(val) > MODULE_LEN_MAX:
            raise PolicyError(f"module '{val}' longer than {MODULE_LEN_MAX} characters "
                              "(the guest report's module field)")
        rule.module = val
    elif key == "rip":
        parts = val.split("-")
        if len(parts) != 2 or not parts[0] or not parts[1]:
            raise PolicyError(f"rip must be START-END in hex, got '{shown(val)}'")
        start, end = parse_hex(parts[0], "rip start"), parse_hex(parts[1], "rip end")
        if start >= end:
            raise PolicyError(f"rip range {val} is empty (START must be below END)")
        rule.rip = (start, end)
    elif key == "stub":
        if val not in STUBS:
            raise PolicyError(f"stub must be up, down or any, got '{val}'")
        rule.stub = val


def parse_outcome(rule, key, val):
    if key == "arg":
        if rule.action != "handback":
            raise PolicyError(f"arg= applies only to handback, not {rule.action}")
        rule.arg = "module" if val == "module" else parse_int(val, "arg", 0, U64_MAX - 1)
    elif key == "slot":
        if rule.action != "rollback":
            raise PolicyError(f"slot= applies only to rollback, not {rule.action}")
        rule.slot = parse_dec(val, "slot", 0, CKPT_SLOTS_MAX - 1)
    elif key == "deadline":
        if rule.action in ("log", "park", "rollback"):
            raise PolicyError(f"deadline= does not apply to {rule.action}")
        rule.deadline = parse_dec(val, "deadline", 1, DEADLINE_MAX)
    elif key == "alarm":
        if val not in ALARMS:
            raise PolicyError(f"unknown alarm '{val}' (expected {one_of(ALARMS)})")
        rule.alarm = val
    elif key == "dump":
        if val not in DUMPS:
            raise PolicyError(f"unknown dump level '{shown(val)}' (expected {one_of(DUMPS)})")
        if val != "none" and rule.action not in DUMP_ACTIONS:
            raise PolicyError(f"dump= applies only to {' and '.join(DUMP_ACTIONS)}, not "
                              f"{rule.action} (a dump stops the guest while it is taken)")
        rule.dump = val
    elif key == "record":
        if val == "none":
            return
        for item in val.split(","):
            if item not in RECORDS:
                raise PolicyError(f"unknown record item '{item}' "
                                  f"(expected a comma list of {one_of(RECORDS)}, or none)")
            if item in rule.record:
                raise PolicyError(f"record item '{item}' listed twice")
            rule.record.append(item)


def parse_command(rule, tok):
    if tok in COMMANDS:
        rule.command = COMMANDS[tok]
    elif tok.startswith("user:"):
        n = parse_dec(tok[5:], "user command", 0, USER_CMD_MAX)
        rule.command = f"HV_CMD_USER_BASE + {n}"
    else:
        raise PolicyError(f"unknown command '{tok}' (expected {one_of(COMMANDS)}, "
                          f"user:N with N 0-{USER_CMD_MAX})")
    rule.command_text = tok


def take_key(tok, seen, allowed, what, misplaced, misplaced_msg):
    """KEY=VALUE from one side of '->': known there, not from the other
    side, and not given twice."""
    key, val = split_kv(tok)
    if key in misplaced:
        raise PolicyError(misplaced_msg.format(key=key))
    if key not in allowed:
        raise PolicyError(f"unknown {what} '{key}' (expected {one_of(allowed)})")
    if key in seen:
        raise PolicyError(f"duplicate key '{key}'")
    seen.add(key)
    return key, val


def parse_rule_body(rule, toks):
    if toks.count("->") == 0:
        raise PolicyError("missing '->' between the match keys and the action")
    if toks.count("->") > 1:
        raise PolicyError("more than one '->'")
    arrow = toks.index("->")
    seen = set()
    for tok in toks[:arrow]:
        key, val = take_key(tok, seen, MATCH_KEYS, "match key",
                            OUTCOME_KEYS, f"'{{key}}' belongs after '->'")
        parse_match(rule, key, val)
    if rule.event is None:
        raise PolicyError("missing event= (every rule matches one event type)")
    if rule.vector != -1 and rule.event != "exception":
        raise PolicyError(f"vector= applies only to event=exception, not {rule.event}")

    rest = toks[arrow + 1:]
    if not rest:
        raise PolicyError(f"missing action after '->' (expected {one_of(ACTIONS)})")
    action = rest.pop(0)
    if action not in ACTIONS:
        raise PolicyError(f"unknown action '{action}' (expected {one_of(ACTIONS)})")
    rule.action = action
    if action == "handback":
        if not rest or "=" in rest[0]:
            raise PolicyError(f"handback needs a command ({one_of(COMMANDS)}, user:N)")
        parse_command(rule, rest.pop(0))
    for tok in rest:
        if "=" not in tok:
            if tok in COMMANDS or tok.startswith("user:"):
                raise PolicyError(f"command '{tok}' applies only to handback, not {action}")
            raise PolicyError(f"unexpected '{tok}' after the action (expected KEY=VALUE)")
        key, val = take_key(tok, seen, OUTCOME_KEYS, "key",
                            MATCH_KEYS, "match key '{key}' belongs before '->'")
        parse_outcome(rule, key, val)
    if rule.event in EVENTS_NEED_RESTART and action not in ("reset", "park", "rollback"):
        raise PolicyError(f"event={rule.event} needs reset, rollback or park: the guest cannot run "
                          f"again without a restart, so {action} would leave it stopped")
    if action in ("handback", "reset") and not rule.deadline:
        raise PolicyError(f"missing deadline= (required for {action}: 1-{DEADLINE_MAX} ms)")
    if rule.alarm is None:
        rule.alarm = ALARM_DEFAULT[action]


class Policy:
    def __init__(self, path):
        self.path = path
        self.errors = []
        self.name = None
        self.ladder = None
        self.restart = None  # (max, window, backoff)
        self.hello = None
        self.snapshot = False  # `snapshot hello`: a reset restores the first hello's snapshot
        self.rules = []
        self.seen = {}  # directive -> first line
        self.last_line = 1

    def error(self, line, msg, rule=None):
        where = f"{self.path}:{line}: "
        if rule is not None:
            where += f"rule {rule}: "
        self.errors.append(where + msg)

    def once(self, word, line):
        if word in self.seen:
            raise PolicyError(f"duplicate '{word}' line (first at line {self.seen[word]})")
        self.seen[word] = line

    def parse_kvs(self, toks, keys, what):
        vals = {}
        for tok in toks:
            k, v = split_kv(tok)
            if k not in keys:
                raise PolicyError(f"{what}: unknown key '{k}' (expected {one_of(keys)})")
            if k in vals:
                raise PolicyError(f"{what}: duplicate key '{k}'")
            vals[k] = v
        for k in keys:
            if k not in vals:
                raise PolicyError(f"{what}: missing {k}= ({what} {' '.join(x + '=N' for x in keys)})")
        return vals

    def parse_ladder(self, steps):
        if not steps:
            raise PolicyError(f"ladder: no steps (e.g. ladder {' '.join(LADDER_ORDER)})")
        for i, s in enumerate(steps):
            if s not in LADDER_ORDER:
                raise PolicyError(f"ladder: unknown step '{s}' (expected {one_of(LADDER_ORDER)})")
            if s in steps[:i]:
                raise PolicyError(f"ladder: duplicate step '{s}'")
            if i and LADDER_ORDER.index(s) < LADDER_ORDER.index(steps[i - 1]):
                raise PolicyError(f"ladder: '{s}' after '{steps[i - 1]}' is not an escalation "
                                  f"(order: {one_of(LADDER_ORDER)})")
        return steps

    def parse_line(self, lineno, toks):
        word = toks[0]
        if word == "policy":
            self.once(word, lineno)
            if len(toks) != 2 or not IDENT.match(toks[1]):
                raise PolicyError("expected 'policy NAME' (NAME an identifier)")
            self.name = toks[1]
        elif word == "ladder":
            self.once(word, lineno)
            self.ladder = self.parse_ladder(toks[1:])
        elif word == "restart":
            self.once(word, lineno)
            v = self.parse_kvs(toks[1:], ["max", "window", "backoff"], "restart")
            rmax = parse_dec(v["max"], "restart max", 1, RESTART_MAX_LIMIT)
            window = parse_dec(v["window"], "restart window", 1, WINDOW_MAX)
            backoff = parse_dec(v["backoff"], "restart backoff", 0, window)
            self.restart = (rmax, window, backoff)
        elif word == "hello":
            self.once(word, lineno)
            if toks[1:] == ["none"]:
                self.hello = 0  # a guest without a stub: no hello expected
            elif "none" in toks[1:]:
                raise PolicyError("hello: 'none' stands alone (hello none, or hello deadline=MS)")
            else:
                v = self.parse_kvs(toks[1:], ["deadline"], "hello")
                self.hello = parse_dec(v["deadline"], "hello deadline", 1, DEADLINE_MAX)
        elif word == "snapshot":
            self.once(word, lineno)
            if toks[1:] != ["hello"]:
                raise PolicyError("expected 'snapshot hello' (a checkpoint at the stub's first "
                                  "hello; a reset restores it)")
            self.snapshot = True
        elif word == "rule":
            self.parse_rule(lineno, toks)
        else:
            raise PolicyError(f"unknown line '{word}' (expected policy, ladder, restart, hello, snapshot, rule)")

    def parse_rule(self, lineno, toks):
        if len(toks) < 2 or not toks[1].endswith(":"):
            raise PolicyError("expected 'rule NAME: MATCH... -> ACTION ...'")
        name = toks[1][:-1]
        if not IDENT.match(name):
            raise PolicyError(f"rule name '{name}' is not an identifier")
        rule = Rule(name, lineno)
        try:
            parse_rule_body(rule, toks[2:])
        except PolicyError as e:
            self.error(lineno, str(e), name)
            return
        self.rules.append(rule)

    def parse(self, text):
        lines = text.split("\n")
        self.last_line = max(1, len(lines) - (1 if lines and lines[-1] == "" else 0))
        for lineno, raw in enumerate(lines, 1):
            toks = raw.split("#", 1)[0].split()
            if not toks:
                continue
            try:
                self.parse_line(lineno, toks)
            except PolicyError as e:
                self.error(lineno, str(e))

    def check_lines(self):
        end = self.last_line
        if self.name is None:
            self.error(end, "missing 'policy NAME' line")
        if self.ladder is None:
            self.error(end, "missing 'ladder' line (e.g. ladder handback reset park)")
        if self.restart is None:
            self.error(end, "missing 'restart' line (restart max=N window=MS backoff=MS)")
        if self.hello is None:
            self.error(end, "missing 'hello' line (hello deadline=MS, or hello none)")

    def check_rules(self):
        names = {}
        for r in self.rules:
            if r.name in names:
                self.error(r.line, f"duplicate rule name (first at line {names[r.name]})", r.name)
            else:
                names[r.name] = r.line
        for i, r in enumerate(self.rules):
            msg = self.conflict(r, self.rules[:i])
            if msg:
                self.error(r.line, msg, r.name)
        for ev in EVENTS:
            if not any(r.event == ev and r.is_catch_all() for r in self.rules):
                self.error(self.last_line, f"event '{ev}' has no catch-all rule "
                           f"(add: rule any_{ev}: event={ev} -> ACTION ...)")

    @staticmethod
    def conflict(r, earlier):
        """What makes r contradictory or unreachable given the earlier rules."""
        for e in earlier:
            if e.match_key() == r.match_key():
                if e.outcome() != r.outcome():
                    return (f"contradicts rule {e.name} (line {e.line}): same match keys, "
                            f"but '{r.outcome_text()}' vs '{e.outcome_text()}'")
                return f"duplicates rule {e.name} (line {e.line}): same match keys and outcome"
        for e in earlier:
            if e.covers(r):
                return (f"unreachable: earlier rule {e.name} (line {e.line}) "
                        "matches every event it matches")
        # stub=up and stub=down rules that otherwise cover r leave nothing for it.
        if r.stub == "any":
            up = [e for e in earlier if e.stub == "up" and e.covers(r, ignore_stub=True)]
            down = [e for e in earlier if e.stub == "down" and e.covers(r, ignore_stub=True)]
            if up and down:
                return (f"unreachable: earlier rules {up[0].name} (line {up[0].line}) and "
                        f"{down[0].name} (line {down[0].line}) together match every event "
                        "it matches")
        return None

    def check(self):
        # Cross-rule checks on a partly parsed file would only add noise.
        if self.errors:
            return
        self.check_lines()
        self.check_rules()


def c_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def emit(pol, symbol="policy"):
    out = []
    w = out.append
    w(f"/* Generated by tools/policy_compile.py from {pol.path}: do not edit. */")
    w('#include "hv/policy.h"')
    w('#include "include/hv_abi.h"')
    w("")
    w(f"static const struct policy_rule {symbol}_rules[] = {{")
    for r in pol.rules:
        w("\t{")
        w(f"\t\t.name = {c_str(r.name)},")
        w(f"\t\t.where = {c_str(f'{pol.path}:{r.line}')},")
        w(f"\t\t.event = {EVENT_C[r.event]},")
        w(f"\t\t.vector = {r.vector},")
        w(f"\t\t.module = {c_str(r.module) if r.module else 'NULL'},")
        if r.rip:
            w(f"\t\t.rip_start = {r.rip[0]:#x}ull,")
            w(f"\t\t.rip_end = {r.rip[1]:#x}ull,")
        w(f"\t\t.stub = {STUBS[r.stub]},")
        w(f"\t\t.action = {ACTION_C[r.action]},")
        if r.command:
            w(f"\t\t.command = {r.command},")
            arg = "POLICY_ARG_MODULE" if r.arg == "module" else f"{r.arg:#x}ull"
            w(f"\t\t.command_arg = {arg},")
        if r.action == "rollback":
            slot = "POLICY_SLOT_KNOWN_GOOD" if r.slot is None else f"{r.slot}u"
            w(f"\t\t.command_arg = {slot},")
        w(f"\t\t.deadline_ms = {r.deadline},")
        w(f"\t\t.alarm = {ALARM_C[r.alarm]},")
        rec = " | ".join(RECORDS[x] for x in r.record) if r.record else "0"
        w(f"\t\t.record = {rec},")
        w(f"\t\t.dump = {DUMPS[r.dump]},")
        w("\t},")
    w("};")
    w("")
    rmax, window, backoff = pol.restart
    w(f"_Static_assert({rmax} <= RESTART_MAX_LIMIT, \"restart max above RESTART_MAX_LIMIT\");")
    w(f"_Static_assert({len(pol.ladder)} <= POLICY_LADDER_MAX, \"ladder too long\");")
    w("")
    w(f"const struct policy_config {symbol} = {{")
    w(f"\t.name = {c_str(pol.name)},")
    w(f"\t.rules = {symbol}_rules,")
    w(f"\t.rule_count = sizeof({symbol}_rules) / sizeof({symbol}_rules[0]),")
    w(f"\t.ladder = {{ {', '.join(ACTION_C[s] for s in pol.ladder)} }},")
    w(f"\t.ladder_len = {len(pol.ladder)},")
    w(f"\t.restart_max = {rmax},")
    w(f"\t.restart_window_ms = {window},")
    w(f"\t.backoff_ms = {backoff},")
    w(f"\t.hello_deadline_ms = {pol.hello},")
    w(f"\t.snapshot_restart = {'true' if pol.snapshot else 'false'},")
    w("};")
    return "\n".join(out) + "\n"


def write_atomic(path, text):
    d = os.path.dirname(path) or "."
    os.makedirs(d, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=d, prefix=".policy-")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def main(argv):
    ap = argparse.ArgumentParser(description="Compile a fault policy into a C table.")
    ap.add_argument("policy", help="the .policy file")
    ap.add_argument("-o", dest="output", help="output C file ('-' for stdout); omit to only check")
    ap.add_argument("--symbol", default="policy",
                    help="name of the generated struct policy_config (default: policy)")
    args = ap.parse_args(argv)

    try:
        with open(args.policy, encoding="utf-8") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError) as e:
        print(f"{args.policy}: cannot read: {e}", file=sys.stderr)
        return 1
    pol = Policy(args.policy)
    try:
        pol.parse(text)
        pol.check()
    except Exception as e:  # noqa: BLE001 - a bug here must still fail cleanly
        pol.errors.append(f"{args.policy}: internal error in the policy compiler: "
                          f"{type(e).__name__}: {shown(str(e))}")
    if pol.errors:
        for e in pol.errors:
            print(e, file=sys.stderr)
        # A stale table must not survive a failed compile.
        if args.output and args.output != "-" and os.path.exists(args.output):
            os.unlink(args.output)
        return 1
    if args.output == "-":
        sys.stdout.write(emit(pol, args.symbol))
    elif args.output:
        write_atomic(args.output, emit(pol, args.symbol))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
