#!/usr/bin/env python3
"""cluster-health-check pre-check (every 15m).

Wakes the agent once per incident for: nodes whose Ready condition is not True; pods that are not Running or
Succeeded (Pending for more than 5 minutes, Failed, Unknown); Warning events seen in the last 20 minutes.

Failed pods are often leftovers of something that went on fine, and the pod object stays until someone
deletes it (the pod garbage collector only starts at thousands of terminated pods), so:

* a Failed pod of a Job is not reported when that Job completed (it retried and succeeded), when its CronJob
  had a successful run after the pod failed (Job status.completionTime of a Complete Job of the same CronJob,
  or the CronJob's status.lastSuccessfulTime: the Failed pod of an earlier run stays with
  failedJobsHistoryLimit), or while the Job is still running and the pod failed less than an hour ago (it
  may still succeed on a retry); otherwise (the Job failed) it is reported and reminded like any incident;
* a Failed pod owned by a ReplicaSet, StatefulSet or DaemonSet (the controller has replaced it), and a pod
  Failed as Evicted, NodeAffinity, UnexpectedAdmissionError or by a node shutdown (the usual leftovers of a
  node under pressure or rebooted) is reported once, when it appears, with no reminders: the eviction is
  news, the leftover object is not. It is reported again only if it changes or after it is gone and a pod of
  that name fails again.

Warning events Unhealthy, BackOff and ProbeWarning about a pod are dropped when that pod no longer exists or
is Running and Ready now (a rollout's new pods fail their readiness probe a few times while they start; each
rollout has new pod names, so these would be new incidents every time). Liveness probe failures are kept on a
Ready pod (they restart containers), and every other event is kept.

Reads: kubectl get nodes / pods -A / events -A --field-selector type=Warning, all -o json; only when a Failed
pod belongs to a Job: get jobs -A -o json, and when that Job belongs to a CronJob: get cronjobs -A -o json.
"""

from datetime import timedelta

import pe_common as pe

PENDING_GRACE = timedelta(minutes=5)
EVENT_WINDOW = timedelta(minutes=20)
JOB_RETRY_GRACE = timedelta(hours=1)
MAX_POD_NOTES = 3
REPLACED_BY_CONTROLLER = ("ReplicaSet", "StatefulSet", "DaemonSet")
LEFTOVER_REASONS = ("Evicted", "NodeAffinity", "UnexpectedAdmissionError", "NodeShutdown", "Shutdown", "Terminated")
TRANSIENT_POD_EVENTS = ("Unhealthy", "BackOff", "ProbeWarning")


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


def failed_at(pod):
    """When a Failed pod failed: its containers' last finishedAt, else the Ready condition's last change, else
    its start or creation."""
    times = []
    for field in ("initContainerStatuses", "containerStatuses"):
        for cs in pe.dig(pod, "status", field, default=[]) or []:
            times.append(pe.parse_time(pe.dig(cs, "state", "terminated", "finishedAt")))
    times = [t for t in times if t is not None]
    if times:
        return max(times)
    ready = pe.condition(pod, "Ready")
    return (pe.parse_time(ready.get("lastTransitionTime")) if ready else None) or \
        pe.parse_time(pe.dig(pod, "status", "startTime")) or pe.parse_time(pe.meta(pod).get("creationTimestamp"))


def _true(obj, ctype):
    cond = pe.condition(obj, ctype)
    return cond is not None and cond.get("status") == "True"


class JobView(object):
    """Jobs and CronJobs, read only when a Failed pod belongs to a Job (a healthy tick reads neither)."""

    def __init__(self, check):
        self.check = check
        self._read = {}  # resource -> {(namespace, name): object}, or None when the read failed

    def _index(self, resource):
        if resource not in self._read:
            items = self.check.call(pe.kubectl_items, ["get", resource, "-A", "-o", "json"])
            self._read[resource] = None if items is None else {(pe.ns_of(o), pe.name_of(o)): o for o in items}
        return self._read[resource]

    def jobs(self):
        return self._index("jobs")

    def cronjobs(self):
        return self._index("cronjobs")

    def later_success(self, ns, cronjob):
        """The last successful run of a CronJob: the newest completionTime of its Complete Jobs, or its
        status.lastSuccessfulTime, whichever is later (None if neither is known)."""
        times = []
        for (jns, _name), job in (self.jobs() or {}).items():
            ref = pe.controller_ref(job)
            if jns == ns and ref is not None and ref.get("kind") == "CronJob" and ref.get("name") == cronjob \
                    and _true(job, "Complete"):
                times.append(pe.parse_time(pe.dig(job, "status", "completionTime")))
        times = [t for t in times if t is not None]
        return max(times) if times else None

    def cronjob_success(self, ns, cronjob):
        cron = (self.cronjobs() or {}).get((ns, cronjob))
        return pe.parse_time(pe.dig(cron, "status", "lastSuccessfulTime")) if cron else None


