/** Labels, names and ArgoCD annotations shared by every construct, so each idea is written once. */

export const PART_OF = 'platform-engineer';

/** app.kubernetes.io labels: stable, human and independent of construct paths (selectors are immutable). */
export function appLabels(name: string, component: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': name,
    'app.kubernetes.io/component': component,
    'app.kubernetes.io/part-of': PART_OF,
    'app.kubernetes.io/managed-by': 'cdk8s',
  };
}

/** The subset of appLabels used in selectors. */
export function selectorLabels(name: string): Record<string, string> {
  return { 'app.kubernetes.io/name': name, 'app.kubernetes.io/part-of': PART_OF };
}

/**
 * ArgoCD sync waves: namespace first, then RBAC, volume, configuration and policies, then the workload.
 * The cron seeder is a Sync hook in the workload wave: it starts with the Deployment and waits for the gateway itself.
 */
export const SyncWave = {
  namespace: '-3',
  access: '-2',
  config: '-1',
  workload: '0',
} as const;

export function syncWave(wave: string): Record<string, string> {
  return { 'argocd.argoproj.io/sync-wave': wave };
}

/** Polaris' own exemption annotation for one check; the reason is in README "Policy exceptions". */
export function polarisExempt(...checks: string[]): Record<string, string> {
  return Object.fromEntries(checks.map((c) => [`polaris.fairwinds.com/${c}-exempt`, 'true']));
}

/** Names of the objects, in one place (tests, scripts and the README refer to them). */
export const Names = {
  agentServiceAccount: 'platform-engineer',
  deployment: 'hermes',
  container: 'hermes',
  service: 'hermes',
  ingress: 'hermes',
  tlsSecret: 'hermes-tls',
  dataClaim: 'hermes-data',
  seedConfigMap: 'hermes-seed',
  seedJob: 'hermes-cron-seed',
  seedServiceAccount: 'hermes-cron-seed',
} as const;

/**
 * Names of the cluster-scoped objects (ClusterRoles, their bindings, the admission policy and its binding). They
 * follow the install namespace, so two installs on one cluster never overwrite each other's; with the default
 * namespace they read "platform-engineer", "platform-engineer-exec", "platform-engineer-read-secrets",
 * "platform-engineer-guardrails". Every
 * construct that names a cluster-scoped object calls this, and nothing else.
 */
export function clusterScopedNames(namespace: string) {
  return {
    clusterRole: namespace,
    execClusterRole: `${namespace}-exec`,
    secretReaderClusterRole: `${namespace}-read-secrets`,
    guardrailPolicy: `${namespace}-guardrails`,
  } as const;
}
