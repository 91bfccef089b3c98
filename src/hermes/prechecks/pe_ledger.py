"""The shared incident ledger of the platform-engineer watchdogs: one outage, one message.

Every watchdog (and the silence command, the notices job and the daily report) reads and writes one JSON file,
$PLATFORM_ENGINEER_STATE_DIR/incidents.json, under a blocking flock on "incidents.json.lock" (Hermes may run two
jobs at once; every writer holds the lock from read to atomic replace, so no update is lost). It holds:

* incidents: every open incident by key, whichever watchdog saw it. The first watchdog to report a key owns it;
  another watchdog that sees the same key (a NotReady node in cluster-health and node-resource-drift, an
  unreachable API server in all of them) finds it already reported and stays silent. A reminder is due
  reminderHours after the last report, whoever sees it then.
* watchdog faults are incidents too ("fault:..." keys by cause, never by error text or time: see fault_of), so
  an API server outage wakes the agent once, not on every tick of every watchdog, and stays open in the ledger
  (listed by the daily report) until a watchdog talks to the API server again.
* symptoms are folded into their cause: an incident whose `cause` (a NotReady node for the pods and events on
  it) is open, or closed less than CAUSE_GRACE ago, and a Warning event about an object another open incident
  is about, are held ("absorbed"), not reported. They are reported if they outlive their cause.
* silences (from the silence command) and maintenance windows (site.yaml, via settings.json) hold incidents
  too, but never a fault, and an incident silence never hides a changed incident (another digest) on its key.
  A held incident that is still open when its silence ends is reported then.
* notices: short "resolved" lines for reported incidents that closed, delivered by the script-only
  incident-notices job (no LLM run). An incident closes when a watchdog that saw it reads its sources cleanly
  and no longer sees it (the API server fault: when any watchdog's call succeeds).

Python 3.11+ standard library only.
"""

import json
import os
import re
import time
from datetime import datetime, timedelta, timezone

import pe_common as pe

LEDGER_NAME = "incidents.json"
# How long a writer waits for the ledger lock (every holder only reads, decides, renders and writes).
LOCK_WAIT_SECONDS = 30.0
# A symptom whose cause closed less than this long ago stays folded into it (a node back from a reboot still
# has its Rebooted and NodeNotReady events in the 20-minute event window).
CAUSE_GRACE = timedelta(minutes=30)
# An incident no watchdog has seen for this long is dropped (its watchdog was retired or keeps crashing: the
# crash is a fault incident of its own).
STALE_AFTER = timedelta(hours=48)
# Silences are bounded: at most this long.
MAX_SILENCE = timedelta(days=7)
# A "resolved" notice waits this long before it is delivered: an incident that comes back meanwhile (a
# flapping node, an API server that blinks) is reopened as the same incident, with no new wake and no notice.
SETTLE = timedelta(minutes=10)
# Notices not delivered after this long are dropped (the notices job is not running).
NOTICE_TTL = timedelta(days=2)
MAX_NOTICES = 50
MAX_SILENCES = 100

API_SERVER = "fault:api-server"
METRICS_API = "fault:metrics-api"
STATE_VOLUME = ("fault:state-volume", "unwritable", "the state volume cannot be written")


# --------------------------------------------------------------------------------------------- faults

_UNREACHABLE = ("connection refused", "unable to connect to the server", "no such host", "i/o timeout",
                "connection reset", "tls handshake timeout", "no route to host", "server is currently unable",
                "couldn't get current server api group list", "was refused", "network is unreachable",
                "context deadline exceeded", "unexpected eof", ": eof")


