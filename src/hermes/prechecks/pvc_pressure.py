#!/usr/bin/env python3
"""pvc-pressure pre-check (every 30m).

`kubectl top` does not report disk, and the pre-check has no nodes/proxy access (no kubelet stats summary),
so it looks at what the API server knows, plus df inside pods where it can:

* nodes with condition DiskPressure=True (get nodes);
* claims not Bound for more than 5 minutes (get pvc -A): Lost always; Pending when provisioning was attempted
  (storage-provisioner annotation), a pod is waiting for the claim, or the claim has no storage class (static
  binding). A Pending claim no pod uses yet is normal with WaitForFirstConsumer (k3s local-path) and is not
  reported;
* volumes in phase Failed or Released (get pv), with their reclaim policy in mind:
  - Delete (and the deprecated Recycle): a volume passes through Released while the provisioner deletes it,
    so Released or Failed is reported only once status.lastPhaseTransitionTime is more than 10 minutes old
    (at once when the field is absent: clusters before Kubernetes 1.29 do not set it);
  - Retain: Released is the expected end state (the data is kept until an admin reclaims it by hand), so it
    is not an incident: such volumes are listed under "not visible" when the agent is woken for something
    else. Failed is reported;
* when settings dfExec is true, usage of Bound claims: for each claim, the first Running pod and container
  that mounts it runs `df -Pk MOUNTPATH` through kubectl exec; usage >= diskPercent is an incident. An exec
  that fails because the image cannot run df (exit 126/127, "executable file not found", no shell), the
  container is not ready or the pod went away makes that claim "usage unknown": listed in the output when
  the agent is woken, never a reason to wake on its own. An exec refused by the API server (Forbidden,
  Unauthorized) or one that timed out is a failure of the watchdog and wakes the agent with the error: when
  every exec fails that way the watchdog would otherwise be blind without a word.
"""

import re
from datetime import timedelta

import pe_common as pe

NOT_BOUND_GRACE = timedelta(minutes=5)
RECLAIM_GRACE = timedelta(minutes=10)
DF_TIMEOUT = 20
DF_BUDGET_RESERVE = 20  # seconds kept free for printing when many claims are measured
CRITICAL_PERCENT = 95
PROVISIONER_ANNOTATIONS = ("volume.kubernetes.io/storage-provisioner", "volume.beta.kubernetes.io/storage-provisioner")


def disk_pressure_incidents(nodes, now):
    out = []
    for node in nodes:
        cond = pe.condition(node, "DiskPressure")
        if cond is None or cond.get("status") != "True":
            continue
        name = pe.name_of(node)
        out.append(pe.Incident(
            "disk:node/%s:DiskPressure" % name, "DiskPressure=True",
            "node %s DiskPressure=True since %s: %s" % (
                name, pe.since(pe.parse_time(cond.get("lastTransitionTime")), now),
                pe.short(cond.get("message") or cond.get("reason") or "", 160)),
            ["the kubelet evicts pods and refuses new ones on this node until it frees disk (images, logs, emptyDir)"]))
    return out


def claim_users(pods):
    """{(ns, claim): [(pod, container, mountPath, podPhase)]} for every pod that references a claim."""
    users = {}
    for pod in pods:
        ns = pe.ns_of(pod)
        volumes = {}
        for vol in pe.dig(pod, "spec", "volumes", default=[]) or []:
            claim = pe.dig(vol, "persistentVolumeClaim", "claimName")
            if claim:
                volumes[vol.get("name")] = claim
        if not volumes:
            continue
        mounted = set()
        for container in pe.dig(pod, "spec", "containers", default=[]) or []:
            for mount in container.get("volumeMounts") or []:
                claim = volumes.get(mount.get("name"))
                if claim and mount.get("mountPath"):
                    users.setdefault((ns, claim), []).append(
                        (pod, container.get("name"), mount.get("mountPath"), pe.dig(pod, "status", "phase")))
                    mounted.add(claim)
        for claim in set(volumes.values()) - mounted:
            users.setdefault((ns, claim), []).append((pod, None, None, pe.dig(pod, "status", "phase")))
    return users


