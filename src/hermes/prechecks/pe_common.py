#!/usr/bin/env python3
"""Shared code of the platform-engineer pre-check scripts (Hermes cron `--script`).

Hermes runs a job's pre-check script before the agent. The script's stdout goes into the agent's prompt;
when its last line is {"wakeAgent": false} the agent run is skipped (no LLM tokens). Every script here:

* reads the cluster only through `kubectl` on PATH (no shell, JSON output, never Secrets, never
  credentials or impersonation flags: see `_check_argv`);
* reads its thresholds from settings.json beside it (or $PLATFORM_ENGINEER_SETTINGS);
* keeps its open incidents in the shared incident ledger (pe_ledger.py: $PLATFORM_ENGINEER_STATE_DIR/
  incidents.json, one for all watchdogs, under a flock) so that an incident wakes the agent once whichever
  watchdog sees it (new key, changed digest, a reminder after reminderHours, or the end of a hold), not on every
  tick; the ledger is saved after the whole output is built, and records as reported only the incidents whose
  summary line is printed. Its own state (node-resource-drift's samples) is one JSON file per script, guarded by
  a non-blocking flock on "<state file>.lock" (a tick that finds it held prints a note and
  {"wakeAgent": false}: see StateFile);
* prints at most 4 KB of evidence, then the JSON line, and exits 0. The summary line of every reported
  incident comes before any detail (Check.render); every line passes through fit_line(), so text from the
  cluster (event reasons, names, log lines) can never add a line of its own. A failure of its own (kubectl
  error, timeout, unparsable output, bad settings, unexpected exception) is a fault incident keyed by its cause:
  it wakes the agent once with the error, stays open in the ledger and is reminded; a broken watchdog must
  never look like a quiet one.

Python 3.11+ standard library only.
"""

import json
import os
import re
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone

# hashlib and traceback are imported where they are used: every tick starts a fresh interpreter, and a
# healthy tick needs neither.

SCRIPT_DIR = os.path.dirname(os.path.abspath(__file__))
DEFAULT_STATE_DIR = "/opt/data/platform-engineer/state"

WAKE_LINE = '{"wakeAgent": true}'
SLEEP_LINE = '{"wakeAgent": false}'

# Evidence printed before the last line is capped at this many bytes (UTF-8).
MAX_EVIDENCE_BYTES = 4096
# A single kubectl call is killed after this many seconds.
KUBECTL_TIMEOUT = 60.0
# The seeded config.yaml sets cron.script_timeout_seconds: 120 (Hermes kills a pre-run script after it): stop
# starting kubectl calls well before that so the script can still print what it saw and the JSON line.
TIME_BUDGET = 100.0
# A reminder is due when reminderHours have passed, minus this slack: the scheduler's ticks drift by seconds,
# and a daily job must not miss its 24 h reminder by a few of them.
REMINDER_SLACK = timedelta(minutes=5)

SETTINGS_SPEC = {
    # key: (type, minimum, maximum)
    "diskPercent": (int, 1, 100),
    "cpuPercent": (int, 1, 100),
    "memoryPercent": (int, 1, 100),
    "sustainedTicks": (int, 1, 1000),
    "certificateDays": (int, 1, 3650),
    "reminderHours": (float, 0, 24 * 365),
    "protectedNamespaces": (list, None, None),
    "argocdNamespace": (str, None, None),
    "restartIntervalMinutes": (float, 0, 60 * 24 * 365),
    "dfExec": (bool, None, None),
}

_START = time.monotonic()
_TIMED_OUT = []  # a get/top call that timed out: later get/top calls are not started (API server unreachable)
_OK_CALLS = []  # calls that succeeded (the API server answered): closes an API server fault


class PrecheckError(Exception):
    """A failure of the watchdog itself (settings, state, kubectl): a fault incident (pe_ledger.fault_of).
    cause: (key, salient, label) when the raiser knows the cause better than the error text says."""

    def __init__(self, message, cause=None):
        super().__init__(message)
        self.cause = cause


class KubectlError(PrecheckError):
    def __init__(self, argv, detail):
        super().__init__(detail)
        self.cause = None
        self.argv = list(argv)
        self.detail = detail

    def __str__(self):
        return "kubectl %s: %s" % (" ".join(self.argv), self.detail)


# --------------------------------------------------------------------------------------------- text helpers