def fault_of(err):
    """(key, salient, label) of a watchdog failure, by cause: the same cause gives the same key in every
    watchdog and on every tick, whatever the exact error text."""
    cause = getattr(err, "cause", None)
    if cause:
        return cause
    if isinstance(err, pe.KubectlError):
        detail = (err.detail or "").lower()
        argv = err.argv or ["?"]
        verb = argv[0]
        resource = argv[1] if len(argv) > 1 and verb in ("get", "top") else ""
        what = ("%s %s" % (verb, resource)).strip()
        if "time budget" in detail:
            return ("fault:time-budget", "time budget", "a watchdog ran out of its time budget (the cluster answers slowly)")
        if "kubectl not found" in detail or "could not run kubectl" in detail:
            return ("fault:kubectl-missing", "kubectl missing", "kubectl cannot be run in the container")
        # Before the unreachable markers: a 503 from the aggregated metrics API means metrics-server is down.
        if verb == "top" and ("metrics" in detail or "could not find the requested resource" in detail):
            return (METRICS_API, "unavailable", "the metrics API (metrics-server) is not available")
        if verb in ("get", "top") and ("timed out" in detail or "an earlier call" in detail):
            return (API_SERVER, "unreachable", "the Kubernetes API server does not answer")
        if any(marker in detail for marker in _UNREACHABLE):
            return (API_SERVER, "unreachable", "the Kubernetes API server is unreachable")
        # Refused reads and unreadable answers are one condition each, whichever calls hit them (RBAC taken
        # away, an expired token, a proxy answering HTML): the summary names the call.
        if "forbidden" in detail:
            return ("fault:forbidden", "forbidden", "RBAC refuses the watchdogs' reads (first: kubectl %s)" % what)
        if "unauthorized" in detail or "must be logged in" in detail:
            return ("fault:unauthorized", "unauthorized", "the API server does not accept the service account's token")
        if "doesn't have a resource type" in detail:
            return ("fault:resource-missing:%s" % what, "missing", "the API server does not serve %s" % (resource or what))
        if "unparsable output" in detail or "unexpected output" in detail:
            return ("fault:output", "unparsable", "kubectl answers with output the watchdogs cannot read (first: kubectl %s)" % what)
        return ("fault:kubectl:%s" % what, "failed", "kubectl %s fails" % what)
    return ("fault:error:%s" % type(err).__name__, "failed", "a watchdog failed")


def fault_incidents(errors, watchdog):
    """One incident per distinct cause; its summary quotes the first error of that cause (cleaned, short)."""
    out = {}
    for err in errors:
        key, salient, label = fault_of(err)
        if key.startswith("fault:error:") or key == "fault:time-budget":
            key = "%s:%s" % (key, watchdog)  # not a cluster-wide cause: one per watchdog
        if key in out:
            out[key][1] += 1
            continue
        out[key] = [pe.Incident(key, "fault " + salient,
                                "watchdog fault: %s (seen by %s): %s" % (label, watchdog, pe.short(str(err), 300))),
                    1]
    incidents = []
    for inc, count in out.values():
        if count > 1:
            inc.details.append("%d failed calls with this cause in this run" % count)
        inc.fault = True
        incidents.append(inc)
    return incidents


# --------------------------------------------------------------------------------------------- subjects

# Kinds without a namespace: their events are filed in "default" all the same (a node's Rebooted event).
CLUSTER_SCOPED = ("node", "persistentvolume", "namespace", "storageclass", "clusterrole", "clusterrolebinding",
                  "customresourcedefinition", "clusterissuer")

_SUBJECT_RULES = (
    (re.compile(r"^node:([^:]+):"), lambda m: ["node/%s" % m.group(1)]),
    (re.compile(r"^node-(?:cpu|memory):(.+)$"), lambda m: ["node/%s" % m.group(1)]),
    (re.compile(r"^disk:node/([^:]+):"), lambda m: ["node/%s" % m.group(1)]),
    (re.compile(r"^pod:([^/]+)/(.+)$"), lambda m: ["pod/%s/%s" % m.groups()]),
    (re.compile(r"^event:([^/]+)/([^/]+)/(.+):[^:]*$"),
     lambda m: ["%s/%s" % (m.group(2).lower(), m.group(3)) if m.group(1) == "-" or m.group(2).lower() in CLUSTER_SCOPED
                else "%s/%s/%s" % (m.group(2).lower(), m.group(1), m.group(3))]),
    (re.compile(r"^restart:([^/]+)/([^/]+)/(.+)$"), lambda m: ["%s/%s/%s" % (m.group(2).lower(), m.group(1), m.group(3))]),
    (re.compile(r"^pvc(?:-usage)?:([^/]+)/(.+)$"), lambda m: ["persistentvolumeclaim/%s/%s" % m.groups()]),
    (re.compile(r"^pv:(.+)$"), lambda m: ["persistentvolume/%s" % m.group(1)]),
    (re.compile(r"^cert:([^/]+)/(.+)$"), lambda m: ["certificate/%s/%s" % m.groups()]),
    (re.compile(r"^argocd:(.+)$"), lambda m: ["application/%s" % m.group(1)]),
)


