/**
 * The watchdogs of plan section 7, defined once as data.
 *
 * Everything else is derived from this list: the seed script's job definitions, the pre-check scripts shipped
 * in the ConfigMap, the README table, the RBAC tests (every kubectl command here must be allowed) and the
 * schedule tests (every schedule must be one Hermes' parser accepts).
 */

export interface Watchdog {
  /** Hermes cron job name (the plan's names; the seed script matches on it). */
  readonly name: string;
  /** Schedule in a form `hermes cron create` accepts (see schedule.ts). */
  readonly schedule: string;
  /** The plan's schedule, when it had to be rewritten for Hermes' parser. */
  readonly planSchedule?: string;
  /** Pre-run script in src/hermes/prechecks/, installed under /opt/data/scripts/platform-engineer/. */
  readonly script: string;
  /** Whether a healthy run may end silently (`[SILENT]`); the daily report always delivers. */
  readonly silentWhenHealthy: boolean;
  /** What the agent does once woken: the pre-check output is already in its context. */
  readonly prompt: string;
  /** kubectl commands the prompt tells the agent it may use (checked against the ClusterRole in tests). */
  readonly agentCommands: readonly string[];
}

const SILENT_RULE =
  'If, after checking, nothing needs my attention, reply with exactly [SILENT] and nothing else.';
const EVIDENCE =
  'The pre-check script output above is the evidence, gathered with kubectl a moment ago. Confirm it with ' +
  'plain read-only kubectl commands (one command per call, -o json or jsonpath; no bash -c, no pipes to python).';