# Order matters: whole escape sequences first (CSI, OSC, DCS/SOS/PM/APC strings, two-character escapes, 8-bit
# CSI), then lone control characters (C0 but tab and newline, DEL, C1), then invisible bidi and zero-width
# characters (which can reorder or hide text for a reader without changing what a program sees).
_CONTROL = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"                 # CSI: colours, cursor movement (ESC [ ... final byte)
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"      # OSC: window titles, hyperlinks (ESC ] ... BEL or ST)
    r"|\x1b[PX^_][^\x1b]*\x1b\\"               # DCS, SOS, PM, APC strings (... ST)
    r"|\x1b[ -/]*[0-~]"                        # other escapes (ESC ( B, ESC 7, ESC c, ...)
    r"|\x9b[0-?]*[ -/]*[@-~]"                  # 8-bit CSI
    r"|[\x00-\x08\x0b-\x1f\x7f-\x9f]"           # C0 controls (tab and newline kept), DEL, C1 controls
    r"|[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]"  # zero-width and bidi controls, BOM
)
# Line breaks a reader (or a model) may honour besides \n: folded by one_line().
_BREAKS = re.compile(r"\r\n|[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")


def clean(text):
    """Removes terminal escapes, control characters (tab and newline kept) and bidi/zero-width characters.
    Log lines may carry colours; any text from the cluster may carry anything."""
    return _CONTROL.sub("", str(text if text is not None else ""))


def one_line(text):
    """Evidence line: line breaks folded into a visible "\\n", then clean(), tabs as spaces. No result can
    hold a newline, carriage return or control character, so text from a cluster object cannot start a line
    of its own (e.g. a fake "remediation:" verdict). Idempotent."""
    folded = _BREAKS.sub("\\\\n", str(text if text is not None else ""))
    return clean(folded).replace("\t", " ")


def short(text, limit=200):
    """One line, at most `limit` characters, with an ellipsis when cut."""
    one = " ".join(clean(text).split())
    if len(one) <= limit:
        return one
    return one[: max(0, limit - 3)].rstrip() + "..."


def truncate_line(text, limit=200):
    """Like short() but keeps inner spacing (log lines)."""
    line = clean(text).rstrip()
    if len(line) <= limit:
        return line
    return line[: max(0, limit - 3)] + "..."


_KLOG = re.compile(r"^[IWEF]\d{4} \d{2}:\d{2}:\d{2}")


def stderr_excerpt(raw, limit=300):
    """The last meaningful lines of a command's stderr, as one short line (klog noise dropped if there is
    a plain message too)."""
    text = clean(raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw)
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if not lines:
        return "(no error output)"
    plain = [ln for ln in lines if not _KLOG.match(ln)]
    return short(" | ".join((plain or lines)[-4:]), limit)


def tail(text, limit=120):
    """The end of a one-line text (where error messages keep their cause), with a leading ellipsis."""
    one = " ".join(clean(text).split())
    return one if len(one) <= limit else "..." + one[-(limit - 3):]


def plural(n, word, many=None):
    return "%d %s" % (n, word if n == 1 else (many or word + "s"))


# --------------------------------------------------------------------------------------------- time

_TS = re.compile(
    r"^\s*(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?\s*$"
)


def parse_time(value):
    """Parses the RFC 3339 / ISO 8601 timestamps Kubernetes and kubectl write. None when absent or invalid
    (never raises: the values come from cluster objects anyone with write access can fill).

    A timestamp without a zone is taken as UTC. Fractions of any length are accepted (MicroTime has six
    digits, some tools write nine), which datetime.fromisoformat did not accept before Python 3.11.
    """
    if not isinstance(value, str) or not value:
        return None
    m = _TS.match(value)
    if not m:
        return None
    year, month, day, hour, minute, second, frac, zone = m.groups()
    try:
        micro = int((frac or "0")[:6].ljust(6, "0"))
        dt = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0), micro)
    except ValueError:
        return None
    try:
        if zone in (None, "Z", "z"):
            tz = timezone.utc
        else:
            sign = -1 if zone[0] == "-" else 1
            digits = zone[1:].replace(":", "")
            offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0))
            tz = timezone(sign * offset)  # ValueError for offsets of 24 h or more (+24:00, -99:59)
        return dt.replace(tzinfo=tz).astimezone(timezone.utc)
    except (ValueError, OverflowError):  # also 9999-12-31T23:00:00-02:00 (past datetime.max in UTC)
        return None


def now_utc():
    """The current time, or $PLATFORM_ENGINEER_NOW (ISO 8601) when set (tests, benchmark)."""
    fixed = os.environ.get("PLATFORM_ENGINEER_NOW", "").strip()
    if fixed:
        parsed = parse_time(fixed)
        if parsed is None:
            raise PrecheckError("PLATFORM_ENGINEER_NOW=%r is not an ISO 8601 time" % fixed[:60])
        return parsed
    return datetime.now(timezone.utc)


def fmt_time(dt):
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") if dt else "unknown"


def fmt_age(delta):
    seconds = int(delta.total_seconds())
    if seconds < 0:
        return "in the future"
    if seconds < 60:
        return "%ds" % seconds
    minutes = seconds // 60
    if minutes < 60:
        return "%dm" % minutes
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return "%dh%02dm" % (hours, minutes)
    days, hours = divmod(hours, 24)
    return "%dd%dh" % (days, hours)


