/**
 * The site configuration: everything cluster-specific, validated once.
 *
 * Defaults reproduce the user's deployment plan (section 10 "Decisions" wins over earlier sections), so an
 * empty site file renders the plan. Every object is strict: an unknown or misspelt field is an error, not a
 * silently ignored key.
 */
import { z } from 'zod';
import { protectedNamespaces } from './protected-namespaces';

// RFC 1123 label (namespaces, Secret names, label values of that shape).
const dnsLabel = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'expected a DNS-1123 label: lower-case letters, digits and "-", at most 63 characters, starting and ending with a letter or digit');

// RFC 1123 subdomain (host names, object names).
const dnsName = z
  .string()
  .max(253, 'expected at most 253 characters')
  .regex(
    /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/,
    'expected a DNS name such as "hermes.example.com": lower-case letters, digits, "-" and "."',
  );

const httpsUrl = z
  .string()
  .url('expected an absolute URL such as "https://litellm.example.com/v1"')
  .refine((u) => u.startsWith('https://'), 'expected an https:// URL (the agent may only leave the cluster over HTTPS)');

// Kubernetes resource quantities, restricted to the units a homelab uses so that a typo fails here and not
// in the API server. Zero and negative values are rejected.
const memoryQuantity = z
  .string()
  .regex(/^[1-9][0-9]*(Mi|Gi)$/, 'expected a positive whole number of Mi or Gi, such as "512Mi" or "2Gi"');
const cpuQuantity = z
  .string()
  .regex(/^([1-9][0-9]*m|[1-9][0-9]*(\.[0-9]+)?|0\.[0-9]*[1-9][0-9]*)$/, 'expected a positive CPU quantity such as "250m" or "1"');

const discordSnowflake = z.string().regex(/^[0-9]{17,20}$/, 'expected a Discord ID: 17 to 20 digits (Developer Mode, "Copy ID")');

const cidr = z.string().refine(isIpv4Cidr, 'expected an IPv4 CIDR such as "10.88.20.12/32"');

const labelKey = z
  .string()
  .regex(/^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/, 'expected a Kubernetes label key');
const labelValue = z.string().regex(/^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/, 'expected a Kubernetes label value');

const gitRevision = z.string().min(1).regex(/^[A-Za-z0-9._\/-]+$/, 'expected a branch, tag or commit');
const repoPath = z
  .string()
  .regex(/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/, 'expected a relative path inside the repository, such as "dist/platform-engineer"')
  .refine((p) => !p.split('/').includes('..'), 'must not contain ".."');

// An IANA time zone Hermes' zoneinfo can load: "UTC" or Area/Location with the database's exact spelling (zoneinfo
// is case-sensitive; an unknown zone makes Hermes fall back to UTC with only a log warning).
const timeZone = z
  .string()
  .refine(isIanaTimeZone, 'expected an IANA time zone name such as "Europe/Berlin" or "UTC" (exact case, see the tz database)');

/** Default `timezone`: the plan's owner lives in UTC+1/+2, and the plan's 08:00/09:00 reports mean their morning. */
export const DEFAULT_TIMEZONE = 'Europe/Berlin';

