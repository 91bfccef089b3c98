#!/usr/bin/env python3
"""cluster-health-check pre-check (every 15m).

Wakes the agent once per incident for: nodes whose Ready condition is not True; pods that are not Running or
Succeeded (Pending for more than 5 minutes, Failed, Unknown); Warning events seen in the last 20 minutes.
Reads: kubectl get nodes / pods -A / events -A --field-selector type=Warning, all -o json.
"""

from datetime import timedelta

import pe_common as pe

PENDING_GRACE = timedelta(minutes=5)
EVENT_WINDOW = timedelta(minutes=20)
MAX_POD_NOTES = 3


def _container_notes(pod):
    notes = []
    statuses = (pe.dig(pod, "status", "initContainerStatuses", default=[]) or []) + \
               (pe.dig(pod, "status", "containerStatuses", default=[]) or [])
    for cs in statuses:
        if not isinstance(cs, dict):
            continue
        waiting = pe.dig(cs, "state", "waiting")
        terminated = pe.dig(cs, "state", "terminated")
        if waiting and waiting.get("reason"):
            notes.append("container %s waiting: %s %s" % (cs.get("name"), waiting.get("reason"),
                                                         pe.short(waiting.get("message", ""), 140)))
        elif terminated and terminated.get("reason"):
            notes.append("container %s terminated: %s (exit %s)" % (cs.get("name"), terminated.get("reason"),
                                                                  terminated.get("exitCode")))
    return notes[:MAX_POD_NOTES]


def pod_incidents(pods, now):
    out = []
    for pod in pods:
        phase = pe.dig(pod, "status", "phase") or "Unknown"
        if phase in ("Running", "Succeeded"):
            continue
        ns, name = pe.ns_of(pod), pe.name_of(pod)
        created = pe.parse_time(pe.meta(pod).get("creationTimestamp"))
        reason = pe.dig(pod, "status", "reason") or ""
        message = pe.dig(pod, "status", "message") or ""
        details = []
        if phase == "Pending":
            if created is not None and now - created < PENDING_GRACE:
                continue
            sched = pe.condition(pod, "PodScheduled")
            unscheduled = sched is not None and sched.get("status") == "False"
            salient = "phase=Pending scheduled=%s reason=%s" % (not unscheduled, sched.get("reason") if unscheduled else "")
            why = ""
            if unscheduled:
                why = "%s: %s" % (sched.get("reason") or "not scheduled", pe.short(sched.get("message", ""), 200))
            summary = "pod %s/%s Pending since %s%s" % (ns, name, pe.since(created, now), ("; " + why) if why else "")
        else:
            salient = "phase=%s reason=%s" % (phase, reason)
            ready = pe.condition(pod, "Ready")
            changed = pe.parse_time(ready.get("lastTransitionTime")) if ready else None
            summary = "pod %s/%s %s%s since %s%s" % (
                ns, name, phase, (" (%s)" % reason) if reason else "", pe.since(changed or created, now),
                (": " + pe.short(message, 200)) if message else "")
        owner = pe.controller_ref(pod)
        details.append("owner: %s" % ("%s/%s" % (owner.get("kind"), owner.get("name")) if owner else "none"))
        node = pe.dig(pod, "spec", "nodeName")
        if node:
            details[-1] += ", node: %s" % node
        details.extend(_container_notes(pod))
        out.append(pe.Incident("pod:%s/%s" % (ns, name), salient, summary, details))
    return out


def event_last_seen(event):
    candidates = [
        pe.parse_time(event.get("lastTimestamp")),
        pe.parse_time(pe.dig(event, "series", "lastObservedTime")),
        pe.parse_time(event.get("eventTime")),
        pe.parse_time(event.get("firstTimestamp")),
    ]
    seen = [c for c in candidates if c is not None]
    if seen:
        return max(seen)
    return pe.parse_time(pe.meta(event).get("creationTimestamp"))


def event_incidents(events, now):
    grouped = {}
    for ev in events:
        if ev.get("type") not in (None, "Warning"):
            continue
        last = event_last_seen(ev)
        if last is None or now - last > EVENT_WINDOW or last - now > timedelta(minutes=5):
            continue
        obj = ev.get("involvedObject") or ev.get("regarding") or {}
        ns = obj.get("namespace") or pe.ns_of(ev)
        kind, name = obj.get("kind") or "?", obj.get("name") or "?"
        reason = ev.get("reason") or "?"
        key = "event:%s/%s/%s:%s" % (ns or "-", kind, name, reason)
        count = pe.dig(ev, "series", "count") or ev.get("count") or 1
        entry = grouped.get(key)
        if entry is None or last > entry[0]:
            total = count + (entry[2] if entry else 0)
            grouped[key] = (last, ev, total)
        else:
            grouped[key] = (entry[0], entry[1], entry[2] + count)
    out = []
    for key, (last, ev, count) in sorted(grouped.items(), key=lambda kv: kv[1][0], reverse=True):
        obj = ev.get("involvedObject") or ev.get("regarding") or {}
        ns = obj.get("namespace") or pe.ns_of(ev)
        source = pe.dig(ev, "source", "component") or ev.get("reportingComponent") or "?"
        summary = "event Warning %s %s %s/%s x%s, last %s, from %s: %s" % (
            ev.get("reason") or "?", (ns or "(cluster)"), obj.get("kind") or "?", obj.get("name") or "?", count,
            pe.since(last, now), source, pe.short(ev.get("message") or ev.get("note") or "", 220))
        out.append(pe.Incident(key, "Warning " + (ev.get("reason") or "?"), summary))
    return out


def main():
    check = pe.Check("cluster-health-check", "cluster_health")
    incidents = []
    nodes = check.call(pe.kubectl_items, ["get", "nodes", "-o", "json"])
    if nodes is not None:
        incidents += pe.not_ready_incidents(nodes, check.now)
    pods = check.call(pe.kubectl_items, ["get", "pods", "-A", "-o", "json"])
    if pods is not None:
        incidents += pod_incidents(pods, check.now)
    events = check.call(pe.kubectl_items, ["get", "events", "-A", "--field-selector", "type=Warning", "-o", "json"])
    if events is not None:
        incidents += event_incidents(events, check.now)
    check.finish(incidents)


if __name__ == "__main__":
    pe.run(main, "cluster-health-check")
