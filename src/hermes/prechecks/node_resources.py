#!/usr/bin/env python3
"""node-resource-drift pre-check (every 30m).

Samples `kubectl top nodes` on every tick and keeps a short per-node history in its state file. A node is an
incident when its CPU% >= cpuPercent (or MEMORY% >= memoryPercent) in sustainedTicks consecutive samples: a
single spike never wakes the agent. Samples more than MAX_GAP apart do not count as consecutive (the
watchdog was paused). Nodes whose Ready condition is not True are incidents too (from get nodes). If the
metrics API is unavailable (kubectl top fails), the agent is woken with the error.

Reads: kubectl top nodes --no-headers; kubectl get nodes -o json.
"""

import re
from datetime import timedelta

import pe_common as pe
import pe_ledger

MAX_GAP = timedelta(minutes=90)
_PCT = re.compile(r"^(\d+)%$")


def parse_percent(token):
    m = _PCT.match(token)
    return int(m.group(1)) if m else None


def parse_top(text):
    """{node: {"cpu": int|None, "mem": int|None, "cpuRaw": str, "memRaw": str}}; raises ValueError."""
    rows = {}
    for line in text.splitlines():
        fields = line.split()
        if not fields:
            continue
        if fields[0] == "NAME":
            continue  # a header, if --no-headers was ignored
        if len(fields) < 5:
            raise ValueError("unexpected line %r" % pe.short(line, 80))
        cpu, mem = parse_percent(fields[2]), parse_percent(fields[4])
        for token, value in ((fields[2], cpu), (fields[4], mem)):
            if value is None and token != "<unknown>":
                raise ValueError("unexpected value %r in line %r" % (token[:20], pe.short(line, 80)))
        rows[fields[0]] = {"cpu": cpu, "mem": mem, "cpuRaw": fields[1], "memRaw": fields[3]}
    return rows


def sustained(history, field, threshold, ticks):
    """The last `ticks` samples if all are >= threshold and consecutive, else None."""
    if len(history) < ticks:
        return None
    window = history[-ticks:]
    for i, sample in enumerate(window):
        value = sample.get(field)
        if value is None or value < threshold:
            return None
        if i > 0:
            prev, cur = pe.parse_time(window[i - 1].get("t")), pe.parse_time(sample.get("t"))
            if prev is None or cur is None or cur - prev > MAX_GAP:
                return None
    return window


def main():
    check = pe.Check("node-resource-drift", "node_resources")
    settings = check.settings
    ticks = settings["sustainedTicks"]
    incidents = []
    old_samples = check.state.get("samples") if isinstance(check.state.get("samples"), dict) else {}
    samples = {}

    top = None
    try:
        top = parse_top(pe.kubectl(["top", "nodes", "--no-headers"]))
    except pe.KubectlError as exc:
        hint = ""
        if "metrics" in exc.detail.lower():
            hint = " (metrics-server is missing or not ready: no CPU/memory samples)"
        check.errors.append(pe.PrecheckError("%s%s" % (exc, hint), cause=pe_ledger.fault_of(exc)))
    except ValueError as exc:
        check.errors.append(pe.PrecheckError("kubectl top nodes --no-headers: unparsable output: %s" % exc))

    if top is not None:
        for node, row in sorted(top.items()):
            history = [s for s in old_samples.get(node, []) if isinstance(s, dict)]
            history.append({"t": pe.fmt_time(check.now), "cpu": row["cpu"], "mem": row["mem"]})
            history = history[-max(ticks, 1):]
            samples[node] = history
            now_text = "CPU %s (%s), memory %s (%s)" % (
                row["cpuRaw"], "%s%%" % row["cpu"] if row["cpu"] is not None else "?",
                row["memRaw"], "%s%%" % row["mem"] if row["mem"] is not None else "?")
            for field, label, threshold, key in (
                ("cpu", "CPU", settings["cpuPercent"], "node-cpu"),
                ("mem", "memory", settings["memoryPercent"], "node-memory"),
            ):
                window = sustained(history, field, threshold, ticks)
                if window is None:
                    continue
                incidents.append(pe.Incident(
                    "%s:%s" % (key, node), "%s>=%d%% sustained" % (field, threshold),
                    "node %s %s %d%% (>= %d%%) for %s: %s since %s; now %s" % (
                        node, label, row[field], threshold, pe.plural(ticks, "consecutive sample"),
                        ", ".join("%s%%" % s.get(field) for s in window),
                        pe.since(pe.parse_time(window[0].get("t")), check.now), now_text),
                    ["top pods on it: kubectl top pods -A --no-headers (sort by %s); never cordon or drain" % label]))

    nodes = check.call(pe.kubectl_items, ["get", "nodes", "-o", "json"])
    incidents += pe.not_ready_incidents(nodes or [], check.now)
    check.finish(incidents, {"samples": samples})


if __name__ == "__main__":
    pe.run(main, "node-resource-drift")