export function isIanaTimeZone(value: string): boolean {
  if (value === 'UTC') return true;
  if (!/^[A-Z][A-Za-z_]+(\/[A-Z][A-Za-z0-9_+-]*)+$/.test(value)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

// --- maintenance windows (issue 10): one self-contained block, validated here and again by the pre-checks.
const CRON_RANGES: ReadonlyArray<[number, number]> = [[0, 59], [0, 23], [1, 31], [1, 12], [0, 7]];
/** A numeric 5-field cron expression (numbers, *, a-b ranges, lists, /steps): what pe_ledger.parse_cron reads. */
export function isNumericCron(expr: string): boolean {
  const fields = expr.trim().split(/\s+/);
  if (fields.length !== 5) return false;
  return fields.every((field, i) =>
    field.split(',').every((part) => {
      const m = /^(\*|(\d{1,2})(?:-(\d{1,2}))?)(?:\/(\d{1,2}))?$/.exec(part);
      if (!m) return false;
      const [lo, hi] = CRON_RANGES[i];
      if (m[4] !== undefined && Number(m[4]) < 1) return false;
      if (m[1] === '*') return true;
      const a = Number(m[2]);
      const b = m[3] === undefined ? a : Number(m[3]);
      return a >= lo && b <= hi && a <= b;
    }),
  );
}
const objectRef = z
  .string()
  .max(320)
  .regex(/^[a-z]{1,40}\/([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\/)?[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/, 'expected KIND/NAMESPACE/NAME or KIND/NAME, such as "deployment/apps/web" or "node/pi-worker-1"');
const watchdogName = z.enum(['cluster-health-check', 'pod-restart-loop', 'pvc-pressure', 'argocd-sync-health', 'cert-expiry', 'node-resource-drift']);
const maintenanceWindow = z
  .strictObject({
    /** Shown in the daily report and in held incidents. */
    name: dnsLabel,
    /** When each window starts: a numeric 5-field cron expression, read in the site's time zone. */
    schedule: z.string().max(100).refine(isNumericCron, 'expected a 5-field cron expression with numbers only, such as "0 3 * * 0" (03:00 on Sundays)'),
    /** How long each window lasts: 1 to 1440 minutes (a window always ends). */
    durationMinutes: z.number().int().min(1).max(1440),
    /** What it holds: incidents about these nodes, namespaces or objects, or of these watchdogs. Never a watchdog fault. */
    scope: z
      .strictObject({
        nodes: z.array(dnsName).min(1).max(50).optional(),
        namespaces: z.array(dnsLabel).min(1).max(50).optional(),
        watchdogs: z.array(watchdogName).min(1).optional(),
        objects: z.array(objectRef).min(1).max(50).optional(),
      })
      .refine((s) => Object.values(s).some((v) => v !== undefined), 'name at least one of nodes, namespaces, watchdogs, objects'),
  });

export function isIpv4Cidr(value: string): boolean {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(value);
  if (!m) return false;
  const octets = m.slice(1, 5).map(Number);
  const prefix = Number(m[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return false;
  // Host bits must be zero, as the API server requires for NetworkPolicy ipBlocks.
  const ip = ((octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]) >>> 0;
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return (ip & ~mask) >>> 0 === 0;
}

export const siteSchema = z
  .object({
    /** Namespace of every namespaced object. */
    namespace: dnsLabel.default('platform-engineer'),

    /** IANA time zone every schedule is read in (Hermes' cron, the watchdogs). Read it through siteTimeZone(). */
    timezone: timeZone.default(DEFAULT_TIMEZONE),

    /** Where the agent runs. The plan pins it to the amd64 NUC. */
    node: z
      .strictObject({
        /** Documentation only: the node the selector and affinity are meant to land on. */
        name: dnsName.default('roger-nucbox-evo-x2'),
        /** Required value of kubernetes.io/arch (the image is built for it). */
        arch: z.enum(['amd64', 'arm64']).default('amd64'),
        /** Node labels preferred (not required) by the scheduler. */
        preferredLabels: z.record(labelKey, labelValue).default({ hardware: 'high-memory' }),
      })
      .prefault({}),

    /** The derived image (dockerfile). Its tag comes from image.lock.json, written by build-and-push.sh. */
    image: z
      .strictObject({
        repository: z
          .string()
          .regex(/^[a-z0-9.-]+(:[0-9]+)?(\/[a-z0-9._-]+)+$/, 'expected a registry path such as "git.example.com/owner/hermes-agent" (no tag: the tag comes from image.lock.json)')
          .default('git.rogi.casa/roger/hermes-agent'),
        /** docker-registry Secret in the namespace, created by hand (checklist). */
        pullSecret: dnsName.default('gitea-registry'),
      })
      .prefault({}),

    /** The public dashboard. */
    dashboard: z
      .strictObject({
        host: dnsName.default('hermes.rogi.casa'),
        ingressClassName: dnsName.default('traefik'),
        /** cert-manager ClusterIssuer that signs the TLS certificate. */
        clusterIssuer: dnsName.default('letsencrypt-prod'),
        /** Basic-auth user name (not a secret; the password hash is in the Secret). */
        username: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'expected 1 to 64 letters, digits, ".", "_" or "-"').default('roger'),
        /** Namespace of the ingress controller: the only source allowed to reach the dashboard port. */
        ingressControllerNamespace: dnsLabel.default('kube-system'),
        /** Proxy addresses Hermes trusts for X-Forwarded-For (exact IPs or bounded CIDRs, never 0.0.0.0/0). */
        trustedProxies: z
          .array(cidr.refine((c) => !c.endsWith('/0'), 'a /0 network is rejected by Hermes: list the ingress controller\'s pod network'))
          .default(['10.42.0.0/16']),
      })
      .prefault({}),

    /** LLM access through the in-cluster LiteLLM proxy (never Ollama directly). */
    llm: z
      .strictObject({
        baseUrl: httpsUrl.default('https://litellm.rogi.casa/v1'),
        model: z.string().min(1).default('qwen-3.6:27b'),
        auxiliaryModel: z.string().min(1).default('gemini-3-flash'),
      })
      .prefault({}),

    /** Discord delivery. IDs are not credentials; the bot token is in the Secret. */
    discord: z
      .strictObject({
        homeChannel: discordSnowflake,
        allowedUsers: z.array(discordSnowflake).min(1, 'list at least one user ID, or nobody can talk to the bot'),
      }),

    /** The agent's data volume (HERMES_HOME). */
    storage: z
      .strictObject({
        size: z.string().regex(/^[1-9][0-9]*Gi$/, 'expected a whole number of Gi, such as "5Gi"').default('5Gi'),
        /** Empty: the cluster's default StorageClass (k3s local-path). */
        storageClassName: dnsName.optional(),
      })
      .prefault({}),

    resources: z
      .strictObject({
        requests: z.strictObject({ memory: memoryQuantity, cpu: cpuQuantity }).default({ memory: '512Mi', cpu: '250m' }),
        limits: z.strictObject({ memory: memoryQuantity, cpu: cpuQuantity }).default({ memory: '2Gi', cpu: '1' }),
      })
      .prefault({}),

    /** How Hermes starts. See README "Two ways to start Hermes". */
    securityMode: z.enum(['root', 'non-root']).default('root'),

    /** What the agent may do in the cluster beyond reading. README "Escalation paths" says what each reaches. */
    permissions: z
      .strictObject({
        /**
         * Secrets the agent may read: false (none), a list of namespaces (a RoleBinding in each; never a protected
         * one), or true (every namespace: the plan's section 3, which reaches cluster-admin through ArgoCD's
         * repository credentials; synth warns).
         */
        readSecrets: z
          .union([z.boolean(), z.array(dnsLabel)], { error: 'expected false, true or a list of namespaces such as [apps, media]' })
          .default(false),
        /**
         * kubectl exec: false (none), "df" (only the storage watchdog's `df -Pk PATH`, enforced by the admission
         * guardrail), or true (any command outside the protected namespaces: plan section 10; synth warns).
         */
        podExec: z.union([z.boolean(), z.literal('df')], { error: 'expected false, "df" or true' }).default('df'),
      })
      .prefault({}),

    /** Credentials Secret: created by hand (external) or committed sealed (sealed). */
    credentials: z
      .strictObject({
        mode: z.enum(['external', 'sealed']).default('external'),
        secretName: dnsName.default('platform-engineer-credentials'),
        /** sealed mode: the controller's public certificate (kubeseal --fetch-cert), relative to the project. */
        sealingCertificate: z.string().min(1).default('sealed-secrets/cert.pem'),
      })
      .prefault({}),

    network: z
      .strictObject({
        /** The Kubernetes API as NetworkPolicy sees it: after the kubernetes Service's NAT, i.e. the k3s server nodes on 6443. */
        apiServerCidrs: z.array(cidr).min(1).default(['0.0.0.0/0']),
        apiServerPorts: z.array(z.number().int().min(1).max(65535)).min(1).default([6443]),
        /** Never reachable from the agent on any port, e.g. the Ollama box (LiteLLM is the only way in). */
        deniedCidrs: z.array(cidr).default(['10.88.20.12/32']),
      })
      .prefault({}),

    /** Watchdog tuning (issue "zero-token watchdogs"). */
    watchdogs: z
      .strictObject({
        diskPercent: z.number().int().min(1).max(99).default(85),
        cpuPercent: z.number().int().min(1).max(100).default(90),
        memoryPercent: z.number().int().min(1).max(100).default(90),
        /** Consecutive samples over the CPU/memory threshold before it counts as sustained. */
        sustainedTicks: z.number().int().min(1).max(48).default(3),
        certificateDays: z.number().int().min(1).max(365).default(21),
        /** Re-alert on an unchanged open incident after this many hours. */
        reminderHours: z.number().int().min(1).max(168).default(24),
        /**
         * More protected namespaces, on top of the built-in ones (kube-system, argocd.namespace,
         * clusterServices.*, dashboard.ingressControllerNamespace) and the agent's own (protected-namespaces.ts).
         */
        protectedNamespaces: z.array(dnsLabel).default([]),
      })
      .prefault({}),

    /** Planned maintenance (README "Silences and maintenance windows"): incidents in scope do not wake the agent. */
    maintenanceWindows: z
      .array(maintenanceWindow)
      .max(20)
      .default([])
      .superRefine((windows, ctx) => {
        windows.forEach((w, i) => {
          if (windows.findIndex((o) => o.name === w.name) !== i) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: 'is used by an earlier window; names must be unique' });
        });
      }),

    /** The ArgoCD Application that syncs dist/<namespace>/ (its namespace is also where the watchdog reads Applications). */
    argocd: z
      .strictObject({
        namespace: dnsLabel.default('argocd'),
        project: dnsLabel.default('default'),
        repoURL: z.string().regex(/^(https:\/\/|ssh:\/\/|git@)[^\s]+$/, 'expected a git URL (https://, ssh:// or git@)').default('https://git.rogi.casa/roger/homelab.git'),
        targetRevision: gitRevision.default('main'),
        /** Path of this project's dist/<namespace> folder inside that repository. */
        path: repoPath.default('platform-engineer/dist/platform-engineer'),
      })
      .prefault({}),

    /** Where the cluster's own services run: always protected by the admission guardrail, never given to readSecrets. */
    clusterServices: z
      .strictObject({
        certManagerNamespace: dnsLabel.default('cert-manager'),
        /** The Sealed Secrets controller's namespace (its private key decrypts every SealedSecret in git). */
        sealedSecretsNamespace: dnsLabel.default('kube-system'),
      })
      .prefault({}),
  })
  .strict()
  .superRefine((site, ctx) => {
    // Combinations that validate field by field but cannot work together.
    for (const kind of ['memory', 'cpu'] as const) {
      const req = site.resources.requests[kind];
      const lim = site.resources.limits[kind];
      if (parseQuantity(req) > parseQuantity(lim)) {
        ctx.addIssue({ code: 'custom', path: ['resources', 'requests', kind], message: `must not exceed resources.limits.${kind} (${lim})` });
      }
    }
    const expectedTail = `dist/${site.namespace}`;
    if (!(site.argocd.path === expectedTail || site.argocd.path.endsWith(`/${expectedTail}`))) {
      ctx.addIssue({ code: 'custom', path: ['argocd', 'path'], message: `must end with "${expectedTail}", the folder synth writes for namespace "${site.namespace}"` });
    }
    const secretNamespaces = site.permissions.readSecrets;
    if (Array.isArray(secretNamespaces)) {
      const guarded = protectedNamespaces(site);
      secretNamespaces.forEach((ns, i) => {
        if (guarded.includes(ns)) {
          ctx.addIssue({ code: 'custom', path: ['permissions', 'readSecrets', i], message: 'names a protected namespace, whose Secrets reach cluster-wide rights; list only namespaces of your own workloads' });
        } else if (secretNamespaces.indexOf(ns) !== i) {
          ctx.addIssue({ code: 'custom', path: ['permissions', 'readSecrets', i], message: 'repeats an earlier entry; list each namespace once' });
        }
      });
    }
    for (const [i, api] of site.network.apiServerCidrs.entries()) {
      if (site.network.deniedCidrs.some((denied) => cidrContains(denied, api))) {
        ctx.addIssue({ code: 'custom', path: ['network', 'apiServerCidrs', i], message: 'lies inside network.deniedCidrs: the agent could not reach the Kubernetes API' });
      }
    }
  });

/** Parses the quantities the schema admits (Mi/Gi, m/cores) into one comparable number. */
export function parseQuantity(q: string): number {
  if (q.endsWith('Gi')) return Number(q.slice(0, -2)) * 1024;
  if (q.endsWith('Mi')) return Number(q.slice(0, -2));
  if (q.endsWith('m')) return Number(q.slice(0, -1));
  return Number(q) * 1000;
}

function ipv4ToInt(ip: string): number {
  return ip.split('.').reduce((acc, o) => ((acc << 8) | Number(o)) >>> 0, 0);
}

/** True when CIDR `outer` contains every address of CIDR `inner`. */
export function cidrContains(outer: string, inner: string): boolean {
  const [oIp, oBits] = outer.split('/');
  const [iIp, iBits] = inner.split('/');
  const ob = Number(oBits);
  if (Number(iBits) < ob) return false;
  const mask = ob === 0 ? 0 : (0xffffffff << (32 - ob)) >>> 0;
  return ((ipv4ToInt(oIp) & mask) >>> 0) === ((ipv4ToInt(iIp) & mask) >>> 0);
}

/** The raw shape a user writes (everything optional that has a default). */
export type SiteInput = z.input<typeof siteSchema>;
/** The validated, defaulted site: read-only from here on. */
export type Site = DeepReadonly<z.output<typeof siteSchema>>;

type DeepReadonly<T> = T extends (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/**
 * The site's IANA time zone (site.yaml `timezone`, default DEFAULT_TIMEZONE). Hermes runs cron expressions in it
 * (config.yaml `timezone`, HERMES_TIMEZONE); anything else that reads a wall-clock schedule should use it too.
 */
export function siteTimeZone(site: Pick<Site, 'timezone'>): string {
  return site.timezone;
}
