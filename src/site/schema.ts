/**
 * The site configuration: everything cluster-specific, validated once.
 *
 * Defaults reproduce the user's deployment plan (section 10 "Decisions" wins over earlier sections), so an
 * empty site file renders the plan. Every object is strict: an unknown or misspelt field is an error, not a
 * silently ignored key.
 */
import { z } from 'zod';
import {
  MAX_ENTRIES,
  boundedList,
  boundedString,
  cidr,
  cidrContains,
  dnsLabel,
  dnsName,
  gitUrl,
  httpsUrl,
  ipv4ToInt,
  isSystemNamespace,
  namespaceName,
  repoPath,
  safeText,
  urlHostPort,
  wholeQuantity,
} from './fields';
import { protectedNamespaces } from './protected-namespaces';

export { cidrContains, isIpv4Cidr } from './fields';

// Kubernetes resource quantities, restricted to the units a homelab uses so that a typo fails here and not in
// the API server, and capped so that an absurd value (a PiB of memory) is a mistake reported here.
const MEMORY_UNITS = { Mi: 1, Gi: 1024 } as const;
const memoryQuantity = wholeQuantity(MEMORY_UNITS, 512 * 1024, '512Gi', '512Mi');
const CPU_PATTERN = /^(?:[1-9][0-9]{0,5}m|[0-9]{1,3}(?:\.[0-9]{1,3})?)$/;
const cpuQuantity = boundedString(16, CPU_PATTERN, 'a positive CPU quantity such as "250m" or "1", at most 64 cores').refine(
  (q) => parseQuantity(q) > 0 && parseQuantity(q) <= 64_000,
  'expected a positive CPU quantity such as "250m" or "1", at most 64 cores',
);
const storageSize = wholeQuantity({ Gi: 1 }, 4096, '4096Gi', '5Gi');

const discordSnowflake = boundedString(20, /^[0-9]{17,20}$/, 'a Discord ID: 17 to 20 digits, in quotes (Developer Mode, "Copy ID")');