def job_verdict(pod, owner, view, now):
    """For a Failed pod owned by a Job: (skip, note). skip is True when the failure was made good."""
    jobs = view.jobs()
    if jobs is None:
        return False, "job: unknown (could not read jobs)"
    ns = pe.ns_of(pod)
    job = jobs.get((ns, owner.get("name")))
    if job is None:
        return False, "job: %s no longer exists" % owner.get("name")
    if _true(job, "Complete"):
        return True, "its Job completed"
    when = failed_at(pod)
    cref = pe.controller_ref(job)
    if cref is not None and cref.get("kind") == "CronJob":
        cron = cref.get("name") or "?"
        later = view.later_success(ns, cron)
        if when is not None and later is not None and later > when:
            return True, "CronJob %s succeeded later" % cron
        later = view.cronjob_success(ns, cron)
        if when is not None and later is not None and later > when:
            return True, "CronJob %s succeeded later" % cron
        note = "job: %s of CronJob %s, last success %s" % (pe.name_of(job), cron, pe.since(later, now) if later else "unknown")
    else:
        note = "job: %s" % pe.name_of(job)
    if _true(job, "Failed"):
        failed = pe.condition(job, "Failed")
        return False, "%s, Failed (%s): %s" % (note, failed.get("reason") or "?", pe.short(failed.get("message") or "", 160))
    if when is not None and now - when < JOB_RETRY_GRACE:
        return True, "its Job is still running and may succeed on a retry"
    return False, "%s, still running (%s active, %s failed)" % (
        note, pe.dig(job, "status", "active") or 0, pe.dig(job, "status", "failed") or 0)


def pod_incidents(pods, now, view=None, down_nodes=()):
    """down_nodes: the NotReady nodes of this tick (a pod on one is a symptom of that node's incident)."""
    out = []
    for pod in pods:
        phase = pe.dig(pod, "status", "phase") or "Unknown"
        if phase in ("Running", "Succeeded"):
            continue
        remind = True
        job_note = None
        if phase == "Failed":
            owner = pe.controller_ref(pod)
            kind = owner.get("kind") if owner else None
            if kind == "Job" and view is not None:
                skip, job_note = job_verdict(pod, owner, view, now)
                if skip:
                    continue
            if kind in REPLACED_BY_CONTROLLER or (pe.dig(pod, "status", "reason") or "") in LEFTOVER_REASONS:
                remind = False
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
        if job_note:
            details.append(job_note)
        if not remind:
            details.append("a leftover (replaced by its controller, or evicted/rejected by its node): reported once, "
                           "no reminders; delete the pod when it is understood")
        details.extend(_container_notes(pod))
        cause = ("node:%s:NotReady" % node) if node and node in down_nodes else None
        if cause is None and phase == "Pending":
            cause = taint_cause(pe.dig(pe.condition(pod, "PodScheduled"), "message") or "", down_nodes)
        out.append(pe.Incident("pod:%s/%s" % (ns, name), salient, summary, details, remind=remind, cause=cause))
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


def settled(ev, obj, pods_by_name):
    """True for an Unhealthy/BackOff/ProbeWarning event about a pod that is gone or Running and Ready now
    (a liveness probe failure counts only when the pod is gone)."""
    if pods_by_name is None or obj.get("kind") != "Pod" or ev.get("reason") not in TRANSIENT_POD_EVENTS:
        return False
    ns = obj.get("namespace") or pe.ns_of(ev)
    pod = pods_by_name.get((ns, obj.get("name")))
    if pod is None:
        return True
    message = str(ev.get("message") or ev.get("note") or "")
    if message.startswith("Liveness probe"):
        return False
    return pe.dig(pod, "status", "phase") == "Running" and _true(pod, "Ready")


