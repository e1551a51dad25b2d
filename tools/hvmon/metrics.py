"""Prometheus /metrics (the official client, python3-prometheus-client).

A custom collector reads the fleet at each scrape; names in
docs/operations.md, alerting rules in tools/hvmon/alerts.yml."""
import time

from prometheus_client import start_http_server
from prometheus_client.core import (REGISTRY, CounterMetricFamily, GaugeMetricFamily,
                                    HistogramMetricFamily)

from .model import STATES

# watchdog latency buckets, seconds (WATCHDOG_MS is 100 by default, K=2)
LATENCY_BUCKETS = (0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0, 5.0)


# status query round-trip buckets, seconds (a tick of 1 ms to a busy serial line)
RTT_BUCKETS = (0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0)


def histogram(values, bounds):
    """Cumulative (bound, count) pairs for a HistogramMetricFamily."""
    out = [(repr(b), sum(1 for v in values if v <= b)) for b in bounds]
    return out + [("+Inf", len(values))]


class FleetCollector:
    def __init__(self, fleet):
        self.fleet = fleet

    def collect(self):
        L = ["hv_instance"]
        faults = CounterMetricFamily("hvmon_faults", "Faults decided by the hypervisor, by type",
                                     labels=L + ["type"])
        actions = CounterMetricFamily("hvmon_actions", "Recovery actions, by kind",
                                      labels=L + ["action"])
        restarts = CounterMetricFamily("hvmon_restarts", "Restarts: guest (reset done), "
                                       "hypervisor (new boot id), hvmon (dead instance restarted)",
                                       labels=L + ["by"])
        alarms = CounterMetricFamily("hvmon_alarms", "Alarms raised, by level", labels=L + ["level"])
        records = CounterMetricFamily("hvmon_records", "Records received", labels=L)
        bad = CounterMetricFamily("hvmon_stream_errors", "Records lost or damaged on the way: "
                                  "crc, malformed, missing (sequence gaps)", labels=L + ["kind"])
        parked = GaugeMetricFamily("hvmon_parked", "1 while the instance's guest is parked",
                                   labels=L)
        up = GaugeMetricFamily("hvmon_up", "0 once hvmon marked the instance dead (silent "
                               "longer than T2)", labels=L)
        open_alarms = GaugeMetricFamily("hvmon_open_alarms", "Alarms not cleared yet", labels=L)
        state = GaugeMetricFamily("hvmon_guest_state", "The guest's state (1 for the current one)",
                                  labels=L + ["state"])
        cpu = GaugeMetricFamily("hvmon_cpu_share", "Share of the last stat interval, per cent",
                                labels=L + ["part"])
        last = GaugeMetricFamily("hvmon_last_record_age_seconds", "Seconds since the "
                                 "instance's last record", labels=L)
        lat = HistogramMetricFamily("hvmon_watchdog_latency_seconds", "Watchdog latency of "
                                    "hang and soft_lockup events (latency_us)", labels=L)
        queries = CounterMetricFamily("hvmon_queries", "Status queries over the control "
                                      "channel: sent, answered, missed (no answer within the "
                                      "deadline), refused", labels=L + ["result"])
        rtt = HistogramMetricFamily("hvmon_query_rtt_seconds", "Round trip of a status query: "
                                    "sent to its stat status record received", labels=L)
        faulty = GaugeMetricFamily("hvmon_faulty", "1 while the instance's last status query "
                                   "missed its deadline", labels=L)
        now = time.monotonic()
        with self.fleet.lock:
            for name, i in sorted(self.fleet.instances.items()):
                for t, n in sorted(i.faults.items()):
                    faults.add_metric([name, t], n)
                for k, n in sorted(i.actions.items()):
                    actions.add_metric([name, k], n)
                for by, n in sorted(i.restarts.items()):
                    restarts.add_metric([name, by], n)
                lv = {}
                for a in i.alarms:
                    lv[a["level"]] = lv.get(a["level"], 0) + 1
                for level in ("info", "minor", "major", "emerg"):
                    alarms.add_metric([name, level], lv.get(level, 0))
                records.add_metric([name], i.records)
                bad.add_metric([name, "crc"], i.crc_errors)
                bad.add_metric([name, "malformed"], i.malformed)
                bad.add_metric([name, "missing"], i.missing)
                parked.add_metric([name], 1 if i.parked else 0)
                up.add_metric([name], 0 if i.dead_since is not None else 1)
                open_alarms.add_metric([name], len(i.open_alarms()))
                for s in STATES:
                    state.add_metric([name, s], 1 if i.state == s else 0)
                if i.cpu:
                    for part, v in zip(("guest", "hv", "idle"), i.cpu):
                        cpu.add_metric([name, part], v)
                if i.last_rx is not None:
                    last.add_metric([name], now - i.last_rx)
                secs = [v / 1e6 for v in i.latencies_us]
                lat.add_metric([name], histogram(secs, LATENCY_BUCKETS), sum(secs))
                for k, n in sorted(i.queries.items()):
                    queries.add_metric([name, k], n)
                rtt.add_metric([name], histogram(i.query_rtt_s, RTT_BUCKETS), sum(i.query_rtt_s))
                faulty.add_metric([name], 1 if i.faulty else 0)
        yield from (faults, actions, restarts, alarms, records, bad, parked, up, open_alarms,
                    state, cpu, last, lat, queries, rtt, faulty)


def serve(monitor, a):
    REGISTRY.register(FleetCollector(monitor.fleet))
    start_http_server(a.metrics_port, addr=a.metrics_addr)
    from .__main__ import write_status
    t0 = time.monotonic()
    fleet = monitor.run(duration=a.duration)
    # the sources ended (--no-follow): keep serving what they gave
    while a.duration is None or time.monotonic() - t0 < a.duration:
        time.sleep(0.2)
        write_status(a, fleet)
    write_status(a, fleet)
    return 0