def claim_incidents(claims, users, now):
    out = []
    for pvc in claims:
        phase = pe.dig(pvc, "status", "phase") or "Unknown"
        if phase == "Bound":
            continue
        ns, name = pe.ns_of(pvc), pe.name_of(pvc)
        created = pe.parse_time(pe.meta(pvc).get("creationTimestamp"))
        if created is not None and now - created < NOT_BOUND_GRACE:
            continue
        annotations = pe.meta(pvc).get("annotations") or {}
        waiting = [u[0] for u in users.get((ns, name), [])]
        storage_class = pe.dig(pvc, "spec", "storageClassName")
        if phase == "Pending":
            attempted = any(a in annotations for a in PROVISIONER_ANNOTATIONS)
            if not (attempted or waiting or storage_class == ""):
                continue  # WaitForFirstConsumer: nothing asked for it yet
        size = pe.dig(pvc, "spec", "resources", "requests", "storage") or "?"
        summary = "pvc %s/%s %s, created %s, class %s, request %s" % (
            ns, name, phase, pe.since(created, now), storage_class if storage_class is not None else "(default)", size)
        details = []
        if waiting:
            details.append("used by pods: %s" % ", ".join(pe.name_of(p) for p in waiting[:4]))
        provisioner = next((annotations[a] for a in PROVISIONER_ANNOTATIONS if a in annotations), None)
        if provisioner:
            details.append("provisioner: %s" % provisioner)
        if pe.dig(pvc, "spec", "volumeName"):
            details.append("volumeName: %s" % pe.dig(pvc, "spec", "volumeName"))
        out.append(pe.Incident("pvc:%s/%s" % (ns, name), "phase=%s" % phase, summary, details))
    return out


def volume_incidents(volumes, now, kept=None):
    """kept (a list) receives the names of Released volumes with reclaimPolicy Retain (not incidents)."""
    out = []
    for pv in volumes:
        phase = pe.dig(pv, "status", "phase") or "Unknown"
        if phase not in ("Failed", "Released"):
            continue
        name = pe.name_of(pv)
        policy = pe.dig(pv, "spec", "persistentVolumeReclaimPolicy") or "Delete"
        if policy == "Retain" and phase == "Released":
            if kept is not None:
                kept.append(name)
            continue
        if policy != "Retain":
            changed = pe.parse_time(pe.dig(pv, "status", "lastPhaseTransitionTime"))
            if changed is not None and now - changed < RECLAIM_GRACE:
                continue  # the provisioner is most likely deleting it right now
        claim = pe.dig(pv, "spec", "claimRef") or {}
        summary = "pv %s %s, reclaimPolicy %s, was claim %s/%s, capacity %s%s" % (
            name, phase, pe.dig(pv, "spec", "persistentVolumeReclaimPolicy") or "?", claim.get("namespace") or "?",
            claim.get("name") or "?", pe.dig(pv, "spec", "capacity", "storage") or "?",
            (": " + pe.short(pe.dig(pv, "status", "message"), 160)) if pe.dig(pv, "status", "message") else "")
        details = []
        changed = pe.parse_time(pe.dig(pv, "status", "lastPhaseTransitionTime"))
        if changed:
            details.append("%s since %s" % (phase, pe.since(changed, now)))
        out.append(pe.Incident("pv:%s" % name, "phase=%s" % phase, summary, details))
    return out


_REFUSED = re.compile(
    r"\(Forbidden\)|\bforbidden\b|\(Unauthorized\)|\bUnauthorized\b|\b40[13]\b|timed out|\btimeout\b|"
    r"deadline exceeded|unable to return a response in the time allotted",
    re.IGNORECASE)
_BLIND = re.compile(r"exit (126|127):|command terminated with exit code 12[67]|executable file not found|"
                    r"no such file or directory", re.IGNORECASE)


def exec_refused(detail):
    """True when a df exec failed for a reason that blinds the watchdog (refused by the API server, timed out)
    rather than because of the container (no df, exit 126/127: a blind spot only)."""
    detail = str(detail)
    if _BLIND.search(detail):
        return False
    return bool(_REFUSED.search(detail))


_PERCENT = re.compile(r"^(\d{1,3})%$")


def parse_df(text):
    """(percent, usedKiB, sizeKiB) from `df -Pk PATH` output, or None."""
    lines = [ln for ln in text.splitlines() if ln.strip()]
    for line in reversed(lines):
        fields = line.split()
        for i, field in enumerate(fields):
            m = _PERCENT.match(field)
            if m and i >= 3:
                try:
                    size, used = int(fields[i - 3]), int(fields[i - 2])
                except ValueError:
                    size = used = None
                return int(m.group(1)), used, size
    return None


