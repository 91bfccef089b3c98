#!/usr/bin/env python3
"""Silences for the platform-engineer watchdogs: the agent runs this when the owner asks on Discord.

  silence.py add (--incident KEY | --object KIND/NAMESPACE/NAME | --object node/NAME | --namespace NS |
                  --watchdog NAME) --for DURATION --by WHO [--reason TEXT]
  silence.py lift ID [--by WHO]
  silence.py list

DURATION is 1m to 7d (for example 30m, 4h, 2d): every silence expires. A silenced incident is recorded but does
not wake the agent; when the silence ends and it is still open, it is reported. A silence never hides a
watchdog fault, and an incident silence holds only the incident as it is now: if it changes (another state on
the same key) it is reported. Every argument is validated; an invalid one exits 2 with a message that names
the argument and never repeats its value. Prints what it did; the daily report lists the active silences.
"""

import argparse
import re
import sys
from datetime import timedelta

import pe_common as pe
import pe_ledger

WATCHDOG_NAMES = ("cluster-health-check", "pod-restart-loop", "pvc-pressure", "argocd-sync-health", "cert-expiry",
                  "node-resource-drift")
_DURATION = re.compile(r"^([1-9][0-9]{0,4})(m|h|d)$")
_DNS_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
_KEY = re.compile(r"^[a-z][a-z-]*:[A-Za-z0-9._:/@+-]{1,300}$")
_WHO = re.compile(r"^[A-Za-z0-9 _.@#()-]{1,64}$")
_ID = re.compile(r"^s[0-9]{1,6}$")


class Invalid(Exception):
    pass


def duration(text):
    m = _DURATION.match(text or "")
    if not m:
        raise Invalid("--for must be a number followed by m, h or d (for example 30m, 4h, 2d)")
    value = timedelta(minutes=int(m.group(1)) * {"m": 1, "h": 60, "d": 1440}[m.group(2)])
    if value > pe_ledger.MAX_SILENCE:
        raise Invalid("--for must be at most 7d: every silence expires")
    return value


def who(text):
    if not _WHO.match(text or "") or not text.strip():
        raise Invalid("--by must name who asked (1-64 letters, digits, spaces or . _ @ # ( ) -)")
    return text.strip()


def target_of(args):
    given = [(k, v) for k, v in (("incident", args.incident), ("object", args.object), ("namespace", args.namespace),
                                 ("watchdog", args.watchdog)) if v is not None]
    if len(given) != 1:
        raise Invalid("give exactly one of --incident, --object, --namespace, --watchdog")
    kind, value = given[0]
    if kind == "incident":
        if not _KEY.match(value):
            raise Invalid("--incident must be an incident key as the watchdogs print it (for example pod:apps/web-1)")
        if pe_ledger.is_fault(value):
            raise Invalid("--incident: a watchdog fault cannot be silenced (fix the watchdog instead)")
    elif kind == "object":
        value = value.lower() if value.split("/", 1)[0].isalpha() else value
        if not pe._OBJECT.match(value):
            raise Invalid("--object must be KIND/NAMESPACE/NAME or KIND/NAME (for example deployment/apps/web, node/pi-worker-1)")
    elif kind == "namespace":
        if not _DNS_LABEL.match(value):
            raise Invalid("--namespace must be a namespace name (a DNS label)")
    elif value not in WATCHDOG_NAMES:
        raise Invalid("--watchdog must be one of: %s" % ", ".join(WATCHDOG_NAMES))
    return {"type": kind, "value": value}


def parse(argv):
    parser = argparse.ArgumentParser(prog="silence.py", description="Silence watchdog incidents for a bounded time.")
    sub = parser.add_subparsers(dest="command", required=True)
    add = sub.add_parser("add")
    for flag in ("--incident", "--object", "--namespace", "--watchdog"):
        add.add_argument(flag)
    add.add_argument("--for", dest="duration", required=True)
    add.add_argument("--by", required=True)
    add.add_argument("--reason", default="")
    lift = sub.add_parser("lift")
    lift.add_argument("id")
    lift.add_argument("--by", default="owner")
    sub.add_parser("list")
    return parser.parse_args(argv)


def describe(s):
    t = s.get("target") or {}
    return "%s %s=%s until %s (by %s%s)" % (s.get("id"), t.get("type"), t.get("value"), s.get("until"), s.get("by"),
                                          ("; " + s["reason"]) if s.get("reason") else "")


def main(argv):
    args = parse(argv)
    now = pe.now_utc()
    if args.command == "list":
        data = pe_ledger.read_ledger()
        live = pe_ledger.live_silences(data, now)
        print("active silences: %d" % len(live))
        for s in live:
            print("- " + pe.fit_line(describe(s), 300))
        return 0
    with pe_ledger.Ledger() as led:
        silences = [s for s in led.data.get("silences") or [] if isinstance(s, dict)]
        if args.command == "lift":
            if not _ID.match(args.id):
                raise Invalid("ID must be a silence id as `silence.py list` prints it (for example s3)")
            who(args.by)
            kept = [s for s in silences if s.get("id") != args.id]
            if len(kept) == len(silences):
                raise Invalid("ID: no such silence (see `silence.py list`)")
            led.data["silences"] = kept
            led.save()
            print("lifted silence %s" % args.id)
            return 0
        target = target_of(args)
        until = now + duration(args.duration)
        by = who(args.by)
        reason = pe.short(args.reason, 200)
        if target["type"] == "incident":
            entry = (led.data.get("incidents") or {}).get(target["value"])
            if isinstance(entry, dict) and entry.get("digest"):
                target["digest"] = entry["digest"]
        if len(pe_ledger.live_silences(led.data, now)) >= pe_ledger.MAX_SILENCES:
            raise Invalid("too many active silences (%d): lift some first" % pe_ledger.MAX_SILENCES)
        number = 1 + max([int(s["id"][1:]) for s in silences if _ID.match(str(s.get("id")))] or [0])
        silence = {"id": "s%d" % number, "target": target, "until": pe.fmt_time(until), "by": by,
                   "created": pe.fmt_time(now), "reason": reason}
        silences.append(silence)
        led.data["silences"] = silences
        led.save()
    print("silenced: " + pe.fit_line(describe(silence), 300))
    if target["type"] == "incident" and "digest" not in target:
        print("note: no open incident has this key now; the silence holds it if it appears")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except Invalid as exc:
        sys.stderr.write("silence.py: %s\n" % exc)
        sys.exit(2)
    except (pe.PrecheckError, pe.TickSkipped) as exc:
        sys.stderr.write("silence.py: %s\n" % pe.short(str(exc), 300))
        sys.exit(1)