export const WATCHDOGS: readonly Watchdog[] = [
  {
    name: 'cluster-health-check',
    schedule: 'every 15m',
    script: 'cluster_health.py',
    silentWhenHealthy: true,
    prompt: [
      'Cluster health check.',
      EVIDENCE,
      'For each node that is not Ready, each pod that is not Running or Succeeded and each recent Warning event listed, ' +
        'find the likely root cause (describe the object, read its events and recent logs). Summarize the failures ' +
        'and the root cause briefly, citing the resource and the command you used. Do not change anything in this job.',
      SILENT_RULE,
    ].join('\n\n'),
    agentCommands: [
      'get nodes -o json',
      'get pods -A -o json',
      'get events -A --field-selector type=Warning -o json',
      'describe pod example -n default',
      'logs example -n default --tail=50',
    ],
  },
  {
    name: 'pod-restart-loop',
    schedule: 'every 10m',
    script: 'restart_loops.py',
    silentWhenHealthy: true,
    prompt: [
      'Restart-loop watchdog.',
      EVIDENCE,
      'For each pod in CrashLoopBackOff or ImagePullBackOff: read the log excerpt. Only where the evidence says ' +
        '"remediation: allowed" and the log shows a clear transient cause (OOM, config parse error, missing secret ' +
        'that now exists), run exactly the command it names (kubectl rollout restart <kind>/<name> -n <namespace>) ' +
        'once, then check the rollout. Never restart anything marked "notify only", never delete pods that have no ' +
        'controller, never edit image, replicas, env or any other field that lives in git. Otherwise notify me with ' +
        'the log excerpt and a proposed command for me to run.',
      SILENT_RULE,
    ].join('\n\n'),
    agentCommands: [
      'get pods -A -o json',
      'logs example -n default --previous --tail=50',
      'rollout restart deployment/example -n default',
      'rollout status deployment/example -n default',
      'delete pod example -n default',
    ],
  },
  {
    name: 'pvc-pressure',
    schedule: 'every 30m',
    script: 'pvc_pressure.py',
    silentWhenHealthy: true,
    prompt: [
      'Storage pressure watchdog.',
      EVIDENCE,
      'Report every node under DiskPressure, every claim that is not Bound, every failed or released volume, and ' +
        'every claim whose measured usage is over the threshold, with the workload that uses it. Say which claims ' +
        'could not be measured. Do not delete or resize anything: propose the command instead.',
      SILENT_RULE,
    ].join('\n\n'),
    agentCommands: ['get pv -o json', 'get pvc -A -o json', 'get nodes -o json'],
  },
  {
    name: 'argocd-sync-health',
    schedule: 'every 1h',
    script: 'argocd_sync.py',
    silentWhenHealthy: true,
    prompt: [
      'ArgoCD sync health watchdog.',
      EVIDENCE,
      'Report every Application that is OutOfSync or Degraded with its condition messages and the resources that ' +
        'are out of sync or unhealthy. Do not sync, refresh or edit Applications: git is the source of truth.',
      SILENT_RULE,
    ].join('\n\n'),
    agentCommands: ['get applications.argoproj.io -n argocd -o json'],
  },
  {
    name: 'cert-expiry',
    schedule: '0 9 * * *',
    planSchedule: 'every 1d at 09:00',
    script: 'cert_expiry.py',
    silentWhenHealthy: true,
    prompt: [
      'Certificate expiry watchdog.',
      EVIDENCE,
      'Report every cert-manager Certificate that expires soon or is not Ready, with its DNS names, expiry date and ' +
        'the reason cert-manager gives. Do not delete Certificates or their Secrets.',
      SILENT_RULE,
    ].join('\n\n'),
    agentCommands: ['get certificates.cert-manager.io -A -o json', 'describe certificate example -n default'],
  },
  {
    name: 'node-resource-drift',
    schedule: 'every 30m',
    script: 'node_resources.py',
    silentWhenHealthy: true,
    prompt: [
      'Node resource watchdog.',
      EVIDENCE,
      'Report every node that is NotReady or has sustained high CPU or memory, with the top pods on it. Never ' +
        'cordon, drain or taint a node: propose the command instead.',
      SILENT_RULE,
    ].join('\n\n'),
    agentCommands: ['top nodes --no-headers', 'top pods -A --no-headers', 'get nodes -o json'],
  },
  {
    name: 'daily-cluster-report',
    schedule: '0 8 * * *',
    script: 'daily_report.py',
    silentWhenHealthy: false,
    prompt: [
      'Daily cluster report.',
      'The pre-check script output above has today\'s facts: node count and status, the top 5 pods by CPU and ' +
        'memory, the number of pods not Running, ArgoCD apps OutOfSync or Degraded, and certificate warnings.',
      'Write a short report for Discord from these facts (check anything that looks wrong with read-only kubectl). ' +
        'Always deliver it: do not answer [SILENT].',
    ].join('\n\n'),
    agentCommands: ['top pods -A --no-headers', 'get nodes -o json'],
  },
];

/** At most one restart of a workload in this long (the restart-loop pre-check enforces it; SOUL.md says it). */
export const RESTART_INTERVAL_MINUTES = 60;

/** Where the init container installs the pre-check scripts (Hermes requires scripts under /opt/data/scripts). */
export const SCRIPTS_DIR = '/opt/data/scripts/platform-engineer';

/**
 * Script-only Hermes jobs (`hermes cron create --no-agent --script ...`): the script's stdout is delivered to
 * Discord as it is, an empty stdout is a silent tick, and no model runs. For purely factual notices.
 */
export interface ScriptJob {
  readonly name: string;
  readonly schedule: string;
  /** Script in src/hermes/prechecks/ (installed beside the pre-checks). */
  readonly script: string;
  /** Stored with the job for the record (Hermes does not send it to a model: there is none). */
  readonly prompt: string;
}

export const SCRIPT_JOBS: readonly ScriptJob[] = [
  {
    name: 'incident-notices',
    schedule: 'every 10m',
    script: 'notices.py',
    prompt: 'Script-only job: delivers the "resolved" notices the watchdogs queue in the shared incident ledger.',
  },
];

/** The command the agent runs when the owner asks for a silence on Discord (named in SOUL.md). */
export const SILENCE_COMMAND = `python3 ${SCRIPTS_DIR}/silence.py`;
