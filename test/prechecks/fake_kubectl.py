#!/usr/bin/env python3
"""A fake `kubectl` that replays recorded cluster states (tests and the watchdog benchmark).

Put on PATH under the name `kubectl`. Environment:

  FAKE_KUBECTL_SCENARIO  one or more scenario folders separated by os.pathsep; the first one whose
                         calls.json knows the call answers it (so a small overlay can sit in front of a
                         base scenario). A calls.json may also name a base: {"extends": "healthy"} (a
                         sibling folder), searched after it.
  FAKE_KUBECTL_LOG       if set, every call's argv is appended to this file as one JSON line.

calls.json: {"extends": "other-scenario", "calls": {"<argv joined by single spaces>": ENTRY}, "default": ENTRY}
ENTRY is a file name (its content is printed, exit 0) or an object:
  {"file": "x.json"} | {"stdout": "text"}, optional "stderr": "text", "exit": N, "sleep": seconds.
An argv no scenario knows exits 1 with a kubectl-like error, as a real API server would for a resource it
does not serve or an object that does not exist.
"""

import json
import os
import sys
import time


def log_call(argv):
    path = os.environ.get("FAKE_KUBECTL_LOG")
    if not path:
        return
    line = json.dumps(argv) + "\n"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line.encode("utf-8"))
    finally:
        os.close(fd)


def scenario_chain(roots):
    seen = set()
    chain = []
    queue = list(roots)
    while queue:
        folder = os.path.abspath(queue.pop(0))
        if folder in seen:
            continue
        seen.add(folder)
        path = os.path.join(folder, "calls.json")
        try:
            with open(path, "r", encoding="utf-8") as fh:
                spec = json.load(fh)
        except FileNotFoundError:
            continue
        chain.append((folder, spec))
        base = spec.get("extends")
        if base:
            bases = base if isinstance(base, list) else [base]
            queue.extend(os.path.join(os.path.dirname(folder), b) for b in bases)
    return chain


def not_found(argv):
    words = [a for a in argv if not a.startswith("-")]
    verb = words[0] if words else ""
    if verb == "get" and len(words) >= 2:
        resource = words[1]
        if len(words) >= 3 and "-A" not in argv:
            return 'Error from server (NotFound): %s "%s" not found' % (resource, words[2])
        return 'error: the server doesn\'t have a resource type "%s"' % resource
    return "error: fake kubectl has no recorded answer for: kubectl %s" % " ".join(argv)


def answer(folder, entry):
    if isinstance(entry, str):
        entry = {"file": entry}
    if entry.get("sleep"):
        time.sleep(float(entry["sleep"]))
    if "file" in entry:
        with open(os.path.join(folder, entry["file"]), "rb") as fh:
            sys.stdout.buffer.write(fh.read())
    elif "stdout" in entry:
        sys.stdout.write(entry["stdout"])
    if entry.get("stderr"):
        sys.stderr.write(entry["stderr"].rstrip("\n") + "\n")
    sys.stdout.flush()
    return int(entry.get("exit", 0))


def main():
    argv = sys.argv[1:]
    log_call(argv)
    roots = [r for r in os.environ.get("FAKE_KUBECTL_SCENARIO", "").split(os.pathsep) if r]
    if not roots:
        sys.stderr.write("error: FAKE_KUBECTL_SCENARIO is not set\n")
        return 1
    key = " ".join(argv)
    chain = scenario_chain(roots)
    for folder, spec in chain:
        calls = spec.get("calls") or {}
        if key in calls:
            return answer(folder, calls[key])
    for folder, spec in chain:
        if "default" in spec:
            return answer(folder, spec["default"])
    sys.stderr.write(not_found(argv) + "\n")
    return 1


if __name__ == "__main__":
    sys.exit(main())