def since(dt, now):
    """'2026-11-23T09:41:00Z (19m ago)', or 'unknown'."""
    if dt is None:
        return "unknown"
    return "%s (%s ago)" % (fmt_time(dt), fmt_age(now - dt))


# --------------------------------------------------------------------------------------------- settings


def settings_path():
    return os.environ.get("PLATFORM_ENGINEER_SETTINGS") or os.path.join(SCRIPT_DIR, "settings.json")


def load_settings():
    path = settings_path()
    try:
        with open(path, "r", encoding="utf-8") as fh:
            raw = json.load(fh)
    except FileNotFoundError:
        raise PrecheckError("settings file %s not found (set PLATFORM_ENGINEER_SETTINGS or install settings.json)" % path)
    except (OSError, ValueError) as exc:
        raise PrecheckError("settings file %s is unreadable: %s" % (path, short(exc, 200)))
    if not isinstance(raw, dict):
        raise PrecheckError("settings file %s must hold a JSON object" % path)
    problems = []
    settings = {}
    for key, (kind, low, high) in SETTINGS_SPEC.items():
        if key not in raw:
            problems.append("%s is missing" % key)
            continue
        value = raw[key]
        if kind is bool:
            ok = isinstance(value, bool)
        elif kind is int:
            ok = isinstance(value, int) and not isinstance(value, bool)
        elif kind is float:
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        elif kind is list:
            ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
        else:
            ok = isinstance(value, str) and value != ""
        if not ok:
            problems.append("%s must be %s" % (key, {bool: "true or false", int: "a whole number", float: "a number",
                                                     list: "a list of strings", str: "a non-empty string"}[kind]))
            continue
        if low is not None and not (low <= value <= high):
            problems.append("%s must be between %s and %s" % (key, low, high))
            continue
        settings[key] = value
    settings["timezone"] = raw.get("timezone", "UTC")
    if not isinstance(settings["timezone"], str) or not re.match(r"^[A-Za-z0-9_+-]+(/[A-Za-z0-9_+-]+)*$", settings["timezone"]):
        problems.append("timezone must be an IANA time zone name such as Europe/Madrid")
    else:
        try:
            import pe_ledger

            pe_ledger.zone(settings["timezone"])
        except Exception:  # noqa: BLE001 - ZoneInfoNotFoundError, or no tz database in the image
            problems.append("timezone is not in this container's time zone database (install tzdata or use UTC)")
    settings["maintenanceWindows"] = raw.get("maintenanceWindows", [])
    problems.extend(maintenance_problems(settings["maintenanceWindows"]))
    if problems:
        raise PrecheckError("settings file %s: %s" % (path, "; ".join(problems)),
                            cause=("fault:settings", "invalid", "the watchdogs' settings.json is missing or invalid"))
    return settings


_WINDOW_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
_OBJECT = re.compile(r"^[a-z]{1,40}/([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?/)?[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$")


def maintenance_problems(windows):
    """What is wrong with settings.maintenanceWindows (synth validates them too: see src/site/schema.ts)."""
    import pe_ledger

    if not isinstance(windows, list):
        return ["maintenanceWindows must be a list"]
    problems = []
    for i, w in enumerate(windows):
        where = "maintenanceWindows[%d]" % i
        if not isinstance(w, dict) or set(w) - {"name", "schedule", "durationMinutes", "scope", "reason"}:
            problems.append("%s must be an object with name, schedule, durationMinutes, scope" % where)
            continue
        if not isinstance(w.get("name"), str) or not _WINDOW_NAME.match(w["name"]):
            problems.append("%s.name must be a DNS label" % where)
        try:
            pe_ledger.parse_cron(w.get("schedule") if isinstance(w.get("schedule"), str) else "")
        except ValueError as exc:
            problems.append("%s.schedule: %s" % (where, exc))
        d = w.get("durationMinutes")
        if not isinstance(d, int) or isinstance(d, bool) or not 1 <= d <= 1440:
            problems.append("%s.durationMinutes must be a whole number from 1 to 1440" % where)
        scope = w.get("scope")
        if not isinstance(scope, dict) or not scope or set(scope) - {"nodes", "namespaces", "watchdogs", "objects"}:
            problems.append("%s.scope must name nodes, namespaces, watchdogs or objects" % where)
            continue
        for field, values in scope.items():
            pattern = _OBJECT if field == "objects" else _WINDOW_NAME if field != "nodes" else re.compile(r"^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$")
            if not isinstance(values, list) or not values or not all(isinstance(v, str) and pattern.match(v) for v in values):
                problems.append("%s.scope.%s must be a non-empty list of names" % (where, field))
    return problems


# --------------------------------------------------------------------------------------------- kubectl

# Flags that would change who we are or where we connect: the scripts use the pod's own service account.
_FORBIDDEN_FLAGS = {
    "--kubeconfig", "--token", "--as", "--as-group", "--as-uid", "--server", "-s", "--raw", "--username",
    "--password", "--client-certificate", "--client-key", "--context", "--cluster", "--user",
    "--insecure-skip-tls-verify", "--certificate-authority",
}
_ALLOWED_VERBS = {"get", "top", "logs", "exec"}


