/**
 * Reusable field contracts for the site schema. Each helper writes one kind of value's rules once: a length cap
 * checked first (and aborting, so that no pattern ever runs on a huge input), then a pattern that is linear in
 * the input, then any semantic check. Messages say what is expected and never contain the value.
 *
 * Use these for new fields (a timezone, maintenance windows, ...) instead of a bare z.string().
 */
import { z } from 'zod';

/** The longest string any field accepts; fields have tighter caps of their own. */
export const MAX_STRING = 512;
/** The most entries any list or map accepts. */
export const MAX_ENTRIES = 64;

/**
 * A string of at most `max` characters matching `pattern`. The cap aborts validation, so the pattern only ever
 * sees short input; keep patterns free of nested quantifiers all the same.
 */
export function boundedString(max: number, pattern: RegExp, expected: string) {
  return z
    .string()
    .min(1, { message: `expected ${expected}; it is empty`, abort: true })
    .max(max, { message: `expected ${expected}, at most ${max} characters`, abort: true })
    .regex(pattern, { message: `expected ${expected}`, abort: true });
}

/** Control characters (C0, DEL, C1) and the Unicode line/paragraph separators: never wanted in a field. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/**
 * Free text that ends up in a file Hermes reads (config.yaml, SOUL.md): no control characters or line breaks
 * (they would start a new YAML key or Markdown block), no "${" (Hermes expands ${VAR} in config.yaml from its
 * environment, which holds the API keys).
 */
export function safeText(max: number, expected: string) {
  return z
    .string()
    .min(1, { message: `expected ${expected}; it is empty`, abort: true })
    .max(max, { message: `expected ${expected}, at most ${max} characters`, abort: true })
    .refine((s) => !CONTROL.test(s), { message: `expected ${expected}, without control characters or line breaks`, abort: true })
    .refine((s) => !s.includes('${'), { message: `expected ${expected}, without "\${" (Hermes would expand it from its environment, where the API keys are)`, abort: true });
}

/** RFC 1123 label (label-shaped names; for namespaces use `namespaceName`). */
export const dnsLabel = boundedString(
  63,
  /^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?$/,
  'a DNS-1123 label: lower-case letters, digits and "-", at most 63 characters, starting and ending with a letter or digit',
);

const DNS_NAME = /^[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?)*$/;

/** RFC 1123 subdomain (host names, object names). */
export const dnsName = boundedString(253, DNS_NAME, 'a DNS name such as "hermes.example.com": lower-case letters, digits, "-" and "."');

export function isDnsName(value: string): boolean {
  return value.length <= 253 && DNS_NAME.test(value);
}

/**
 * Namespaces that belong to the cluster or to the tools this project relies on. Installing into one of them
 * would put a default-deny NetworkPolicy, Pod Security labels and Prune=false on workloads that are not ours.
 * The site's own ArgoCD and ingress-controller namespaces are added by the schema (they are site fields).
 */
export const SYSTEM_NAMESPACES: readonly string[] = [
  'default',
  'kube-system',
  'kube-public',
  'kube-node-lease',
  'argocd',
  'cert-manager',
  'sealed-secrets',
  'traefik',
  'ingress-nginx',
  'metallb-system',
  'longhorn-system',
  'flux-system',
  'local-path-storage',
  'tigera-operator',
  'calico-system',
];

/** True for a namespace that is the cluster's or a tool's (kube-* is reserved by Kubernetes). */
export function isSystemNamespace(namespace: string, siteToolNamespaces: readonly string[] = []): boolean {
  return namespace.startsWith('kube-') || SYSTEM_NAMESPACES.includes(namespace) || siteToolNamespaces.includes(namespace);
}

/**
 * A namespace this project may install into: a DNS label that is not the cluster's or a known tool's. The
 * message lists the kinds refused, not the value.
 */
export const namespaceName = dnsLabel.refine((ns) => !isSystemNamespace(ns), {
  message:
    'expected a namespace of its own, not one that belongs to Kubernetes or to a tool the cluster runs (README "Site configuration" lists them): the install namespace gets a deny-all NetworkPolicy, Pod Security labels and Prune=false',
});

/** A list of `item`, between `min` and `max` entries, without duplicates. */
export function boundedList<T extends z.ZodType>(item: T, min: number, minMessage: string, max = MAX_ENTRIES) {
  return z
    .array(item)
    .min(min, minMessage)
    .max(max, { message: `expected at most ${max} entries`, abort: true })
    .refine((list) => new Set(list.map((v) => JSON.stringify(v))).size === list.length, 'expected each entry once: remove the duplicate');
}

/** Dotted IPv4 address to a 32-bit number, or undefined when it is not one. */
export function ipv4ToInt(ip: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  if (octets.some((o) => o > 255)) return undefined;
  return ((octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]) >>> 0;
}

