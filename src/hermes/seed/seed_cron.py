#!/usr/bin/env python3
"""Converge Hermes' cron store on the watchdogs defined in git (watchdogs.json beside this file).

Runs inside the Hermes container (the cron-seed Job execs it there), with the `hermes` CLI, which writes
jobs.json under its own lock. Hermes never dedupes job names, so this seeder keeps a manifest of the job ids it
created (HERMES_HOME/platform-engineer/managed-cron.json) and:
  - creates a watchdog that has no managed job and no job of the same name;
  - updates (hermes cron edit) a managed job whose definition changed in git;
  - leaves alone any job it did not create, even one with the same name (it reports it);
  - leaves a managed job whose definition is unchanged untouched, so its run state survives;
  - removes a managed job whose watchdog was retired from git (its script is gone, so it would only fail).
Running it twice in a row changes nothing the second time.
"""
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

HERMES_HOME = Path(os.environ.get("HERMES_HOME", "/opt/data"))
HERMES_BIN = os.environ.get("HERMES_BIN", "hermes")
JOBS_FILE = HERMES_HOME / "cron" / "jobs.json"
MANIFEST = HERMES_HOME / "platform-engineer" / "managed-cron.json"
DESIRED = Path(os.environ.get("SEED_WATCHDOGS", Path(__file__).with_name("watchdogs.json")))


def load_json(path, default):
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except FileNotFoundError:
        return default


def current_jobs():
    return load_json(JOBS_FILE, {"jobs": []}).get("jobs", [])


def digest(watchdog):
    canonical = json.dumps(watchdog, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class HermesError(RuntimeError):
    pass


def hermes(*args):
    result = subprocess.run([HERMES_BIN, "cron", *args], capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        # The CLI prints its reason ("Failed to create job: ...") on stdout and exits 1: keep both streams.
        reason = " | ".join(
            f"{label}: {text.strip()[-500:]}" for label, text in (("stdout", result.stdout), ("stderr", result.stderr)) if text.strip()
        )
        raise HermesError(f"hermes cron {args[0]} failed (exit {result.returncode}): {reason or 'no output'}")
    return result.stdout


def definition_flags(w):
    # --model/--provider pin an agent job to the site's model (a job otherwise keeps the model current when it was
    # created); --no-agent makes a script-only job (its stdout is delivered as is). `cron create` and `cron edit` take both.
    args = ["--name", w["name"], "--deliver", w["deliver"], "--script", w["script"]]
    if w.get("model"):
        args += ["--model", w["model"], "--provider", w["provider"]]
    return args + (["--no-agent"] if w.get("noAgent") else [])


def time_zone_report():
    """What Hermes' scheduler will use as its zone (HERMES_TIMEZONE wins over config.yaml), checked with zoneinfo."""
    name = os.environ.get("HERMES_TIMEZONE", "").strip()
    if not name:
        return "time zone: HERMES_TIMEZONE is not set; cron expressions run in config.yaml's timezone or UTC"
    try:
        from zoneinfo import ZoneInfo

        ZoneInfo(name)
    except Exception as exc:  # ZoneInfoNotFoundError, ValueError
        return f"WARNING time zone {name}: this image cannot load it ({type(exc).__name__}); Hermes falls back to UTC"
    return f"time zone: {name} (cron expressions run in it)"


def write_manifest(manifest):
    MANIFEST.parent.mkdir(parents=True, exist_ok=True)
    tmp = MANIFEST.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(manifest, fh, indent=2, sort_keys=True)
        fh.write("\n")
    os.replace(tmp, MANIFEST)
    if os.getuid() == 0:  # exec'd as root in the root start: hand the file to the hermes user
        try:
            import pwd

            hermes_user = pwd.getpwnam("hermes")
            os.chown(MANIFEST, hermes_user.pw_uid, hermes_user.pw_gid)
            os.chown(MANIFEST.parent, hermes_user.pw_uid, hermes_user.pw_gid)
        except KeyError:
            pass


def main():
    desired = load_json(DESIRED, None)
    if not desired:
        print(f"error: no watchdog definitions in {DESIRED}", file=sys.stderr)
        return 2
    summary = []
    try:
        converge(desired, summary)
    except HermesError:
        print("\n".join(summary))  # what was done before the failure
        raise
    summary.append(time_zone_report())
    print("\n".join(summary))
    return 0


def converge(desired, summary):
    manifest = load_json(MANIFEST, {})
    for w in desired:
        name, want = w["name"], digest(w)
        jobs = current_jobs()
        by_id = {j.get("id"): j for j in jobs}
        entry = manifest.get(name)
        if entry and entry.get("id") in by_id:
            if entry.get("digest") == want:
                summary.append(f"unchanged {name}")
                continue
            hermes("edit", entry["id"], "--schedule", w["schedule"], "--prompt", w["prompt"], *definition_flags(w))
            manifest[name] = {"id": entry["id"], "digest": want}
            summary.append(f"updated   {name}")
            write_manifest(manifest)
            continue
        same_name = [j for j in jobs if str(j.get("name", "")).lower() == name.lower()]
        if same_name:
            ids = ", ".join(str(j.get("id")) for j in same_name)
            summary.append(f"skipped   {name}: a job with this name that the seeder did not create exists ({ids}); left as is")
            manifest.pop(name, None)
            continue
        before = set(by_id)
        hermes("create", w["schedule"], w["prompt"], *definition_flags(w))
        created = [j for j in current_jobs() if j.get("id") not in before and j.get("name") == name]
        if len(created) != 1:
            raise RuntimeError(f"created {name} but found {len(created)} new jobs with that name in {JOBS_FILE}")
        manifest[name] = {"id": created[0]["id"], "digest": want}
        summary.append(f"created   {name}")
        write_manifest(manifest)  # record each creation at once: a failure later must not cause a duplicate
    wanted = {w["name"] for w in desired}
    for name in sorted(set(manifest) - wanted):
        job_id = manifest.pop(name)["id"]
        if job_id in {j.get("id") for j in current_jobs()}:
            hermes("remove", job_id)
            summary.append(f"removed   {name}: no longer defined in git")
        write_manifest(manifest)
    write_manifest(manifest)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except HermesError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(1)