def _check_argv(argv):
    """Refuses any kubectl call outside the read-only set the ClusterRole is built for."""
    if not argv or argv[0] not in _ALLOWED_VERBS:
        raise PrecheckError("refusing kubectl %s: only get, top, logs and exec df are used" % " ".join(argv[:2]))
    command = argv
    if argv[0] == "exec":
        if "--" not in argv:
            raise PrecheckError("refusing kubectl exec without an explicit command")
        split = argv.index("--")
        command, remote = argv[:split], argv[split + 1:]
        if not remote or remote[0] != "df":
            raise PrecheckError("refusing kubectl exec of anything but df")
    for arg in command:
        if arg.split("=", 1)[0] in _FORBIDDEN_FLAGS:
            raise PrecheckError("refusing kubectl flag %s" % arg.split("=", 1)[0])
    if argv[0] == "get":
        for resource in (argv[1] if len(argv) > 1 else "").split(","):
            base = resource.split("/", 1)[0].split(".", 1)[0].lower()
            if base in ("secret", "secrets", "all"):
                raise PrecheckError("refusing kubectl get %s: the pre-checks never read Secrets" % resource)


def _budget_left():
    return TIME_BUDGET - (time.monotonic() - _START)


def kubectl_timeout():
    raw = os.environ.get("PLATFORM_ENGINEER_KUBECTL_TIMEOUT", "")
    try:
        value = float(raw) if raw else KUBECTL_TIMEOUT
    except ValueError:
        value = KUBECTL_TIMEOUT
    return value if value > 0 else KUBECTL_TIMEOUT


def kubectl(argv, timeout=None):
    """Runs `kubectl ARGV` (no shell) and returns stdout as text. Raises KubectlError on any failure."""
    argv = [str(a) for a in argv]
    _check_argv(argv)
    limit = min(timeout or kubectl_timeout(), kubectl_timeout())
    left = _budget_left()
    if left < 2:
        raise KubectlError(argv, "not run: the script's %ds time budget is used up" % TIME_BUDGET)
    if _TIMED_OUT and argv[0] in ("get", "top"):
        raise KubectlError(argv, "not run: an earlier call (kubectl %s) timed out" % " ".join(_TIMED_OUT[0]))
    limit = min(limit, left)
    try:
        proc = subprocess.run(["kubectl"] + argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=limit, check=False)
    except FileNotFoundError:
        raise KubectlError(argv, "kubectl not found on PATH")
    except subprocess.TimeoutExpired:
        if argv[0] in ("get", "top"):  # the API server did not answer; logs and exec go to one kubelet
            _TIMED_OUT.append(argv)
        raise KubectlError(argv, "timed out after %ds" % int(limit))
    except OSError as exc:
        raise KubectlError(argv, "could not run kubectl: %s" % short(exc, 200))
    if proc.returncode != 0:
        raise KubectlError(argv, "exit %d: %s" % (proc.returncode, stderr_excerpt(proc.stderr)))
    if argv[0] in ("get", "top"):
        _OK_CALLS.append(argv[0])
    return proc.stdout.decode("utf-8", "replace")


def kubectl_json(argv, timeout=None):
    out = kubectl(argv, timeout)
    try:
        return json.loads(out)
    except ValueError:
        raise KubectlError(argv, "unparsable output (not JSON): %s" % short(out, 120))


def kubectl_items(argv, timeout=None):
    """`kubectl get ... -o json` of a list: returns its items."""
    doc = kubectl_json(argv, timeout)
    items = doc.get("items") if isinstance(doc, dict) else None
    if not isinstance(items, list):
        raise KubectlError(argv, "unexpected output: no items list")
    return [i for i in items if isinstance(i, dict)]


def budget_left():
    return _budget_left()


# --------------------------------------------------------------------------------------------- objects


def meta(obj):
    m = obj.get("metadata") if isinstance(obj, dict) else None
    return m if isinstance(m, dict) else {}


def name_of(obj):
    return meta(obj).get("name") or "?"


def ns_of(obj):
    return meta(obj).get("namespace") or ""


def dig(obj, *path, default=None):
    cur = obj
    for step in path:
        if isinstance(cur, dict):
            cur = cur.get(step)
        elif isinstance(cur, list) and isinstance(step, int) and -len(cur) <= step < len(cur):
            cur = cur[step]
        else:
            return default
        if cur is None:
            return default
    return cur


def condition(obj, ctype):
    for cond in dig(obj, "status", "conditions", default=[]) or []:
        if isinstance(cond, dict) and cond.get("type") == ctype:
            return cond
    return None


def controller_ref(obj):
    for ref in meta(obj).get("ownerReferences") or []:
        if isinstance(ref, dict) and ref.get("controller"):
            return ref
    return None