def subjects_of(inc):
    """The objects an incident is about, as "kind/namespace/name" or "kind/name" (lower-case kind)."""
    found = []
    for pattern, make in _SUBJECT_RULES:
        m = pattern.match(inc.key)
        if m:
            found.extend(make(m))
            break
    for extra in getattr(inc, "subjects", None) or []:
        if extra not in found:
            found.append(extra)
    return found


def subject_namespace(subject):
    parts = subject.split("/")
    return parts[1] if len(parts) == 3 else None


def is_event(key):
    return key.startswith("event:")


def is_symptom(key):
    """Incidents that report other objects' trouble: a Warning event, an ArgoCD Application whose resources are
    unhealthy. They fold into (or hold) an incident about the same object, whichever came first."""
    return key.startswith(("event:", "argocd:"))


def is_fault(key):
    return key.startswith("fault:")


# --------------------------------------------------------------------------------------------- time zones, windows

_CRON_RANGES = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7))
_CRON_FIELD = re.compile(r"^(\*|\d{1,2}(?:-\d{1,2})?)(?:/(\d{1,2}))?$")


def parse_cron(expr):
    """A 5-field cron expression (numbers, *, ranges, lists, steps) as five sets; ValueError when invalid.
    Day of month and day of week combine as in cron: when both are restricted, either may match."""
    fields = expr.split()
    if len(fields) != 5:
        raise ValueError("expected 5 fields (minute hour day-of-month month day-of-week)")
    sets = []
    for text, (low, high) in zip(fields, _CRON_RANGES):
        values = set()
        for part in text.split(","):
            m = _CRON_FIELD.match(part)
            if not m:
                raise ValueError("field %r is not a number, range, list, step or *" % text[:20])
            base, step = m.group(1), int(m.group(2) or 1)
            if base == "*":
                start, end = low, high
            elif "-" in base:
                start, end = (int(x) for x in base.split("-"))
            else:
                start = end = int(base)
            if not (low <= start <= high and low <= end <= high and start <= end and step >= 1):
                raise ValueError("field %r is out of range %d-%d" % (text[:20], low, high))
            values.update(range(start, end + 1, step))
        sets.append(values)
    if 7 in sets[4]:
        sets[4].add(0)
    sets.append((fields[2] != "*", fields[4] != "*"))
    return sets


def cron_matches(sets, local):
    minute, hour, dom, month, dow, (dom_set, dow_set) = sets
    if local.minute not in minute or local.hour not in hour or local.month not in month:
        return False
    weekday = (local.weekday() + 1) % 7  # cron: 0 = Sunday
    if dom_set and dow_set:
        return local.day in dom or weekday in dow
    return local.day in dom and weekday in dow


def zone(name):
    """The IANA time zone `name` (UTC when empty or "UTC")."""
    if not name or name == "UTC":
        return timezone.utc
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


def window_active(window, now, tz):
    """(start, end) of the occurrence of a maintenance window that covers `now`, or None. A window starts at
    every minute its schedule matches (in time zone tz) and lasts durationMinutes."""
    sets = parse_cron(window["schedule"])
    duration = int(window["durationMinutes"])
    base = now.replace(second=0, microsecond=0)
    for back in range(0, duration):
        start = base - timedelta(minutes=back)
        if cron_matches(sets, start.astimezone(tz)):
            end = start + timedelta(minutes=duration)
            if now < end:
                return start, end
    return None


def active_windows(settings, now):
    """[(window, start, end)] of the maintenance windows of settings.json that cover `now`."""
    windows = settings.get("maintenanceWindows") or []
    tz = zone(settings.get("timezone") or "UTC")
    out = []
    for window in windows:
        span = window_active(window, now, tz)
        if span:
            out.append((window, span[0], span[1]))
    return out


# --------------------------------------------------------------------------------------------- silences


def silence_matches(target, inc, watchdog, entry):
    """True when a silence target (or a maintenance window's scope) covers this incident. Never a fault."""
    if is_fault(inc.key):
        return False
    kind, value = target.get("type"), target.get("value")
    if kind == "incident":
        # Only the incident as it was when silenced: a changed incident on that key is news.
        pinned = target.get("digest")
        return inc.key == value and (pinned is None or pinned == inc.digest)
    if kind == "object":
        return value in subjects_of(inc)
    if kind == "namespace":
        return any(subject_namespace(s) == value for s in subjects_of(inc))
    if kind == "watchdog":
        return watchdog == value
    return False


