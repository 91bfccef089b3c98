#!/usr/bin/env python3
"""incident-notices (script-only Hermes job, `--no-agent`, every 10m): delivers the factual notices the
watchdogs queued in the shared incident ledger, without waking the LLM.

Today that is one "resolved" line per reported incident that closed (what, since when, how long it lasted).
Hermes delivers this script's stdout as it is; an empty stdout is a silent tick. The notices are removed from
the ledger in the same locked update that builds the message, and printed after it is saved (a crash before
the save delivers nothing and loses nothing; the next tick retries). Object names are in inline code spans
(backticks stripped from them); no free text from the cluster is delivered.
"""

import sys
from datetime import timedelta

import pe_common as pe
import pe_ledger

# Discord's message limit is 2000 characters: leave room for Hermes' own framing.
MAX_MESSAGE_CHARS = 1800


def main():
    now = pe.now_utc()
    with pe_ledger.Ledger() as led:
        notices = [n for n in led.data.get("notices") or [] if isinstance(n, dict) and isinstance(n.get("text"), str)]
        fresh = [n for n in notices if (pe.parse_time(n.get("at")) or now) > now - pe_ledger.NOTICE_TTL]
        lines, rest, used = [], [], 0
        for notice in fresh:
            if (pe.parse_time(notice.get("due")) or now) > now:
                rest.append(notice)  # settling: the incident may come back (pe_ledger.SETTLE)
                continue
            line = pe.fit_line(notice["text"], 400)
            if used + len(line) + 1 > MAX_MESSAGE_CHARS - 80:
                rest.append(notice)
                continue
            lines.append(line)
            used += len(line) + 1
        if not lines and len(fresh) == len(notices):
            return  # nothing to deliver, nothing to change: a silent tick writes nothing
        led.data["notices"] = rest
        led.save()
    if lines:
        head = "Platform engineer: %s" % pe.plural(len(lines), "notice")
        more = sum(1 for n in rest if (pe.parse_time(n.get("due")) or now) <= now)
        if more:
            head += " (%d more next time)" % more
        sys.stdout.write("\n".join([head] + ["- " + ln for ln in lines]) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    try:
        main()
    except pe.TickSkipped:
        pass  # another writer holds the ledger: the notices wait for the next tick
    except Exception as exc:  # noqa: BLE001 - a script-only job's failure is delivered as its output
        sys.stdout.write("incident-notices failed: %s: %s\n" % (type(exc).__name__, pe.short(str(exc), 300)))
    sys.exit(0)