def node_ready_problem(node):
    """None when the node is Ready, otherwise (status, reason, message, since)."""
    cond = condition(node, "Ready")
    if cond is None:
        return ("Missing", "NoReadyCondition", "the node reports no Ready condition", None)
    if cond.get("status") == "True":
        return None
    return (cond.get("status") or "Unknown", cond.get("reason") or "", cond.get("message") or "",
            parse_time(cond.get("lastTransitionTime")))


# --------------------------------------------------------------------------------------------- incidents


class Incident(object):
    """One thing that needs the agent's attention.

    key     stable identity, e.g. "pod:apps/web-1" (the same problem on the next tick has the same key)
    salient the state that matters, e.g. "phase=Pending reason=Unschedulable": never timestamps or counters
            that move every tick. Its digest decides whether an open incident "changed".
    summary one line of evidence; details: more lines (indented in the output).
    enrich  optional callable enrich(budget) returning extra lines, only called when the incident is reported
            and its summary is printed (log excerpts, remediation checks: kubectl calls that a silent tick does
            not need). budget is the number of output bytes left for them, each line counted as printed
            (evidence_bytes): an enrich that prints a verdict after a variable part (a log excerpt) sizes the
            variable part so that the verdict fits. Any exception it raises becomes a short note.
    remind  False: reported when new or changed, never reminded (a leftover that needs no daily nudge).
    """

    def __init__(self, key, salient, summary, details=None, enrich=None, remind=True, subjects=None, cause=None):
        self.key = key
        self.subjects = list(subjects or [])  # objects besides the one its key names (pe_ledger.subjects_of)
        self.cause = cause  # the key of the incident this one is a symptom of (a NotReady node), if any
        self.salient = salient
        self.summary = summary
        self.details = list(details or [])
        self.enrich = enrich
        self.remind = remind

    @property
    def digest(self):
        import hashlib

        return hashlib.sha256(self.salient.encode("utf-8")).hexdigest()[:16]



# --------------------------------------------------------------------------------------------- restart loops

LOOP_REASONS = {"CrashLoopBackOff": "CrashLoopBackOff", "ImagePullBackOff": "ImagePullBackOff", "ErrImagePull": "ImagePullBackOff"}
# A container running again for less than this after a crash still counts as looping (while its incident is open).
LOOP_RECOVERY = timedelta(minutes=10)


def container_statuses(pod):
    out = []
    for field, init in (("initContainerStatuses", True), ("containerStatuses", False)):
        for cs in dig(pod, "status", field, default=[]) or []:
            if isinstance(cs, dict):
                out.append((cs, init))
    return out


def looping_containers(pod):
    hits = []
    for cs, init in container_statuses(pod):
        reason = dig(cs, "state", "waiting", "reason")
        if reason in LOOP_REASONS:
            hits.append((cs, init, LOOP_REASONS[reason], False))
    return hits


def recovering_containers(pod, now):
    """Containers running again for less than LOOP_RECOVERY after a crash (only used for open incidents)."""
    hits = []
    for cs, init in container_statuses(pod):
        started = parse_time(dig(cs, "state", "running", "startedAt"))
        last = dig(cs, "lastState", "terminated")
        if started is None or not last or (cs.get("restartCount") or 0) < 1:
            continue
        if last.get("reason") == "Completed" and last.get("exitCode") == 0:
            continue
        if now - started < LOOP_RECOVERY:
            hits.append((cs, init, "CrashLoopBackOff", True))
    return hits

def in_restart_loop(pod, now):
    """True when a container of the pod is in a back-off, or restarted after a failure less than LOOP_RECOVERY
    ago: the pod-restart-loop watchdog's business."""
    return bool(looping_containers(pod) or recovering_containers(pod, now))


def not_ready_incidents(nodes, now):
    """One incident per node whose Ready condition is not True (shared by cluster-health and node-resources)."""
    out = []
    for node in nodes:
        problem = node_ready_problem(node)
        if problem is None:
            continue
        status, reason, message, since_time = problem
        name = name_of(node)
        out.append(Incident(
            "node:%s:NotReady" % name,
            "Ready=%s reason=%s" % (status, reason),
            "node %s NotReady (Ready=%s%s) since %s: %s" % (
                name, status, ", " + reason if reason else "", since(since_time, now), short(message, 160)),
        ))
    return out

# --------------------------------------------------------------------------------------------- state


def state_dir():
    return os.environ.get("PLATFORM_ENGINEER_STATE_DIR") or DEFAULT_STATE_DIR


class TickSkipped(Exception):
    """Another run of the same watchdog holds the state lock: this one prints a note and {"wakeAgent": false}."""