def window_targets(window):
    scope = window.get("scope") or {}
    targets = []
    for node in scope.get("nodes") or []:
        targets.append({"type": "object", "value": "node/%s" % node})
    for ns in scope.get("namespaces") or []:
        targets.append({"type": "namespace", "value": ns})
    for wd in scope.get("watchdogs") or []:
        targets.append({"type": "watchdog", "value": wd})
    for obj in scope.get("objects") or []:
        targets.append({"type": "object", "value": obj})
    return targets


def live_silences(data, now):
    out = []
    for s in data.get("silences") or []:
        until = pe.parse_time(s.get("until")) if isinstance(s, dict) else None
        if until is not None and until > now:
            out.append(s)
    return out


def silenced_by(inc, watchdog, data, windows, now):
    """A short label of the silence or window that holds this incident, or None."""
    entry = (data.get("incidents") or {}).get(inc.key)
    for s in live_silences(data, now):
        if silence_matches(s.get("target") or {}, inc, watchdog, entry):
            return "silence %s until %s" % (s.get("id"), s.get("until"))
    for window, _start, end in windows:
        for target in window_targets(window):
            if silence_matches(target, inc, watchdog, entry):
                return "maintenance window %s until %s" % (window.get("name"), pe.fmt_time(end))
    return None


# --------------------------------------------------------------------------------------------- the file


def ledger_path():
    return os.path.join(pe.state_dir(), LEDGER_NAME)


def read_ledger():
    """The ledger as it is now, without the lock (the file is replaced atomically): for readers only."""
    try:
        with open(ledger_path(), "r", encoding="utf-8") as fh:
            data = json.load(fh)
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


