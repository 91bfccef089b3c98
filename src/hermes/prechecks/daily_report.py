#!/usr/bin/env python3
"""daily-cluster-report pre-check (daily at 08:00). Always wakes the agent.

Gathers the day's facts compactly for the agent to write its report: nodes and their status, the top 5 pods
by CPU and by memory, pods not Running or Succeeded, ArgoCD Applications OutOfSync or Degraded, and
certificates expiring within certificateDays. A section whose kubectl call fails says
"unavailable: <error>" and the others are still printed. Keeps no state.

Reads: get nodes, top pods -A --no-headers, get pods -A, get applications.argoproj.io -n <argocdNamespace>,
get certificates.cert-manager.io -A.
"""

import re
from datetime import timedelta

import pe_common as pe
import pe_ledger

TOP_N = 5
MAX_LISTED = 5
DEFAULTS = {"certificateDays": 21, "argocdNamespace": "argocd", "maintenanceWindows": [], "timezone": "UTC"}


def section(lines, title, fn):
    try:
        lines.extend(fn())
    except pe.PrecheckError as exc:
        lines.append("%s: unavailable: %s" % (title, pe.short(str(exc), 300)))
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        lines.append("%s: unavailable: could not read the output (%s: %s)" % (title, type(exc).__name__, pe.short(str(exc), 160)))


def nodes_section():
    nodes = pe.kubectl_items(["get", "nodes", "-o", "json"])
    ready = [n for n in nodes if pe.node_ready_problem(n) is None]
    lines = ["nodes: %d, %d Ready" % (len(nodes), len(ready))]
    for node in nodes:
        labels = pe.meta(node).get("labels") or {}
        roles = sorted(k.split("/", 1)[1] for k in labels if k.startswith("node-role.kubernetes.io/"))
        problem = pe.node_ready_problem(node)
        pressure = [c.get("type") for c in pe.dig(node, "status", "conditions", default=[]) or []
                    if c.get("type", "").endswith("Pressure") and c.get("status") == "True"]
        lines.append("  %s: %s, %s, %s%s%s" % (
            pe.name_of(node), "Ready" if problem is None else "NotReady (Ready=%s %s)" % (problem[0], problem[1]),
            ",".join(roles) or "worker", pe.dig(node, "status", "nodeInfo", "kubeletVersion") or "?",
            ", unschedulable" if pe.dig(node, "spec", "unschedulable") else "",
            (", " + ",".join(pressure)) if pressure else ""))
    return lines


_CPU = re.compile(r"^(\d+(?:\.\d+)?)(m|n|u)?$")
_MEM = re.compile(r"^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|K|M|G|T)?$")
_MEM_FACTOR = {None: 1, "K": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "Ki": 1024, "Mi": 1024 ** 2, "Gi": 1024 ** 3, "Ti": 1024 ** 4}


def cpu_millicores(text):
    m = _CPU.match(text)
    if not m:
        raise ValueError("CPU value %r" % text[:20])
    value = float(m.group(1))
    return value * {None: 1000.0, "m": 1.0, "u": 0.001, "n": 0.000001}[m.group(2)]


def mem_bytes(text):
    m = _MEM.match(text)
    if not m:
        raise ValueError("memory value %r" % text[:20])
    return float(m.group(1)) * _MEM_FACTOR[m.group(2)]


def top_pods_section():
    text = pe.kubectl(["top", "pods", "-A", "--no-headers"])
    rows = []
    for line in text.splitlines():
        fields = line.split()
        if not fields or fields[0] == "NAMESPACE":
            continue
        if len(fields) < 4:
            raise ValueError("unexpected line %r" % pe.short(line, 80))
        rows.append((fields[0], fields[1], fields[2], fields[3], cpu_millicores(fields[2]), mem_bytes(fields[3])))
    if not rows:
        return ["top pods: no metrics returned"]
    by_cpu = sorted(rows, key=lambda r: r[4], reverse=True)[:TOP_N]
    by_mem = sorted(rows, key=lambda r: r[5], reverse=True)[:TOP_N]
    return [
        "top %d pods by CPU: %s" % (len(by_cpu), ", ".join("%s/%s %s" % (r[0], r[1], r[2]) for r in by_cpu)),
        "top %d pods by memory: %s" % (len(by_mem), ", ".join("%s/%s %s" % (r[0], r[1], r[3]) for r in by_mem)),
    ]


def pods_section():
    pods = pe.kubectl_items(["get", "pods", "-A", "-o", "json"])
    bad = [p for p in pods if pe.dig(p, "status", "phase") not in ("Running", "Succeeded")]
    restarts = 0
    for pod in pods:
        for cs in pe.dig(pod, "status", "containerStatuses", default=[]) or []:
            restarts += cs.get("restartCount") or 0
    line = "pods: %d in total, %d not Running/Succeeded, %d container restarts (all time)" % (len(pods), len(bad), restarts)
    lines = [line]
    if bad:
        lines.append("  not Running/Succeeded: %s%s" % (
            ", ".join("%s/%s %s%s" % (pe.ns_of(p), pe.name_of(p), pe.dig(p, "status", "phase") or "?",
                                      (" (%s)" % pe.dig(p, "status", "reason")) if pe.dig(p, "status", "reason") else "")
                      for p in bad[:MAX_LISTED]),
            " ..." if len(bad) > MAX_LISTED else ""))
    return lines