# The taints the node lifecycle controller puts on a NotReady node; the scheduler names them when it cannot
# place a pod (the replacement of a pod evicted from that node, typically).
DOWN_TAINTS = ("node.kubernetes.io/unreachable", "node.kubernetes.io/not-ready")


def taint_cause(message, down_nodes):
    """The NotReady node a scheduling failure is about, when the scheduler names its taint (the first such
    node when several are down)."""
    if down_nodes and any(t in message for t in DOWN_TAINTS):
        return "node:%s:NotReady" % sorted(down_nodes)[0]
    return None


def event_cause(obj, ns, pods_by_name, down_nodes, message=""):
    """The NotReady node an event is a symptom of: the node itself, the node of the pod it is about, or the
    node whose taint keeps a pod from being scheduled."""
    if obj.get("kind") == "Node" and obj.get("name") in down_nodes:
        return "node:%s:NotReady" % obj.get("name")
    if obj.get("kind") == "Pod" and pods_by_name is not None:
        node = pe.dig(pods_by_name.get((ns, obj.get("name"))), "spec", "nodeName")
        if node in down_nodes:
            return "node:%s:NotReady" % node
    return taint_cause(message, down_nodes)


def left_to_restart_loop(ev, obj, ns, pods_by_name, now):
    """A Warning event (BackOff, Failed image pulls, Unhealthy probes...) about a pod whose container is in a
    restart loop: the pod-restart-loop watchdog reports that loop with its logs (one condition, one message),
    whichever of the two runs first."""
    if obj.get("kind") != "Pod" or pods_by_name is None:
        return False
    pod = pods_by_name.get((ns, obj.get("name")))
    return pod is not None and pe.in_restart_loop(pod, now)


def event_incidents(events, now, pods=None, down_nodes=(), notes=None):
    """pods: the pod list (None when it could not be read: then no event is dropped as settled). notes: a list
    that receives one line about the events left to the restart-loop watchdog."""
    pods_by_name = None if pods is None else {(pe.ns_of(p), pe.name_of(p)): p for p in pods}
    grouped = {}
    left = set()
    for ev in events:
        if ev.get("type") not in (None, "Warning"):
            continue
        last = event_last_seen(ev)
        if last is None or now - last > EVENT_WINDOW or last - now > timedelta(minutes=5):
            continue
        obj = ev.get("involvedObject") or ev.get("regarding") or {}
        if settled(ev, obj, pods_by_name):
            continue
        ns = obj.get("namespace") or pe.ns_of(ev)
        if left_to_restart_loop(ev, obj, ns, pods_by_name, now):
            left.add("%s/%s" % (ns, obj.get("name")))
            continue
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
        cause = event_cause(obj, ns, pods_by_name, down_nodes, str(ev.get("message") or ev.get("note") or ""))
        out.append(pe.Incident(key, "Warning " + (ev.get("reason") or "?"), summary, cause=cause))
    if left and notes is not None:
        notes.append("Warning events of pods in a restart loop are left to pod-restart-loop: %s" % ", ".join(sorted(left)))
    return out


def main():
    check = pe.Check("cluster-health-check", "cluster_health")
    incidents = []
    nodes = check.call(pe.kubectl_items, ["get", "nodes", "-o", "json"])
    down = set()
    if nodes is not None:
        incidents += pe.not_ready_incidents(nodes, check.now)
        down = {pe.name_of(n) for n in nodes if pe.node_ready_problem(n) is not None}
    pods = check.call(pe.kubectl_items, ["get", "pods", "-A", "-o", "json"])
    if pods is not None:
        incidents += pod_incidents(pods, check.now, JobView(check), down)
    events = check.call(pe.kubectl_items, ["get", "events", "-A", "--field-selector", "type=Warning", "-o", "json"])
    if events is not None:
        incidents += event_incidents(events, check.now, pods, down, check.blind)
    check.finish(incidents)


if __name__ == "__main__":
    pe.run(main, "cluster-health-check")