def human_kib(kib):
    if kib is None:
        return "?"
    value = float(kib)
    for unit in ("KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return ("%.1f %s" % (value, unit)) if unit != "KiB" else ("%d KiB" % value)
        value /= 1024.0
    return "?"


_QUANTITY = re.compile(r"^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|Pi|K|M|G|T|P)?$")
_FACTORS = {None: 1, "K": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15,
            "Ki": 1024, "Mi": 1024 ** 2, "Gi": 1024 ** 3, "Ti": 1024 ** 4, "Pi": 1024 ** 5}


def quantity_kib(text):
    m = _QUANTITY.match(text or "")
    return float(m.group(1)) * _FACTORS[m.group(2)] / 1024.0 if m else None


def shared_note(df_kib, capacity):
    """local-path and other hostPath-backed volumes have no size of their own: df shows the node's disk."""
    claim_kib = quantity_kib(capacity)
    if df_kib and claim_kib and df_kib > 1.5 * claim_kib:
        return "; df sees a %s filesystem for a %s claim: the volume shares a node disk (local-path), so this is that disk's usage" % (
            human_kib(df_kib), capacity)
    return ""


def usage_incidents(check, claims, users):
    """Runs df in one pod per Bound claim. Returns incidents; records claims it could not measure."""
    threshold = check.settings["diskPercent"]
    out = []
    unknown = []
    unmounted = []
    refused = []
    for pvc in claims:
        if pe.dig(pvc, "status", "phase") != "Bound":
            continue
        ns, name = pe.ns_of(pvc), pe.name_of(pvc)
        candidates = [u for u in users.get((ns, name), []) if u[1] and u[3] == "Running"]
        if not candidates:
            unmounted.append("%s/%s" % (ns, name))
            continue
        pod, container, path, _phase = candidates[0]
        if pe.budget_left() < DF_BUDGET_RESERVE:
            unknown.append("%s/%s (not measured: time budget)" % (ns, name))
            continue
        argv = ["exec", "-n", ns, pe.name_of(pod), "-c", container, "--", "df", "-Pk", path]
        try:
            parsed = parse_df(pe.kubectl(argv, timeout=DF_TIMEOUT))
        except pe.PrecheckError as exc:
            detail = getattr(exc, "detail", str(exc))
            if exec_refused(detail):
                refused.append(exc)
            else:
                unknown.append("%s/%s (df in %s/%s failed: %s)" % (ns, name, pe.name_of(pod), container,
                                                                    pe.tail(detail, 110)))
            continue
        if parsed is None:
            unknown.append("%s/%s (df output not understood)" % (ns, name))
            continue
        percent, used, size = parsed
        capacity = pe.dig(pvc, "status", "capacity", "storage") or pe.dig(pvc, "spec", "resources", "requests", "storage")
        if percent < threshold:
            continue
        level = "critical" if percent >= max(CRITICAL_PERCENT, threshold) else "over"
        out.append(pe.Incident(
            "pvc-usage:%s/%s" % (ns, name), "usage=%s" % level,
            "pvc %s/%s %d%% used (>= %d%%): %s of %s, measured with df %s in pod %s container %s" % (
                ns, name, percent, threshold, human_kib(used), human_kib(size), path, pe.name_of(pod), container),
            ["capacity %s, class %s, volume %s%s" % (
                capacity or "?", pe.dig(pvc, "spec", "storageClassName") or "?", pe.dig(pvc, "spec", "volumeName") or "?",
                shared_note(size, capacity))]))
    if refused:
        # One error line for all of them (the same RBAC problem or unreachable API server, claim after claim).
        check.errors.append(pe.PrecheckError(
            "df through kubectl exec was refused or timed out for %s (not a missing df: the watchdog cannot measure "
            "usage; fix pods/exec access or set dfExec false): %s" % (
                pe.plural(len(refused), "claim"),
                pe.short("kubectl %s: %s" % (" ".join(refused[0].argv) if isinstance(refused[0], pe.KubectlError) else "exec",
                                             getattr(refused[0], "detail", str(refused[0]))), 300)),
            cause=("fault:df-exec", "refused", "df through kubectl exec is refused or times out: claim usage is not measured")))
    if unknown:
        check.blind.append("usage unknown for %s: %s" % (pe.plural(len(unknown), "claim"), "; ".join(unknown)))
    if unmounted:
        check.blind.append("usage not measured (no Running pod mounts it): %s" % ", ".join(unmounted))
    return out


def main():
    check = pe.Check("pvc-pressure", "pvc_pressure")
    incidents = []
    nodes = check.call(pe.kubectl_items, ["get", "nodes", "-o", "json"])
    if nodes is not None:
        incidents += disk_pressure_incidents(nodes, check.now)
    claims = check.call(pe.kubectl_items, ["get", "pvc", "-A", "-o", "json"])
    volumes = check.call(pe.kubectl_items, ["get", "pv", "-o", "json"])
    pods = check.call(pe.kubectl_items, ["get", "pods", "-A", "-o", "json"])
    users = claim_users(pods) if pods is not None else {}
    if claims is not None:
        incidents += claim_incidents(claims, users, check.now)
    if volumes is not None:
        kept = []
        incidents += volume_incidents(volumes, check.now, kept)
        if kept:
            check.blind.append("Released volumes kept by reclaimPolicy Retain are not reported (the expected end "
                               "state; reclaim or delete them by hand): %s" % ", ".join(kept))
    if check.settings["dfExec"]:
        if claims is not None and pods is not None:
            incidents += usage_incidents(check, claims, users)
    else:
        check.blind.append("usage of Bound claims is not measured (settings dfExec is false)")
    check.blind.append("node filesystems are seen only through DiskPressure (no kubelet stats: no nodes/proxy access)")
    check.finish(incidents)


if __name__ == "__main__":
    pe.run(main, "pvc-pressure")