def argocd_section(namespace):
    apps = pe.kubectl_items(["get", "applications.argoproj.io", "-n", namespace, "-o", "json"])
    out_of_sync = [a for a in apps if pe.dig(a, "status", "sync", "status") == "OutOfSync"]
    degraded = [a for a in apps if pe.dig(a, "status", "health", "status") == "Degraded"]
    lines = ["argocd applications: %d, %d OutOfSync, %d Degraded" % (len(apps), len(out_of_sync), len(degraded))]
    for title, group in (("OutOfSync", out_of_sync), ("Degraded", degraded)):
        if group:
            lines.append("  %s: %s" % (title, ", ".join(pe.name_of(a) for a in group[:MAX_LISTED])))
    return lines


def certificates_section(now, days):
    certs = pe.kubectl_items(["get", "certificates.cert-manager.io", "-A", "-o", "json"])
    expiring = []
    not_ready = []
    for cert in certs:
        not_after = pe.parse_time(pe.dig(cert, "status", "notAfter"))
        if not_after is not None and not_after - now <= timedelta(days=days):
            expiring.append("%s/%s in %.1f days (%s)" % (pe.ns_of(cert), pe.name_of(cert),
                                                       (not_after - now).total_seconds() / 86400.0, pe.fmt_time(not_after)))
        ready = pe.condition(cert, "Ready")
        if ready is not None and ready.get("status") == "False":
            not_ready.append("%s/%s (%s)" % (pe.ns_of(cert), pe.name_of(cert), ready.get("reason") or "?"))
    lines = ["certificates: %d, %d expiring within %d days, %d not Ready" % (len(certs), len(expiring), days, len(not_ready))]
    if expiring:
        lines.append("  expiring: %s" % "; ".join(expiring[:MAX_LISTED]))
    if not_ready:
        lines.append("  not Ready: %s" % "; ".join(not_ready[:MAX_LISTED]))
    return lines


def ledger_section(now, settings):
    """The shared incident ledger: open incidents (watchdog faults first: a broken watchdog is never a quiet
    one), active silences and maintenance windows. Read without the lock (the file is replaced atomically)."""
    data = pe_ledger.read_ledger()
    entries = {k: v for k, v in (data.get("incidents") or {}).items() if isinstance(v, dict)}
    faults = sorted(k for k in entries if pe_ledger.is_fault(k))
    others = sorted(k for k in entries if not pe_ledger.is_fault(k))
    lines = ["open incidents: %d (%d watchdog faults)" % (len(entries), len(faults))]
    for key in (faults + others)[:MAX_LISTED * 3]:
        e = entries[key]
        state = ("held: %s" % e["held"]) if e.get("held") else ("reported by %s" % (e.get("owner") or "?"))
        lines.append("  %s: %s, open since %s, %s" % (key, pe.short(e.get("salient") or "", 60),
                                                     pe.since(pe.parse_time(e.get("firstSeen")), now), state))
    if len(entries) > MAX_LISTED * 3:
        lines.append("  ... %d more" % (len(entries) - MAX_LISTED * 3))
    live = pe_ledger.live_silences(data, now)
    lines.append("active silences: %d" % len(live))
    for s in live[:MAX_LISTED * 2]:
        t = s.get("target") or {}
        lines.append("  %s: %s %s until %s, by %s%s" % (s.get("id"), t.get("type"), t.get("value"), s.get("until"),
                                                     s.get("by"), ("; " + pe.short(s["reason"], 120)) if s.get("reason") else ""))
    windows = settings.get("maintenanceWindows") or []
    if windows:
        active = pe_ledger.active_windows(settings, now)
        lines.append("maintenance windows: %d in site.yaml (time zone %s), %d active now%s" % (
            len(windows), settings.get("timezone") or "UTC", len(active),
            (": " + ", ".join("%s until %s" % (w.get("name"), pe.fmt_time(end)) for w, _s, end in active)) if active else ""))
    return lines


def main():
    now = pe.now_utc()
    lines = ["daily-cluster-report facts at %s:" % pe.fmt_time(now)]
    try:
        settings = pe.load_settings()
    except pe.PrecheckError as exc:
        settings = dict(DEFAULTS)
        lines.append("settings unavailable (%s); defaults used" % pe.short(str(exc), 200))
    section(lines, "nodes", nodes_section)
    section(lines, "top pods", top_pods_section)
    section(lines, "pods", pods_section)
    section(lines, "argocd applications", lambda: argocd_section(settings["argocdNamespace"]))
    section(lines, "certificates", lambda: certificates_section(now, settings["certificateDays"]))
    section(lines, "incident ledger", lambda: ledger_section(now, settings))
    pe.emit(lines, True)


if __name__ == "__main__":
    pe.run(main, "daily-cluster-report")