class Ledger(object):
    """The shared file under its lock: `with Ledger() as led: led.data ...; led.save()`."""

    def __init__(self, wait=LOCK_WAIT_SECONDS):
        self.path = ledger_path()
        self.wait = wait
        self.fd = None
        self.problem = None
        self.data = {}

    def __enter__(self):
        import fcntl

        try:
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
            fd = os.open(self.path + ".lock", os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise pe.PrecheckError("could not save state: the incident ledger %s cannot be opened (%s)" % (
                self.path, pe.short(exc, 160)), cause=STATE_VOLUME)
        deadline = time.monotonic() + max(0.0, min(self.wait, pe.budget_left() - 20))
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise pe.TickSkipped("the shared incident ledger %s stayed locked for %ds; this tick is "
                                         "skipped (nothing recorded, so whatever it saw wakes the next tick)"
                                         % (self.path, int(self.wait)))
                time.sleep(0.05)
            except OSError:
                break  # a filesystem without flock: go on unlocked
        self.fd = fd
        self.data = self._load()
        return self

    def __exit__(self, *exc):
        if self.fd is not None:
            os.close(self.fd)  # releases the lock
            self.fd = None
        return False

    def _load(self):
        try:
            with open(self.path, "r", encoding="utf-8") as fh:
                data = json.load(fh)
            if isinstance(data, dict):
                for field in ("incidents", "recent"):
                    if not isinstance(data.get(field), dict):
                        data[field] = {}
                for field in ("silences", "notices"):
                    if not isinstance(data.get(field), list):
                        data[field] = []
                return data
            self.problem = "incident ledger %s did not hold an object; started afresh" % self.path
        except FileNotFoundError:
            pass
        except (OSError, ValueError) as exc:
            self.problem = "incident ledger %s unreadable (%s); started afresh" % (self.path, pe.short(exc, 120))
        return {"incidents": {}, "recent": {}, "silences": [], "notices": []}

    def save(self):
        self.data["version"] = 1
        write_json_atomic(self.path, self.data, "incident ledger")


def write_json_atomic(path, data, what):
    folder = os.path.dirname(path)
    tmp = os.path.join(folder, ".%s.%d.tmp" % (os.path.basename(path), os.getpid()))
    try:
        os.makedirs(folder, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh, indent=1, sort_keys=True)
                fh.write("\n")
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
    except OSError as exc:
        raise pe.PrecheckError("could not save %s %s: %s (incidents would be reported again on every tick)"
                               % (what, path, pe.short(exc, 160)), cause=STATE_VOLUME)


# --------------------------------------------------------------------------------------------- triage


def duration_text(first, last):
    return pe.fmt_age(last - first) if first and last else "unknown"


def label_of(key):
    """The incident's key as a Discord-safe inline code span (object names come from the cluster)."""
    return "`%s`" % pe.short(key.replace("`", "'"), 160)


def triage(data, incidents, watchdog, now, settings, clean, api_ok):
    """Decides, for one watchdog tick, what to report. Returns (reported, held, quiet, commit):

    reported  [(incident, why)] to print (in order: faults, causes, symptoms);
    held      [(incident, reason)] silenced or folded into their cause (recorded, not reported);
    quiet     [incident] already reported and unchanged (by this watchdog or another);
    commit    commit(shown_keys) applies the tick to `data` (only the reported incidents whose summary was
              printed are recorded as reported; the others stay due and wake the next tick).

    clean: every source was read (only then may this watchdog close what it no longer sees); api_ok: at least
    one API call succeeded and none failed for an unreachable API server (closes the API server fault).
    """
    entries = data.setdefault("incidents", {})
    recent = data.setdefault("recent", {})
    reminder = timedelta(hours=settings["reminderHours"])
    windows = active_windows(settings, now)
    ordered = sorted(incidents, key=lambda i: (0 if is_fault(i.key) else 2 if (is_event(i.key) or i.cause) else 1))
    seen = {}
    for inc in ordered:
        seen.setdefault(inc.key, inc)

    def open_cause(key):
        if key in entries:
            return key
        closed = pe.parse_time((recent.get(key) or {}).get("closed"))
        if closed is not None and now - closed < CAUSE_GRACE:
            return key
        return None

    def absorber(inc):
        if is_fault(inc.key):
            return None
        if inc.cause and open_cause(inc.cause):
            return inc.cause
        subjects = set(subjects_of(inc))
        if not subjects:
            return None
        for key, entry in entries.items():
            if key == inc.key or is_fault(key) or not isinstance(entry, dict):
                continue
            if not (entry.get("lastReported") or entry.get("held")):
                continue
            if (is_symptom(inc.key) or is_symptom(key)) and subjects & set(entry.get("subjects") or []):
                if is_event(key) and not is_event(inc.key) and key not in seen:
                    continue  # an event that is no longer seen does not hold a condition
                return key
        if is_event(inc.key):
            # A condition that closed a moment ago still explains its events (a node back from a reboot).
            for key, gone in recent.items():
                closed = pe.parse_time((gone or {}).get("closed"))
                if closed is not None and now - closed < CAUSE_GRACE and not is_event(key) \
                        and subjects & set((gone or {}).get("subjects") or []):
                    return key
        return None

    reported, held, quiet, updates = [], [], [], {}
    for key, inc in seen.items():
        prev = entries.get(key) if isinstance(entries.get(key), dict) else None
        if prev is None:
            prev = reopen(data, key, now)
        why = None
        if prev is None:
            why = "new"
        elif prev.get("digest") != inc.digest:
            why = "changed, was: %s" % pe.short(prev.get("salient", "?"), 80)
        elif prev.get("held"):
            why = "%s, held until now: %s" % (prev.get("heldWhy") or "new", pe.short(prev.get("held"), 100))
        elif not prev.get("lastReported"):
            why = "new"
        elif inc.remind:
            last = pe.parse_time(prev.get("lastReported"))
            if last is None or now - last >= reminder - pe.REMINDER_SLACK:
                why = "reminder: open since %s" % pe.since(pe.parse_time(prev.get("firstSeen")), now)
        entry = dict(prev or {})
        entry.update({
            "digest": inc.digest, "salient": inc.salient, "summary": pe.short(inc.summary, 200),
            "lastSeen": pe.fmt_time(now), "subjects": subjects_of(inc),
            "firstSeen": (prev or {}).get("firstSeen") or pe.fmt_time(now),
        })
        entry["announce"] = bool(inc.remind)
        watchers = dict(entry.get("watchers") or {})
        watchers[watchdog] = pe.fmt_time(now)
        entry["watchers"] = watchers
        if inc.cause:
            entry["cause"] = inc.cause
        hold = None
        if why:
            by = absorber(inc)
            if by:
                hold = "part of %s" % by
            else:
                hold = silenced_by(inc, watchdog, data, windows, now)
        if why and hold:
            entry["held"] = hold
            entry["heldWhy"] = why.split(", held until now")[0]
            held.append((inc, hold))
        elif why:
            reported.append((inc, why))
        else:
            quiet.append(inc)
        updates[key] = (entry, why and not hold, prev)

    def commit(shown):
        for key, (entry, report, prev) in updates.items():
            if report:
                if key in shown:
                    entry["lastReported"] = pe.fmt_time(now)
                    entry["owner"] = watchdog
                    entry.pop("held", None)
                    entry.pop("heldWhy", None)
                elif prev is not None:
                    entry = dict(prev, watchers=entry["watchers"], lastSeen=entry["lastSeen"])
                else:
                    continue  # not shown (output capped): not recorded, so it is new again next tick
            entries[key] = entry
            recent.pop(key, None)
        close_unseen(data, set(updates), watchdog, now, clean, api_ok)

    return reported, held, quiet, commit


def close_unseen(data, seen_keys, watchdog, now, clean, api_ok):
    """Closes what this tick's evidence says is over, queues a "resolved" notice for each closed incident that
    had been reported, and forgets what nobody has seen for STALE_AFTER."""
    entries = data.setdefault("incidents", {})
    recent = data.setdefault("recent", {})
    for key in sorted(entries):
        if key in seen_keys:
            continue
        entry = entries[key] if isinstance(entries[key], dict) else {}
        watchers = entry.get("watchers") or {}
        close = False
        if key == API_SERVER:
            close = api_ok
        elif is_fault(key):
            close = watchdog in watchers and api_ok
        else:
            close = watchdog in watchers and clean
        last_seen = pe.parse_time(entry.get("lastSeen"))
        stale = last_seen is None or now - last_seen > STALE_AFTER
        if not (close or stale):
            continue
        del entries[key]
        recent[key] = {"closed": pe.fmt_time(now), "subjects": entry.get("subjects") or [], "entry": entry}
        first = pe.parse_time(entry.get("firstSeen"))
        if entry.get("lastReported") and not entry.get("held") and not is_event(key) and entry.get("announce", True):
            text = "resolved: %s (%s) open since %s, lasted %s%s" % (
                label_of(key), pe.short(entry.get("salient") or "", 60).replace("`", "'"), pe.fmt_time(first),
                duration_text(first, now),
                "" if not stale else "; no watchdog has seen it for %s" % pe.fmt_age(STALE_AFTER))
            queue_notice(data, text, now, key)
    for key in list(recent):
        closed = pe.parse_time((recent.get(key) or {}).get("closed"))
        if closed is None or now - closed > CAUSE_GRACE:
            del recent[key]
    data["silences"] = [s for s in data.get("silences") or [] if isinstance(s, dict)
                        and (pe.parse_time(s.get("until")) or now) > now][-MAX_SILENCES:]


def queue_notice(data, text, now, key=None):
    notices = data.setdefault("notices", [])
    notices.append({"at": pe.fmt_time(now), "due": pe.fmt_time(now + SETTLE), "key": key, "text": pe.fit_line(text, 400)})
    del notices[:-MAX_NOTICES]


def reopen(data, key, now):
    """The entry of an incident that closed less than SETTLE ago (its "resolved" notice not due yet): it is
    back, so it is the same incident (no new wake) and the notice is withdrawn. None otherwise: once the
    recovery is due to be announced, coming back is news."""
    gone = (data.get("recent") or {}).get(key)
    if not isinstance(gone, dict) or not isinstance(gone.get("entry"), dict):
        return None
    closed = pe.parse_time(gone.get("closed"))
    if closed is None or now - closed >= SETTLE:
        return None
    notices = data.get("notices") or []
    data["notices"] = [n for n in notices if not (isinstance(n, dict) and n.get("key") == key)]
    del data["recent"][key]
    return dict(gone["entry"])


def record_fault_only(err, watchdog, settings, now):
    """For a watchdog that failed before it could triage (crash, bad settings): records the fault in the ledger
    and returns the (incident, why) to report, or None when it is already reported (or raises: then the caller
    wakes the agent, a failure never goes quiet)."""
    inc = fault_incidents([err], watchdog)[0]
    with Ledger() as led:
        reported, _held, _quiet, commit = triage(led.data, [inc], watchdog, now, settings, False, False)
        commit({inc.key} if reported else set())
        led.save()
    return reported[0] if reported else None
