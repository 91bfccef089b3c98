#!/usr/bin/env python3
"""argocd-sync-health pre-check (every 1h).

One incident per ArgoCD Application whose sync status is OutOfSync or Unknown, or whose health is Degraded,
Missing or Unknown (Progressing is left alone: a rollout in progress is not an incident), with the
Application's condition messages, the last operation if it failed, and the resources that are out of sync
or unhealthy. If the Application CRD is absent, the agent is woken with kubectl's error.

Reads: kubectl get applications.argoproj.io -n <argocdNamespace> -o json.
"""

import pe_common as pe
import pe_ledger

BAD_SYNC = ("OutOfSync", "Unknown")
BAD_HEALTH = ("Degraded", "Missing", "Unknown")
MAX_CONDITIONS = 3
MAX_RESOURCES = 5


def resource_name(res):
    ns = res.get("namespace")
    return "%s %s%s" % (res.get("kind") or "?", (ns + "/") if ns else "", res.get("name") or "?")


def app_incident(app, now):
    name = pe.name_of(app)
    sync = pe.dig(app, "status", "sync", "status") or "Unknown"
    health = pe.dig(app, "status", "health", "status") or "Unknown"
    bad = []
    if sync in BAD_SYNC:
        bad.append("sync=%s" % sync)
    if health in BAD_HEALTH:
        bad.append("health=%s" % health)
    if not bad:
        return None
    revision = pe.dig(app, "status", "sync", "revision") or ""
    source = pe.dig(app, "spec", "source") or (pe.dig(app, "spec", "sources", 0) or {})
    health_msg = pe.dig(app, "status", "health", "message")
    summary = "app %s: sync %s, health %s%s; source %s path %s at %s, destination namespace %s" % (
        name, sync, health, (" (%s)" % pe.short(health_msg, 160)) if health_msg else "",
        pe.short(source.get("repoURL") or "?", 80), source.get("path") or source.get("chart") or "?",
        (revision[:10] or source.get("targetRevision") or "?"), pe.dig(app, "spec", "destination", "namespace") or "?")
    details = []
    for cond in (pe.dig(app, "status", "conditions", default=[]) or [])[:MAX_CONDITIONS]:
        details.append("condition %s since %s: %s" % (
            cond.get("type") or "?", pe.since(pe.parse_time(cond.get("lastTransitionTime")), now),
            pe.short(cond.get("message") or "", 220)))
    op = pe.dig(app, "status", "operationState") or {}
    if op.get("phase") in ("Failed", "Error"):
        details.append("last sync operation %s at %s: %s" % (
            op.get("phase"), pe.since(pe.parse_time(op.get("finishedAt")), now), pe.short(op.get("message") or "", 220)))
    resources = pe.dig(app, "status", "resources", default=[]) or []
    out_of_sync = [r for r in resources if isinstance(r, dict) and r.get("status") == "OutOfSync"]
    unhealthy = [r for r in resources if isinstance(r, dict) and pe.dig(r, "health", "status") in ("Degraded", "Missing")]
    if out_of_sync:
        details.append("out of sync (%d): %s%s" % (len(out_of_sync), ", ".join(resource_name(r) for r in out_of_sync[:MAX_RESOURCES]),
                                                  " ..." if len(out_of_sync) > MAX_RESOURCES else ""))
    for res in unhealthy[:MAX_RESOURCES]:
        details.append("unhealthy: %s %s%s" % (resource_name(res), pe.dig(res, "health", "status"),
                                              (": " + pe.short(pe.dig(res, "health", "message"), 160)) if pe.dig(res, "health", "message") else ""))
    if len(unhealthy) > MAX_RESOURCES:
        details.append("... %d more unhealthy resources" % (len(unhealthy) - MAX_RESOURCES))
    reconciled = pe.parse_time(pe.dig(app, "status", "reconciledAt"))
    if reconciled:
        details.append("last reconciled %s" % pe.since(reconciled, now))
    # Its unhealthy resources are subjects too: a crash-looping Deployment that degrades the Application is
    # one condition (pe_ledger: whichever watchdog reports it first).
    subjects = ["%s/%s%s" % ((r.get("kind") or "?").lower(), (r.get("namespace") + "/") if r.get("namespace") else "",
                             r.get("name") or "?") for r in unhealthy]
    return pe.Incident("argocd:%s" % name, " ".join(bad), summary, details, subjects=subjects)


def main():
    check = pe.Check("argocd-sync-health", "argocd_sync")
    namespace = check.settings["argocdNamespace"]
    argv = ["get", "applications.argoproj.io", "-n", namespace, "-o", "json"]
    try:
        apps = pe.kubectl_items(argv)
    except pe.KubectlError as exc:
        if "the server doesn't have a resource type" in exc.detail:
            check.errors.append(pe.PrecheckError("the ArgoCD Application CRD is not installed (or not served): %s" % exc,
                                                 cause=pe_ledger.fault_of(exc)))
        else:
            check.errors.append(exc)
        check.finish([])
        return
    incidents = [inc for inc in (app_incident(app, check.now) for app in apps) if inc is not None]
    check.finish(incidents)


if __name__ == "__main__":
    pe.run(main, "argocd-sync-health")