class StateFile(object):
    """One JSON file per script. A missing or corrupt file starts empty (everything open is new again).

    Read-modify-write of the state is guarded by a non-blocking flock on "<state file>.lock" (lock() at the
    start of the run; the kernel drops it when the process exits). Two overlapping ticks of one watchdog (a
    slow tick still running when the scheduler starts the next one, or a manual run) would otherwise both
    read the old state, both report the same incident and the last writer would win; the second one now
    skips its tick instead: the first one reports whatever there is. The lock file is left in place (removing
    it would let a third run lock a different file).
    """

    def __init__(self, name):
        self.path = os.path.join(state_dir(), name + ".json")
        self.problem = None
        self._lock_fd = None

    def lock(self):
        """Takes the state lock without waiting. False when another process holds it. When the lock file
        cannot be created (state folder missing and not creatable, read-only) the run goes on unlocked:
        saving the state then fails and wakes the agent with that error."""
        import fcntl

        try:
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
            fd = os.open(self.path + ".lock", os.O_RDWR | os.O_CREAT, 0o600)
        except OSError:
            return True
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        except OSError:  # a filesystem without flock: go on unlocked
            os.close(fd)
            return True
        self._lock_fd = fd  # held (open) until the process exits
        return True

    def load(self):
        try:
            with open(self.path, "r", encoding="utf-8") as fh:
                data = json.load(fh)
            if isinstance(data, dict):
                return data
            self.problem = "state file %s did not hold an object; started afresh" % self.path
        except FileNotFoundError:
            pass
        except (OSError, ValueError) as exc:
            self.problem = "state file %s unreadable (%s); started afresh" % (self.path, short(exc, 120))
        return {}

    def save(self, data):
        """Atomic write: temporary file in the same folder, fsync, os.replace."""
        folder = os.path.dirname(self.path)
        tmp = os.path.join(folder, ".%s.%d.tmp" % (os.path.basename(self.path), os.getpid()))
        try:
            os.makedirs(folder, exist_ok=True)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as fh:
                    json.dump(data, fh, indent=1, sort_keys=True)
                    fh.write("\n")
                    fh.flush()
                    os.fsync(fh.fileno())
                os.replace(tmp, self.path)
            except BaseException:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass
                raise
        except OSError as exc:
            raise PrecheckError("could not save state %s: %s (incidents would be reported again on every tick)"
                                % (self.path, short(exc, 160)))


# --------------------------------------------------------------------------------------------- output

# Longest evidence line, in characters (a longer one is cut with "...").
MAX_LINE_CHARS = 600
# Indent of an incident's detail lines.
DETAIL_INDENT = "  "
# An incident's enrich() is not called with less room than this (it would have no room for its lines).
ENRICH_MIN_BYTES = 200
# Room kept for the "... N more incidents not shown" line when not every summary fits.
OMITTED_NOTE_BYTES = 160


def fit_line(text, limit=MAX_LINE_CHARS):
    """The one chokepoint every printed line goes through: one_line() (no newline, carriage return, control,
    bidi or zero-width character survives), trailing space removed, cut at `limit` characters."""
    line = one_line(text).rstrip()
    if len(line) <= limit:
        return line
    return line[: max(0, limit - 3)] + "..."


def line_bytes(line):
    """Bytes one line takes in the output (UTF-8, with its newline)."""
    return len(line.encode("utf-8")) + 1


def printed_bytes(lines, indent=DETAIL_INDENT):
    """Bytes these detail lines take when printed (indent added, fit_line applied): what an enrich(budget)
    compares with its budget."""
    return sum(line_bytes(fit_line(indent + ln)) for ln in lines)


def cap_lines(lines, limit=MAX_EVIDENCE_BYTES):
    """Keeps whole lines within `limit` bytes (newlines included), ending with a '... N more' note when cut.
    Every line goes through fit_line() first."""
    lines = [fit_line(ln) for ln in lines]
    total = sum(line_bytes(ln) for ln in lines)
    if total <= limit:
        return lines
    kept = []
    used = 0
    reserve = 80
    for ln in lines:
        size = line_bytes(ln)
        if used + size > limit - reserve:
            break
        kept.append(ln)
        used += size
    dropped = len(lines) - len(kept)
    kept.append("... %d more %s (output capped at %d bytes; confirm with kubectl)" % (dropped, "line" if dropped == 1 else "lines", limit))
    return kept


def emit(lines, wake):
    """Prints the evidence (only when waking) and the JSON line. A silent tick prints only the JSON line."""
    try:
        sys.stdout.reconfigure(errors="replace")
    except (AttributeError, ValueError):
        pass
    if wake:
        out = cap_lines([ln for ln in lines if ln is not None])
        if out:
            sys.stdout.write("\n".join(out) + "\n")
        sys.stdout.write(WAKE_LINE + "\n")
    else:
        sys.stdout.write(SLEEP_LINE + "\n")
    sys.stdout.flush()


