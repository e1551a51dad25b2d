"""The diagnosis page (M32): one self-contained HTML file, no network.

Per instance: a time axis, the CPU line (guest/hv/idle from stat cpu), a
state colour bar, alarm marks by level and operation-trace marks (actions);
clicking a mark shows its incident's chain in the detail pane: event,
decision, actions, outcomes, registers (event regs), collector values
(collector, the last stat health) and the reason where a step failed.
The drawing is inline SVG made here; the inline script only moves a
chain into the detail pane.
"""
import html
import json

W, H_CPU, H_STATE, PAD = 960, 120, 14, 40
STATE_COLOURS = {"running": "#2e9d4f", "sleeping": "#7fb3e0", "stopped": "#9a9a9a",
                 "abnormal": "#e08a1e", "dead": "#c0202a", "ended": "#555555",
                 "unknown": "#dddddd"}
LEVEL_COLOURS = {"info": "#3a7bd5", "minor": "#d9b310", "major": "#e0631e", "emerg": "#b0001e"}
CPU_COLOURS = (("guest", "#2e9d4f"), ("hv", "#e0631e"), ("idle", "#7fb3e0"))

CSS = """
body{font:13px sans-serif;margin:16px;color:#222}
h1{font-size:18px} h2{font-size:15px;margin:18px 0 4px}
.inst{border:1px solid #ccc;border-radius:4px;padding:6px 10px;margin-bottom:12px}
.summary{color:#555;margin-bottom:4px}
svg text{font:10px sans-serif;fill:#444}
.mark{cursor:pointer} .mark:hover{stroke:#000;stroke-width:2}
#detail{position:sticky;top:0;background:#fafafa;border:1px solid #999;padding:8px;
min-height:40px;margin-bottom:12px}
.chain{display:none} #detail .chain{display:block}
.step{font-family:monospace;white-space:pre-wrap;margin:1px 0}
.step.failed{color:#b0001e;font-weight:bold}
.cat{display:inline-block;width:70px;color:#666}
table.kv{border-collapse:collapse;margin:4px 0} table.kv td{border:1px solid #ddd;padding:1px 6px;
font-family:monospace}
.legend span{display:inline-block;margin-right:10px}
.sw{display:inline-block;width:10px;height:10px;margin-right:3px;vertical-align:middle}
"""

JS = """
function showChain(id){
  var src=document.getElementById(id), d=document.getElementById('detail');
  if(!src){d.textContent='no incident for this mark';return;}
  d.innerHTML='';d.appendChild(src.cloneNode(true));
  d.firstChild.removeAttribute('id');d.firstChild.setAttribute('data-shown',id);
}
function showText(t){var d=document.getElementById('detail');d.innerHTML='';
  var p=document.createElement('div');p.className='step';p.textContent=t;d.appendChild(p);}
document.addEventListener('click',function(e){
  var m=e.target.closest('.mark'); if(!m) return;
  if(m.dataset.incident) showChain(m.dataset.incident); else showText(m.dataset.text);
});
"""


def esc(s):
    return html.escape(str(s), quote=True)


def kv_table(d):
    if not d:
        return ""
    return "<table class='kv'>" + "".join(
        f"<tr><td>{esc(k)}</td><td>{esc(v)}</td></tr>" for k, v in d.items()) + "</table>"


def chain_id(name, key):
    return f"inc-{name}-{key[0]}-{key[1]}"


def render_chain(name, inc):
    steps = []
    for (x, cat, level, text) in inc.steps:
        failed = text in inc.failed
        steps.append(f"<div class='step{' failed' if failed else ''}' data-cat='{esc(cat)}'>"
                     f"<span class='cat'>{esc(cat)}</span>{esc(level)} {esc(text)}</div>")
    parts = [f"<div class='chain' id='{esc(chain_id(name, (inc.boot, inc.n)))}'>",
             f"<b>{esc(name)}: incident {inc.n}</b> ({esc(inc.type or '?')}, {esc(inc.level)}, "
             f"{esc(inc.state)}{', ' + esc(inc.why) if inc.why else ''}) boot {esc(inc.boot)}",
             "<div class='steps'>" + "".join(steps) + "</div>"]
    if inc.failed:
        parts.append("<div class='why'><b>failed:</b> " +
                     "; ".join(esc(f) for f in inc.failed) + "</div>")
    if inc.regs:
        parts.append("<div class='regs'><b>registers</b>" + kv_table(inc.regs) + "</div>")
    if inc.collector:
        parts.append("<div class='collector'><b>collector</b>" + kv_table(inc.collector) +
                     "</div>")
    if inc.health:
        parts.append("<div class='health'><b>last stat health before it</b>" +
                     kv_table(inc.health) + "</div>")
    parts.append("</div>")
    return "".join(parts)


