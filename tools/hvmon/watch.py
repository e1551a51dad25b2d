"""hvmon watch: a live table of instances (curses, Python's standard
library): name, state, CPU bar, restarts, open alarms, last alarm; the
detail pane shows the selected instance's recent incidents.  Keys: up/down
select, q quits."""
import curses
import time


def bar(cpu, width=20):
    if not cpu:
        return "." * width
    g = int(round(cpu[0] / 100 * width))
    h = int(round(cpu[1] / 100 * width))
    return ("G" * g + "h" * h + "." * width)[:width]


def rtt_text(i):
    """The last status query's round trip (tools/hvmon/prober.py)."""
    return f"{i.query_rtt_s[-1] * 1000:.1f}ms" if i.query_rtt_s else "-"


def table_lines(fleet, now):
    rows = []
    with fleet.lock:
        for name, i in sorted(fleet.instances.items()):
            la = i.last_alarm()
            age = "" if i.last_rx is None else f"{now - i.last_rx:5.1f}s"
            cpu = "%5.1f/%5.1f/%5.1f" % i.cpu if i.cpu else "      -/    -/    -"
            state = "faulty" if i.faulty and i.state not in ("dead", "ended") else i.state
            rows.append((name, f"{name[:16]:16} {state[:9]:9} [{bar(i.cpu)}] {cpu} "
                               f"rst {sum(i.restarts.values()):3} open {len(i.open_alarms()):2} "
                               f"age {age:7} rtt {rtt_text(i):>7} "
                               f"{(la['level'] + ' ' + la['text']) if la else '-'}"))
    return rows


def detail_lines(fleet, name):
    out = []
    with fleet.lock:
        i = fleet.instances.get(name)
        if i is None:
            return out
        out.append(f"{name}: boot {i.boot_id} wall {i.wall} faults {i.faults} "
                   f"actions {i.actions} restarts {i.restarts} parked {i.parked}")
        if i.queries["sent"]:
            r = sorted(i.query_rtt_s)
            med = f"{r[len(r) // 2] * 1000:.1f}ms" if r else "-"
            out.append(f"status queries {i.queries} round trip last {rtt_text(i)} median {med}"
                       f"{'  FAULTY: a query missed its deadline' if i.faulty else ''}")
        for inc in reversed(i.recent_incidents(5)):
            out.append(f"incident {inc.n} {inc.type} {inc.level} {inc.state}"
                       f"{' (' + inc.why + ')' if inc.why else ''}")
            for (_, cat, level, text) in inc.steps:
                out.append(f"   {cat:8} {level:5} {text}")
            for f in inc.failed:
                out.append(f"   FAILED: {f}")
    return out


def run_watch(monitor, a):
    def ui(scr):
        curses.curs_set(0)
        scr.nodelay(True)
        sel = 0
        monitor.start()
        end = None if a.duration is None else time.monotonic() + a.duration
        while end is None or time.monotonic() < end:
            monitor.step(0.2)
            now = time.monotonic()
            rows = table_lines(monitor.fleet, now)
            k = scr.getch()
            if k in (ord("q"), ord("Q")):
                break
            if k == curses.KEY_DOWN:
                sel += 1
            elif k == curses.KEY_UP:
                sel -= 1
            sel = max(0, min(sel, len(rows) - 1))
            h, w = scr.getmaxyx()
            scr.erase()
            scr.addnstr(0, 0, "hvmon watch  (up/down select, q quit)   instance state "
                        "cpu[G guest h hv . idle] guest/hv/idle restarts open-alarms age query-rtt last-alarm",
                        w - 1, curses.A_BOLD)
            for n, (name, text) in enumerate(rows[:max(h // 2 - 2, 1)]):
                scr.addnstr(1 + n, 0, text, w - 1, curses.A_REVERSE if n == sel else 0)
            y = 2 + len(rows)
            if rows:
                scr.hline(y, 0, "-", w - 1)
                for n, line in enumerate(detail_lines(monitor.fleet, rows[sel][0])):
                    if y + 1 + n >= h - 1:
                        break
                    scr.addnstr(y + 1 + n, 0, line, w - 1)
            scr.refresh()
        monitor.stop()
    curses.wrapper(ui)
    from .__main__ import write_status
    write_status(a, monitor.fleet)
    return 0