class Check(object):
    """The run of one incident watchdog: settings, time, state, errors and the blind spots it reports."""

    def __init__(self, title, state_name):
        self.title = title
        self.state_file = StateFile(state_name)
        if not self.state_file.lock():
            raise TickSkipped("%s: another run of this watchdog holds %s.lock; this tick is skipped (that run "
                              "reports what there is)" % (title, self.state_file.path))
        self.settings = load_settings()
        self.now = now_utc()
        self.errors = []
        self.blind = []
        self.state = self.state_file.load()
        import pe_ledger

        # The open incidents of every watchdog (read without the lock: finish() re-reads under it).
        self.open = pe_ledger.read_ledger().get("incidents") or {}
        if not isinstance(self.open, dict):
            self.open = {}

    def call(self, fn, *args, **kwargs):
        """Runs a kubectl helper; a failure is recorded (the agent is woken) and None returned."""
        try:
            return fn(*args, **kwargs)
        except PrecheckError as exc:
            self.errors.append(exc)
            return None

    def error_lines(self):
        """One line per distinct failure: calls that failed the same way (API server down) are merged."""
        groups = []
        for err in self.errors:
            if isinstance(err, KubectlError):
                for group in groups:
                    if group[0] == err.detail:
                        group[1].append(" ".join(err.argv))
                        break
                else:
                    groups.append((err.detail, [" ".join(err.argv)]))
            else:
                groups.append((None, [str(err)]))
        lines = []
        for detail, calls in groups:
            if detail is None:
                lines.append("ERROR " + short(calls[0], 400))
            else:
                lines.append("ERROR kubectl %s: %s" % (short("; ".join(calls), 200), short(detail, 320)))
        return lines

    def finish(self, incidents, extra_state=None):
        """Triage against the shared ledger, build the whole output, then save, then print.

        Watchdog failures become fault incidents (pe_ledger.fault_of) and are triaged like any other. The
        ledger lock is held from reading it to saving it, output included (enrich() and its kubectl calls), so
        two watchdogs that see the same thing at once cannot both report it; the output is built before
        anything is saved, so a crash can never leave a state that says "reported" for an incident nobody saw.
        Only incidents whose summary line is printed are recorded as reported (the others wake the next tick).
        A watchdog closes what it no longer sees only when every source was read (a source that failed must
        not resolve the incidents it would have shown)."""
        import pe_ledger

        faults = pe_ledger.fault_incidents(self.errors, self.title)
        api_ok = bool(_OK_CALLS) and not any(f.key == pe_ledger.API_SERVER for f in faults)
        lines, reported = [], []
        try:
            with pe_ledger.Ledger() as led:
                reported, held, quiet, commit = pe_ledger.triage(
                    led.data, faults + list(incidents), self.title, self.now, self.settings, not self.errors, api_ok)
                if led.problem:
                    self.state_file.problem = led.problem
                shown = set()
                if reported:
                    open_count = len(set(led.data.get("incidents") or {}) | {i.key for i in faults + list(incidents)})
                    lines, shown = self.render(quiet, reported, held, open_count)
                commit(shown)
                led.save()
                data = {"version": 2, "updated": fmt_time(self.now)}
                data.update(extra_state or {})
                self.state_file.save(data)
        except PrecheckError as exc:
            # Nothing (or not all) was recorded: report everything this tick saw, with the reason.
            self.errors.append(exc)
            every = [(inc, "unrecorded") for inc in faults + list(incidents)] or reported
            lines, _shown = self.render([], every, [], len(every))
            emit(lines, True)
            return
        emit(lines, bool(reported))

    def render(self, quiet, reported, held, open_count):
        """The evidence lines within MAX_EVIDENCE_BYTES, and the keys of the incidents whose summary is in them.

        Space goes, in this order, to: the head line, errors and notes; the one-line summary of every reported
        incident (as many as fit, in order; a "... N more incidents not shown" line for the rest); the
        "already reported" and "not visible" lines; then the details of the shown incidents, each getting an
        equal share of what is left (unused room passes on to the next). enrich() is called with its
        incident's remaining share, and not at all once the share is too small for it.
        """
        limit = MAX_EVIDENCE_BYTES
        head = "%s at %s: " % (self.title, fmt_time(self.now))
        if reported:
            kinds = {}
            for _inc, why in reported:
                label = why.split(",")[0].split(":")[0]
                kinds[label] = kinds.get(label, 0) + 1
            head += "%s to report (%s); %s open in total." % (
                plural(len(reported), "incident"), ", ".join("%d %s" % (n, k) for k, n in kinds.items()),
                open_count)
        if self.errors:
            head += " The watchdog itself failed: the cluster state below may be incomplete."
        fixed = [head] + self.error_lines()
        if self.state_file.problem:
            fixed.append("note: " + self.state_file.problem)
        fixed = [fit_line(ln) for ln in fixed]
        used = sum(line_bytes(ln) for ln in fixed)

        summaries = [fit_line("[%s] %s" % (why, inc.summary)) for inc, why in reported]
        sizes = [line_bytes(ln) for ln in summaries]
        count = len(summaries)
        if used + sum(sizes) > limit:
            room = limit - used - OMITTED_NOTE_BYTES
            count, taken = 0, 0
            for size in sizes:
                if taken + size > room:
                    break
                taken += size
                count += 1
        used += sum(sizes[:count])
        omitted_line = None
        if count < len(reported):
            rest = len(reported) - count
            omitted_line = fit_line(
                "... %s not shown (output capped at %d bytes): not recorded as reported, so they wake the next tick"
                % (plural(rest, "more incident"), limit))
            used += line_bytes(omitted_line)

        trailing = []
        candidates = []
        if quiet:
            candidates.append("already reported and unchanged (%d): %s" % (len(quiet), short(", ".join(i.key for i in quiet), 400)))
        if held:
            candidates.append("held, not reported (%d): %s" % (len(held), short("; ".join(
                "%s (%s)" % (i.key, why) for i, why in held), 400)))
        candidates.extend("not visible: " + b for b in self.blind)
        for text in candidates:
            ln = fit_line(text)
            if used + line_bytes(ln) <= limit:
                trailing.append(ln)
                used += line_bytes(ln)

        body = []
        left = limit - used
        for i in range(count):
            inc, _why = reported[i]
            share = left // (count - i)
            block, taken, cut = [], 0, 0

            def add(text):
                ln = fit_line(DETAIL_INDENT + text)
                if cut or taken + line_bytes(ln) > share:
                    return False
                block.append(ln)
                return True

            for detail in inc.details:
                if add(detail):
                    taken += line_bytes(block[-1])
                else:
                    cut += 1
            if inc.enrich is not None:
                budget = share - taken
                if cut or budget < ENRICH_MIN_BYTES:
                    extra = []
                    cut += 1
                else:
                    try:
                        extra = list(inc.enrich(budget) or [])
                    except PrecheckError as exc:
                        extra = ["(could not gather more: %s)" % short(str(exc), 200)]
                    except Exception as exc:  # noqa: BLE001 - a broken enrich must not hide the incident
                        extra = ["(could not gather more: %s: %s)" % (type(exc).__name__, short(str(exc), 200))]
                for text in extra:
                    if add(text):
                        taken += line_bytes(block[-1])
                    else:
                        cut += 1
            if cut:
                note = fit_line(DETAIL_INDENT + "(more evidence cut or not gathered: output capped at %d bytes)" % limit)
                if taken + line_bytes(note) <= share:
                    block.append(note)
                    taken += line_bytes(note)
            left -= taken
            body.append(summaries[i])
            body.extend(block)
        if omitted_line:
            body.append(omitted_line)
        shown = {inc.key for inc, _w in reported[:count]}
        return fixed + body + trailing, shown