const labelKey = boundedString(
  253 + 1 + 63,
  /^(?:[a-z0-9](?:[-a-z0-9.]{0,251}[a-z0-9])?\/)?[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/,
  'a Kubernetes label key such as "hardware" or "example.com/gpu"',
);
const labelValue = z
  .string()
  .max(63, { message: 'expected a Kubernetes label value: at most 63 letters, digits, "-", "_" or "."', abort: true })
  .regex(/^(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/, 'expected a Kubernetes label value: at most 63 letters, digits, "-", "_" or "."');

const gitRevision = boundedString(255, /^[A-Za-z0-9._\/-]+$/, 'a branch, tag or commit').refine((r) => !r.split('/').includes('..'), 'expected a branch, tag or commit, without ".."');

/** A model name as LiteLLM lists it ("qwen-3.6:27b", "openai/gpt-4o"): it is copied into config.yaml and SOUL.md. */
const modelName = safeText(128, 'a model name as LiteLLM lists it, such as "qwen-3.6:27b"').regex(
  /^[A-Za-z0-9][A-Za-z0-9._:\/@+-]*$/,
  'expected a model name as LiteLLM lists it, such as "qwen-3.6:27b": letters, digits and . _ : / @ + -',
);

const llmUrl = httpsUrl('https://litellm.example.com/v1');
const apiServerCidrs = boundedList(cidr, 1, 'list at least one network, or the agent cannot reach the Kubernetes API');
const deniedCidrs = boundedList(cidr, 0, '');

/** permissions.readSecrets: false, true, or the namespaces whose Secrets the agent reads (repeats reported by index below). */
const readSecrets = z.union([z.boolean(), z.array(dnsLabel).max(MAX_ENTRIES, { message: `expected at most ${MAX_ENTRIES} entries`, abort: true })], { error: 'expected false, true or a list of namespaces such as [apps, media]' });

const port = z.number().int('expected a whole port number').min(1, 'expected a port from 1 to 65535').max(65535, 'expected a port from 1 to 65535');

// An IANA time zone Hermes' zoneinfo can load: "UTC" or Area/Location with the database's exact spelling (zoneinfo
// is case-sensitive; an unknown zone makes Hermes fall back to UTC with only a log warning). Capped like every
// string, and the pattern admits no quote, "$" or newline, since the value reaches config.yaml and the Deployment.
const TIME_ZONE_EXPECTED = 'an IANA time zone name such as "Europe/Berlin" or "UTC" (exact case, see the tz database)';
const timeZone = boundedString(64, /^(?:UTC|[A-Z][A-Za-z_]+(?:\/[A-Z][A-Za-z0-9_+-]*)+)$/, TIME_ZONE_EXPECTED).refine(isIanaTimeZone, `expected ${TIME_ZONE_EXPECTED}`);

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

export const siteSchema = z
  .object({
    /** Namespace of every namespaced object. */
    namespace: namespaceName.default('platform-engineer'),

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
        preferredLabels: z
          .record(labelKey, labelValue)
          .refine((labels) => Object.keys(labels).length <= MAX_ENTRIES, `expected at most ${MAX_ENTRIES} labels`)
          .default({ hardware: 'high-memory' }),
      })
      .prefault({}),

    /** The derived image (dockerfile). Its tag comes from image.lock.json, written by build-and-push.sh. */
    image: z
      .strictObject({
        repository: boundedString(
          255,
          /^[a-z0-9.-]+(?::[0-9]{1,5})?(?:\/[a-z0-9._-]+)+$/,
          'a registry path such as "git.example.com/owner/hermes-agent" (no tag: the tag comes from image.lock.json)',
        ).default('git.rogi.casa/roger/hermes-agent'),
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
        username: boundedString(64, /^[A-Za-z0-9._-]+$/, '1 to 64 letters, digits, ".", "_" or "-"').default('roger'),
        /** Namespace of the ingress controller: the only source allowed to reach the dashboard port. */
        ingressControllerNamespace: dnsLabel.default('kube-system'),
        /** Proxy addresses Hermes trusts for X-Forwarded-For (exact IPs or bounded CIDRs, never 0.0.0.0/0). */
        trustedProxies: boundedList(
          cidr.refine((c) => !c.endsWith('/0'), 'a /0 network is rejected by Hermes: list the ingress controller\'s pod network'),
          1,
          'list at least the ingress controller\'s pod network, or the dashboard cannot see client addresses',
        ).default(['10.42.0.0/16']),
      })
      .prefault({}),

    /** LLM access through the in-cluster LiteLLM proxy (never Ollama directly). */
    llm: z
      .strictObject({
        baseUrl: llmUrl.default('https://litellm.rogi.casa/v1'),
        model: modelName.default('qwen-3.6:27b'),
        auxiliaryModel: modelName.default('gemini-3-flash'),
      })
      .prefault({}),

    /** Discord delivery. IDs are not credentials; the bot token is in the Secret. */
    discord: z
      .strictObject({
        homeChannel: discordSnowflake,
        allowedUsers: boundedList(discordSnowflake, 1, 'list at least one user ID, or nobody can talk to the bot'),
      }),

    /** The agent's data volume (HERMES_HOME). */
    storage: z
      .strictObject({
        size: storageSize.default('5Gi'),
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
        readSecrets: readSecrets.default(false),
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
        sealingCertificate: repoPath('sealed-secrets/cert.pem', ' (kubeseal --fetch-cert > sealed-secrets/cert.pem)').default('sealed-secrets/cert.pem'),
      })
      .prefault({}),

    network: z
      .strictObject({
        /** The Kubernetes API as NetworkPolicy sees it: after the kubernetes Service's NAT, i.e. the k3s server nodes on 6443. */
        apiServerCidrs: apiServerCidrs.default(['0.0.0.0/0']),
        apiServerPorts: boundedList(port, 1, 'list at least one port, or the agent cannot reach the Kubernetes API').default([6443]),
        /** Never reachable from the agent on any port, e.g. the Ollama box (LiteLLM is the only way in). */
        deniedCidrs: deniedCidrs.default(['10.88.20.12/32']),
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
         * Empty is fine: the built-in set is always protected.
         */
        protectedNamespaces: boundedList(dnsLabel, 0, '').default([]),
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
        repoURL: gitUrl.default('https://git.rogi.casa/roger/homelab.git'),
        targetRevision: gitRevision.default('main'),
        /** Path of this project's dist/<namespace> folder inside that repository. */
        path: repoPath('platform-engineer/dist/platform-engineer').default('platform-engineer/dist/platform-engineer'),
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
    // Combinations that validate field by field but cannot work together. Zod runs this even when a field
    // failed, so each check first makes sure the fields it reads are valid; messages name fields, not values.
    const valid = <T>(schema: z.ZodType<T>, value: unknown): value is T => schema.safeParse(value).success;
    for (const [kind, schema] of [['memory', memoryQuantity], ['cpu', cpuQuantity]] as const) {
      const req = site.resources?.requests?.[kind];
      const lim = site.resources?.limits?.[kind];
      if (valid(schema, req) && valid(schema, lim) && parseQuantity(req) > parseQuantity(lim)) {
        ctx.addIssue({ code: 'custom', path: ['resources', 'requests', kind], message: `must not exceed resources.limits.${kind}` });
      }
    }
    const ns = site.namespace;
    if (valid(namespaceName, ns)) {
      const toolNamespaces = [site.argocd?.namespace, site.dashboard?.ingressControllerNamespace].filter((n): n is string => typeof n === 'string');
      if (isSystemNamespace(ns, toolNamespaces) && !isSystemNamespace(ns)) {
        ctx.addIssue({
          code: 'custom',
          path: ['namespace'],
          message:
            'expected a namespace of its own, not the one named by argocd.namespace or dashboard.ingressControllerNamespace: the install namespace gets a deny-all NetworkPolicy, Pod Security labels and Prune=false',
        });
      }
      const path = site.argocd?.path;
      if (typeof path === 'string' && !(path === `dist/${ns}` || path.endsWith(`/dist/${ns}`))) {
        ctx.addIssue({ code: 'custom', path: ['argocd', 'path'], message: `must end with "dist/${ns}", the folder synth writes for the namespace field` });
      }
    }
    const secretNamespaces = site.permissions?.readSecrets;
    if (Array.isArray(secretNamespaces) && valid(readSecrets, secretNamespaces)) {
      // Read defensively: a field that failed its own check is absent from the built-in set, not a crash here.
      const guarded = protectedNamespaces({
        argocd: { namespace: site.argocd?.namespace ?? 'argocd' },
        clusterServices: {
          certManagerNamespace: site.clusterServices?.certManagerNamespace ?? 'cert-manager',
          sealedSecretsNamespace: site.clusterServices?.sealedSecretsNamespace ?? 'kube-system',
        },
        dashboard: { ingressControllerNamespace: site.dashboard?.ingressControllerNamespace ?? 'kube-system' },
        watchdogs: { protectedNamespaces: Array.isArray(site.watchdogs?.protectedNamespaces) ? site.watchdogs.protectedNamespaces : [] },
        namespace: typeof site.namespace === 'string' ? site.namespace : 'platform-engineer',
      } as unknown as Parameters<typeof protectedNamespaces>[0]);
      secretNamespaces.forEach((ns, i) => {
        if (guarded.includes(ns)) {
          ctx.addIssue({ code: 'custom', path: ['permissions', 'readSecrets', i], message: 'names a protected namespace, whose Secrets reach cluster-wide rights; list only namespaces of your own workloads' });
        } else if (secretNamespaces.indexOf(ns) !== i) {
          ctx.addIssue({ code: 'custom', path: ['permissions', 'readSecrets', i], message: 'repeats an earlier entry; list each namespace once' });
        }
      });
    }
    const denied = valid(deniedCidrs, site.network?.deniedCidrs) ? site.network.deniedCidrs : [];
    if (valid(apiServerCidrs, site.network?.apiServerCidrs)) {
      for (const [i, api] of site.network.apiServerCidrs.entries()) {
        if (denied.some((d) => cidrContains(d, api))) {
          ctx.addIssue({ code: 'custom', path: ['network', 'apiServerCidrs', i], message: 'lies inside network.deniedCidrs: the agent could not reach the Kubernetes API' });
        }
      }
    }
    if (valid(llmUrl, site.llm?.baseUrl)) {
      // The agent's NetworkPolicy lets it out on TCP 443 only, never to the denied networks (network-policy.ts).
      const { host, port } = urlHostPort(site.llm.baseUrl);
      if (port !== 443) {
        ctx.addIssue({ code: 'custom', path: ['llm', 'baseUrl'], message: 'expected port 443 (leave the port out): the agent\'s NetworkPolicy allows HTTPS out on 443 only, so it could never reach the model' });
      }
      if (ipv4ToInt(host) !== undefined && denied.some((d) => cidrContains(d, host))) {
        ctx.addIssue({ code: 'custom', path: ['llm', 'baseUrl'], message: 'its address lies inside network.deniedCidrs: the NetworkPolicy blocks it; use the LiteLLM address behind the ingress' });
      }
      if (/(^|\.)(svc|cluster\.local)$/.test(host)) {
        ctx.addIssue({
          code: 'custom',
          path: ['llm', 'baseUrl'],
          message: 'expected the LiteLLM address behind the ingress, not an in-cluster Service name: the NetworkPolicy allows HTTPS on 443 out of the namespace, not Service ports',
        });
      }
    }
  });

/** Parses the quantities the schema admits (Mi/Gi, m/cores) into one comparable number. */
export function parseQuantity(q: string): number {
  if (q.endsWith('Gi')) return Number(q.slice(0, -2)) * 1024;
  if (q.endsWith('Mi')) return Number(q.slice(0, -2));
  if (q.endsWith('m')) return Number(q.slice(0, -1));
  return Math.round(Number(q) * 1000);
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