def render_instance(inst):
    xs = [p[0] for p in inst.cpu_series] + [s[0] for s in inst.state_series] + \
        [m[0] for m in inst.marks]
    if not xs:
        xs = [0.0, 1.0]
    x0, x1 = min(xs), max(xs)
    if x1 - x0 < 1e-3:
        x1 = x0 + 1.0
    span = x1 - x0

    def sx(x):
        return PAD + (x - x0) / span * (W - 2 * PAD)
    y_cpu0 = 10
    y_state = y_cpu0 + H_CPU + 8
    y_marks = y_state + H_STATE + 16
    y_axis = y_marks + 26
    h = y_axis + 18
    svg = [f"<svg class='timeline' width='{W}' height='{h}' data-instance='{esc(inst.name)}'>"]
    # CPU lines
    svg.append(f"<rect x='{PAD}' y='{y_cpu0}' width='{W - 2 * PAD}' height='{H_CPU}' "
               "fill='none' stroke='#ccc'/>")
    for k, (part, colour) in enumerate(CPU_COLOURS):
        pts = " ".join(f"{sx(p[0]):.1f},{y_cpu0 + H_CPU - p[1 + k] / 100 * H_CPU:.1f}"
                       for p in inst.cpu_series)
        if pts:
            svg.append(f"<polyline class='cpu cpu-{part}' points='{pts}' fill='none' "
                       f"stroke='{colour}' stroke-width='1.5'/>")
    svg.append(f"<text x='2' y='{y_cpu0 + 8}'>100%</text><text x='10' y='{y_cpu0 + H_CPU}'>0%</text>")
    # state bar
    segs = list(inst.state_series)
    for k, (x, st) in enumerate(segs):
        xe = segs[k + 1][0] if k + 1 < len(segs) else x1
        w = max(sx(xe) - sx(x), 1.0)
        svg.append(f"<rect class='state state-{esc(st)}' x='{sx(x):.1f}' y='{y_state}' "
                   f"width='{w:.1f}' height='{H_STATE}' fill='{STATE_COLOURS.get(st, '#ccc')}'>"
                   f"<title>{esc(st)}</title></rect>")
    svg.append(f"<text x='2' y='{y_state + 11}'>state</text>")
    # marks: alarms as circles (colour = level), actions as triangles
    for (x, kind, level, text, key) in inst.marks:
        if kind not in ("alarm", "action", "clear"):
            continue
        cx = sx(x)
        attrs = (f"class='mark {kind} level-{esc(level)}' data-text='{esc(text)}'" +
                 (f" data-incident='{esc(chain_id(inst.name, key))}'" if key else ""))
        colour = LEVEL_COLOURS.get(level, "#888")
        if kind == "alarm":
            svg.append(f"<circle {attrs} cx='{cx:.1f}' cy='{y_marks}' r='6' fill='{colour}'>"
                       f"<title>{esc(text)}</title></circle>")
        elif kind == "clear":
            svg.append(f"<rect {attrs} x='{cx - 4:.1f}' y='{y_marks - 4}' width='8' height='8' "
                       f"fill='#fff' stroke='#2e9d4f' stroke-width='2'><title>{esc(text)}</title></rect>")
        else:
            y = y_marks + 14
            svg.append(f"<path {attrs} d='M{cx:.1f},{y - 6} l6,10 l-12,0 z' fill='#444'>"
                       f"<title>{esc(text)}</title></path>")
    svg.append(f"<text x='2' y='{y_marks + 4}'>alarms</text>"
               f"<text x='2' y='{y_marks + 18}'>actions</text>")
    # axis: seconds from the first point
    svg.append(f"<line x1='{PAD}' y1='{y_axis}' x2='{W - PAD}' y2='{y_axis}' stroke='#444'/>")
    step = nice_step(span / 8)
    t = 0.0
    while t <= span + 1e-9:
        xx = sx(x0 + t)
        svg.append(f"<line class='tick' x1='{xx:.1f}' y1='{y_axis}' x2='{xx:.1f}' "
                   f"y2='{y_axis + 4}' stroke='#444'/><text x='{xx - 8:.1f}' y='{y_axis + 14}'>"
                   f"{t:g}s</text>")
        t += step
    svg.append("</svg>")
    restarts = sum(inst.restarts.values())
    cpu = ("guest %.1f%% hv %.1f%% idle %.1f%%" % inst.cpu) if inst.cpu else "no stat cpu"
    faults = ", ".join(f"{k}={v}" for k, v in sorted(inst.faults.items())) or "none"
    summ = (f"state <b>{esc(inst.state)}</b>, {esc(cpu)}, faults: {esc(faults)}, restarts "
            f"{restarts} ({esc(json.dumps(inst.restarts))}), open alarms "
            f"{len(inst.open_alarms())}, wall {esc(inst.wall or 'unknown')}, "
            f"records {inst.records}, crc errors {inst.crc_errors}, missing {inst.missing}")
    chains = "".join(render_chain(inst.name, inc) for inc in
                     sorted(inst.incidents.values(), key=lambda c: c.t))
    return (f"<div class='inst' data-instance='{esc(inst.name)}'><h2>{esc(inst.name)}</h2>"
            f"<div class='summary'>{summ}</div>{''.join(svg)}<div class='chains'>{chains}</div>"
            "</div>")


def nice_step(raw):
    for m in (0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600):
        if m >= raw:
            return m
    return 3600 * (int(raw / 3600) + 1)


def legend():
    s = ["<div class='legend'>"]
    for part, c in CPU_COLOURS:
        s.append(f"<span><i class='sw' style='background:{c}'></i>cpu {part}</span>")
    for st, c in STATE_COLOURS.items():
        s.append(f"<span><i class='sw' style='background:{c}'></i>{st}</span>")
    for lv, c in LEVEL_COLOURS.items():
        s.append(f"<span><i class='sw' style='background:{c};border-radius:5px'></i>"
                 f"alarm {lv}</span>")
    s.append("<span>&#9650; action</span><span>&#9633; alarm cleared</span></div>")
    return "".join(s)


def render(fleet, title="hvmon diagnosis"):
    with fleet.lock:
        body = "".join(render_instance(i) for _, i in sorted(fleet.instances.items()))
    return ("<!DOCTYPE html><html><head><meta charset='utf-8'>"
            f"<title>{esc(title)}</title><style>{CSS}</style></head><body>"
            f"<h1>{esc(title)}</h1>{legend()}"
            "<div id='detail'>Click a mark (an alarm, an action) to see its incident's chain."
            f"</div>{body}<script>{JS}</script></body></html>")