def run(main, title):
    """Top-level guard: any exception wakes the agent with a short error summary; the exit code stays 0."""
    try:
        main()
    except TickSkipped as exc:
        sys.stdout.write(fit_line(str(exc)) + "\n" + SLEEP_LINE + "\n")
        sys.stdout.flush()
    except PrecheckError as exc:
        _report_failure(title, exc, "%s: pre-check failed: %s" % (title, short(str(exc), 600)))
    except Exception as exc:  # noqa: BLE001 - a broken watchdog must wake, never go quiet
        import traceback

        tb = traceback.extract_tb(exc.__traceback__)
        where = ", ".join("%s:%d %s" % (os.path.basename(f.filename), f.lineno, f.name) for f in reversed(tb[-3:]))
        _report_failure(title, exc, "%s: pre-check crashed: %s: %s (at %s)" % (
            title, type(exc).__name__, short(str(exc), 300), where))
    sys.exit(0)


# Settings used to record a failure that happened before (or while) reading settings.json.
FALLBACK_SETTINGS = {"reminderHours": 24, "maintenanceWindows": [], "timezone": "UTC"}


def _report_failure(title, exc, line):
    """A watchdog that failed before its triage: the failure is a fault incident in the shared ledger (one
    wake per cause, reminded like any incident); when even that fails, it wakes with both errors."""
    try:
        import pe_ledger

        try:
            settings = load_settings()
        except PrecheckError:
            settings = FALLBACK_SETTINGS
        first = pe_ledger.record_fault_only(exc, title, settings, now_utc())
    except TickSkipped:
        first = ("unrecorded", "unrecorded")
    except Exception as again:  # noqa: BLE001 - the ledger is broken too: wake
        emit([line, "the failure could not be recorded in the incident ledger: %s" % short(str(again), 300)], True)
        return
    if first is None:
        sys.stdout.write(fit_line("%s (already reported: open as a watchdog fault in the incident ledger)" % line) + "\n")
        sys.stdout.write(SLEEP_LINE + "\n")
        sys.stdout.flush()
        return
    emit([line, "[%s] open as watchdog fault %s in the incident ledger" % (first[1], first[0].key if hasattr(first[0], "key") else "?")], True)