export function isIpv4Cidr(value: string): boolean {
  if (value.length > 18) return false;
  const [ip, bits, ...rest] = value.split('/');
  if (rest.length > 0 || bits === undefined || !/^\d{1,2}$/.test(bits)) return false;
  const addr = ipv4ToInt(ip);
  const prefix = Number(bits);
  if (addr === undefined || prefix > 32) return false;
  // Host bits must be zero, as the API server requires for NetworkPolicy ipBlocks.
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return (addr & ~mask) >>> 0 === 0;
}

/** True when CIDR `outer` contains every address of CIDR `inner` (a bare address counts as a /32). */
export function cidrContains(outer: string, inner: string): boolean {
  const [oIp, oBits] = outer.split('/');
  const [iIp, iBits = '32'] = inner.split('/');
  const ob = Number(oBits);
  if (Number(iBits) < ob) return false;
  const mask = ob === 0 ? 0 : (0xffffffff << (32 - ob)) >>> 0;
  return ((ipv4ToInt(oIp)! & mask) >>> 0) === ((ipv4ToInt(iIp)! & mask) >>> 0);
}

export const cidr = z
  .string()
  .max(18, { message: 'expected an IPv4 CIDR such as "10.88.20.12/32"', abort: true })
  .refine(isIpv4Cidr, 'expected an IPv4 CIDR such as "10.88.20.12/32" (host bits zero)');

/**
 * An https:// URL without credentials, query or fragment: host (DNS name or IPv4), optional port, plain path.
 * The pattern admits no "@" (userinfo), no whitespace, no "$" or "{" (Hermes' ${VAR}), no "%" escapes.
 */
export const HTTPS_URL = /^https:\/\/([a-z0-9.-]+)(?::([0-9]{1,5}))?(\/[A-Za-z0-9._~\/-]*)?$/;

export function httpsUrl(example: string) {
  return boundedString(
    MAX_STRING,
    HTTPS_URL,
    `an absolute URL such as "${example}" (https only): lower-case host name, optional port, a plain path; no user name or password (credentials belong in the Secret), no query, no spaces`,
  ).refine((u) => {
    const m = HTTPS_URL.exec(u);
    return m !== null && (isDnsName(m[1]) || ipv4ToInt(m[1]) !== undefined) && (m[2] === undefined || (Number(m[2]) >= 1 && Number(m[2]) <= 65535));
  }, 'expected a valid host name or IPv4 address and a port from 1 to 65535');
}

/** Host and port (443 when absent) of a URL that passed httpsUrl. */
export function urlHostPort(url: string): { host: string; port: number } {
  const m = HTTPS_URL.exec(url)!;
  return { host: m[1], port: m[2] === undefined ? 443 : Number(m[2]) };
}

/**
 * A git remote ArgoCD can clone: https:// without credentials, ssh://[user@]host[:port]/path or scp-like
 * user@host:path. A user name is fine for SSH (it is "git"); a password never is, and ArgoCD keeps repository
 * credentials in its own Secrets.
 */
export const gitUrl = boundedString(
  MAX_STRING,
  /^(?:https:\/\/[a-z0-9.-]+(?::[0-9]{1,5})?|ssh:\/\/(?:[A-Za-z0-9._-]+@)?[a-z0-9.-]+(?::[0-9]{1,5})?|[A-Za-z0-9._-]+@[a-z0-9.-]+:)\/?[A-Za-z0-9._~\/-]+$/,
  'a git URL: https://host/owner/repo.git (no user name or password: give ArgoCD its repository credentials in its own Secret), ssh://git@host/owner/repo.git or git@host:owner/repo.git',
);

/** A relative path inside the repository: no leading "/", no "..", plain characters. `hint` says how to make the file. */
export function repoPath(example: string, hint = '') {
  const expected = `a relative path inside the repository, such as "${example}"${hint}`;
  return boundedString(256, /^[A-Za-z0-9._-]+(?:\/[A-Za-z0-9._-]+)*$/, expected).refine((p) => !p.split('/').some((part) => part === '..' || part === '.'), {
    message: `expected ${expected}, without "." or ".." parts`,
    abort: true,
  });
}

/**
 * A positive whole quantity with one of `units`, at most `max` in the largest unit. Digits are capped at 6 so the
 * number is exact and the pattern linear.
 */
export function wholeQuantity(units: Readonly<Record<string, number>>, max: number, maxLabel: string, example: string) {
  const names = Object.keys(units);
  const pattern = new RegExp(`^[1-9][0-9]{0,5}(?:${names.join('|')})$`);
  const expected = `a positive whole number of ${names.join(' or ')}, such as "${example}", at most ${maxLabel}`;
  return boundedString(16, pattern, expected).refine((q) => quantityValue(q, units) <= max, `expected ${expected}`);
}

/** The value of a quantity in its schema's base unit. */
export function quantityValue(q: string, units: Readonly<Record<string, number>>): number {
  const unit = Object.keys(units).find((u) => q.endsWith(u) && /[0-9]$/.test(q.slice(0, -u.length)));
  return unit === undefined ? Number(q) : Number(q.slice(0, -unit.length)) * units[unit];
}
