#!/usr/bin/env python3
"""cert-expiry pre-check (daily at 09:00).

One incident per cert-manager Certificate whose status.notAfter is within certificateDays of now (or past),
or whose Ready condition is False. Evidence: namespace/name, dnsNames, notAfter, days left, renewal time and
the Ready condition's reason and message. Only Certificate objects are read, never their Secrets.

Reads: kubectl get certificates.cert-manager.io -A -o json.
"""

from datetime import timedelta

import pe_common as pe

MAX_DNS_NAMES = 4


def cert_incident(cert, now, window_days):
    ns, name = pe.ns_of(cert), pe.name_of(cert)
    not_after = pe.parse_time(pe.dig(cert, "status", "notAfter"))
    ready = pe.condition(cert, "Ready")
    ready_status = ready.get("status") if ready else None
    bad = []
    if not_after is not None and not_after - now <= timedelta(days=window_days):
        bad.append("expired" if not_after <= now else "expiring notAfter=%s" % pe.fmt_time(not_after))
    if ready_status == "False":
        bad.append("Ready=False reason=%s" % (ready.get("reason") or ""))
    if not bad:
        return None
    dns = pe.dig(cert, "spec", "dnsNames", default=[]) or []
    if not dns and pe.dig(cert, "spec", "commonName"):
        dns = [pe.dig(cert, "spec", "commonName")]
    if not_after is None:
        left = "never issued (no notAfter)"
    else:
        days = (not_after - now).total_seconds() / 86400.0
        left = ("expired %.1f days ago" % -days) if days < 0 else ("%.1f days left" % days)
    summary = "certificate %s/%s: notAfter %s, %s; dnsNames %s%s" % (
        ns, name, pe.fmt_time(not_after) if not_after else "none", left,
        ", ".join(dns[:MAX_DNS_NAMES]) or "(none)", " ..." if len(dns) > MAX_DNS_NAMES else "")
    details = []
    if ready is not None:
        details.append("Ready=%s (%s) since %s: %s" % (
            ready_status, ready.get("reason") or "?", pe.since(pe.parse_time(ready.get("lastTransitionTime")), now),
            pe.short(ready.get("message") or "", 220)))
    else:
        details.append("no Ready condition yet")
    renewal = pe.parse_time(pe.dig(cert, "status", "renewalTime"))
    issuer = pe.dig(cert, "spec", "issuerRef") or {}
    details.append("issuer %s/%s, renewalTime %s" % (issuer.get("kind") or "Issuer", issuer.get("name") or "?",
                                                      pe.fmt_time(renewal) if renewal else "unknown"))
    issuing = pe.condition(cert, "Issuing")
    if issuing is not None and issuing.get("status") == "True":
        details.append("issuing since %s: %s" % (pe.since(pe.parse_time(issuing.get("lastTransitionTime")), now),
                                                pe.short(issuing.get("message") or "", 160)))
    failed = pe.parse_time(pe.dig(cert, "status", "lastFailureTime"))
    if failed:
        details.append("last issuance failure %s (%s failed attempts)" % (
            pe.since(failed, now), pe.dig(cert, "status", "failedIssuanceAttempts") or "?"))
    return pe.Incident("cert:%s/%s" % (ns, name), " ".join(bad), summary, details)


def main():
    check = pe.Check("cert-expiry", "cert_expiry")
    certs = check.call(pe.kubectl_items, ["get", "certificates.cert-manager.io", "-A", "-o", "json"])
    incidents = []
    for cert in certs or []:
        inc = cert_incident(cert, check.now, check.settings["certificateDays"])
        if inc is not None:
            incidents.append(inc)
    check.finish(incidents)


if __name__ == "__main__":
    pe.run(main, "cert-expiry")
