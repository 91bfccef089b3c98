// The guardrail's cases: requests the agent (or an admin, or the seed Job) could make, and what admission must
// answer. The cluster suite replays each on the real API server (test/cluster/guardrails.cluster.test.ts).
import type { SiteInput } from '../src/site/schema';

/** An admission request as the API server builds it (UPDATE and DELETE carry the stored object; CONNECT the options). */
export interface AdmissionRequest {
  operation: 'UPDATE' | 'DELETE' | 'CONNECT';
  resource: { group: string; version: string; resource: string };
  subResource?: string;
  namespace: string;
  userInfo: { username: string };
  object?: any;
  oldObject?: any;
}

export const AGENT = { username: 'system:serviceaccount:platform-engineer:platform-engineer' };
export const ADMIN = { username: 'roger' };

export function deployment(ns = 'apps', patch: (d: any) => void = () => {}) {
  const d: any = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: ns, labels: { app: 'web' }, annotations: { 'deployment.kubernetes.io/revision': '3' } },
    spec: {
      replicas: 2,
      revisionHistoryLimit: 10,
      selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'web', image: 'nginx:1.27.1', env: [{ name: 'MODE', value: 'prod' }] }], restartPolicy: 'Always' },
      },
    },
  };
  patch(d);
  return d;
}

export function pod(owned = true, patch: (p: any) => void = () => {}) {
  const p: any = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'web-7c8d9-abcde',
      namespace: 'apps',
      labels: { app: 'web', 'pod-template-hash': '7c8d9' },
      ...(owned ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-7c8d9', uid: 'u', controller: true }] } : {}),
    },
    spec: { containers: [{ name: 'web', image: 'nginx:1.27.1' }] },
  };
  patch(p);
  return p;
}

export const update = (resource: string, group: string, oldObject: any, object: any, userInfo = AGENT): AdmissionRequest => ({
  operation: 'UPDATE',
  resource: { group, version: 'v1', resource },
  namespace: oldObject.metadata.namespace,
  userInfo,
  oldObject,
  object,
});
export const remove = (resource: string, group: string, oldObject: any, userInfo = AGENT): AdmissionRequest => ({
  operation: 'DELETE',
  resource: { group, version: 'v1', resource },
  namespace: oldObject.metadata.namespace,
  userInfo,
  oldObject,
});
export const restarted = (ns = 'apps') => deployment(ns, (d) => (d.spec.template.metadata.annotations = { 'kubectl.kubernetes.io/restartedAt': '2026-11-23T10:00:00Z' }));

export const ALLOWED: Array<[string, AdmissionRequest]> = [
  ['rollout restart of a Deployment', update('deployments', 'apps', deployment(), restarted())],
  [
    'a second rollout restart (the annotation changes value)',
    update('deployments', 'apps', restarted(), deployment('apps', (d) => (d.spec.template.metadata.annotations = { 'kubectl.kubernetes.io/restartedAt': '2026-11-23T11:00:00Z' }))),
  ],
  ['rollout restart of a StatefulSet', update('statefulsets', 'apps', deployment(), restarted())],
  [
    'rollout restart of a DaemonSet (no replicas field)',
    update('daemonsets', 'apps', deployment('apps', (d) => delete d.spec.replicas), deployment('apps', (d) => { delete d.spec.replicas; d.spec.template.metadata.annotations = { 'kubectl.kubernetes.io/restartedAt': 'now' }; })),
  ],
  ['deleting a pod a ReplicaSet recreates', remove('pods', '', pod())],
  ['annotating a pod', update('pods', '', pod(), pod(true, (p) => (p.metadata.annotations = { 'platform-engineer/note': 'looked at this' })))],
  ['deleting a failed Job', remove('jobs', 'batch', { metadata: { name: 'backup-1', namespace: 'apps' }, spec: { template: {} } })],
  ['an admin changing an image in kube-system (the policy applies to the agent only)', update('deployments', 'apps', deployment('kube-system'), deployment('kube-system', (d) => (d.spec.template.spec.containers[0].image = 'nginx:2')), ADMIN)],
];

export const DENIED: Array<[string, AdmissionRequest, RegExp]> = [
  ['rollout restart in kube-system', update('deployments', 'apps', deployment('kube-system'), restarted('kube-system')), /protected namespaces/],
  ['rollout restart in argocd', update('deployments', 'apps', deployment('argocd'), restarted('argocd')), /protected namespaces/],
  ['restarting itself (its own namespace)', update('deployments', 'apps', deployment('platform-engineer'), restarted('platform-engineer')), /protected namespaces/],
  ['deleting a pod in kube-system', remove('pods', '', pod(true, (p) => (p.metadata.namespace = 'kube-system'))), /protected namespaces/],
  ['changing an image', update('deployments', 'apps', deployment(), deployment('apps', (d) => (d.spec.template.spec.containers[0].image = 'nginx:latest'))), /only restart workloads/],
  ['scaling (replicas live in git)', update('deployments', 'apps', deployment(), deployment('apps', (d) => (d.spec.replicas = 0))), /only restart workloads/],
  ['changing env', update('deployments', 'apps', deployment(), deployment('apps', (d) => (d.spec.template.spec.containers[0].env[0].value = 'debug'))), /only restart workloads/],
  ['changing the template labels', update('deployments', 'apps', deployment(), deployment('apps', (d) => (d.spec.template.metadata.labels.extra = 'x'))), /only restart workloads/],
  ['adding another template annotation', update('deployments', 'apps', deployment(), deployment('apps', (d) => (d.spec.template.metadata.annotations = { 'sidecar.istio.io/inject': 'false' }))), /only restart workloads/],
  ['changing the strategy', update('deployments', 'apps', deployment(), deployment('apps', (d) => (d.spec.strategy = { type: 'Recreate' }))), /only restart workloads/],
  ['pausing a rollout', update('deployments', 'apps', deployment(), deployment('apps', (d) => (d.spec.paused = true))), /only restart workloads/],
  ['scaling a StatefulSet', update('statefulsets', 'apps', deployment(), deployment('apps', (d) => (d.spec.replicas = 5))), /only restart workloads/],
  ['relabelling a Deployment', update('deployments', 'apps', deployment(), deployment('apps', (d) => (d.metadata.labels.app = 'other'))), /only restart workloads/],
  ['changing a pod image in place', update('pods', '', pod(), pod(true, (p) => (p.spec.containers[0].image = 'evil:1'))), /only annotate pods/],
  ['relabelling a pod away from its ReplicaSet', update('pods', '', pod(), pod(true, (p) => delete p.metadata.labels['pod-template-hash'])), /only annotate pods/],
  ['deleting a pod nothing recreates', remove('pods', '', pod(false)), /controller recreates/],
  ['suspending a CronJob', update('cronjobs', 'batch', { metadata: { name: 'c', namespace: 'apps' }, spec: { suspend: false } }, { metadata: { name: 'c', namespace: 'apps' }, spec: { suspend: true } }), /Jobs or CronJobs/],
];

// Exec, attach and port-forward reach admission as CONNECT on a pods subresource; `object` is the
// PodExecOptions (PodAttachOptions, PodPortForwardOptions) built from the query, oldObject is null.
export const SEEDER = { username: 'system:serviceaccount:platform-engineer:hermes-cron-seed' };
const exec = (namespace: string, command: string[], extra: Record<string, unknown> = {}, userInfo = AGENT): AdmissionRequest => ({
  operation: 'CONNECT',
  resource: { group: '', version: 'v1', resource: 'pods' },
  subResource: 'exec',
  namespace,
  userInfo,
  object: { kind: 'PodExecOptions', apiVersion: 'v1', stdout: true, stderr: true, container: 'app', command, ...extra },
});
const attach = (namespace: string): AdmissionRequest => ({
  operation: 'CONNECT',
  resource: { group: '', version: 'v1', resource: 'pods' },
  subResource: 'attach',
  namespace,
  userInfo: AGENT,
  object: { kind: 'PodAttachOptions', apiVersion: 'v1', stdin: true, stdout: true, tty: true, container: 'app' },
});
const portForward = (namespace: string): AdmissionRequest => ({
  operation: 'CONNECT',
  resource: { group: '', version: 'v1', resource: 'pods' },
  subResource: 'portforward',
  namespace,
  userInfo: AGENT,
  object: { kind: 'PodPortForwardOptions', apiVersion: 'v1', ports: [5432] },
});
const DF = ['df', '-Pk', '/data'];
const TOKEN = ['cat', '/var/run/secrets/kubernetes.io/serviceaccount/token'];

/** [description, request, expected] per permissions.podExec; expected is 'allowed' or the refusal's message. */
export type ConnectCase = [string, AdmissionRequest, 'allowed' | RegExp];
export const CONNECT_CASES: Array<[string, SiteInput['permissions'], ConnectCase[]]> = [
  [
    'podExec: df (default)',
    {},
    [
      ['the storage watchdog\'s df probe in a workload namespace', exec('apps', DF), 'allowed'],
      ['the df probe on its own data volume', exec('platform-engineer', ['df', '-Pk', '/opt/data']), 'allowed'],
      ['the df probe on a volume in kube-system', exec('kube-system', DF), 'allowed'],
      ['the df probe on a volume in argocd', exec('argocd', DF), 'allowed'],
      ['the cron seed Job running the seeder in Hermes (the policy binds the agent only)', exec('platform-engineer', ['python3', '/opt/seed/seed_cron.py'], {}, SEEDER), 'allowed'],
      ['an admin shell in kube-system', exec('kube-system', ['sh'], { stdin: true, tty: true }, ADMIN), 'allowed'],
      ['a shell in the ArgoCD application controller', exec('argocd', ['sh', '-c', 'cat /var/run/secrets/kubernetes.io/serviceaccount/token']), /exec only `df -Pk \/path`/],
      ['reading a workload\'s ServiceAccount token', exec('apps', TOKEN), /exec only `df -Pk \/path`/],
      ['printing a workload\'s environment (Secrets in env)', exec('apps', ['env']), /exec only/],
      ['df through a shell', exec('apps', ['sh', '-c', 'df -Pk /data']), /exec only/],
      ['df with a second path', exec('apps', ['df', '-Pk', '/data', '/etc']), /exec only/],
      ['df with an option where the path goes', exec('apps', ['df', '-Pk', '--output=source']), /exec only/],
      ['df with another flag', exec('apps', ['df', '-h', '/data']), /exec only/],
      ['the df probe with stdin attached', exec('apps', DF, { stdin: true }), /without stdin or terminal/],
      ['the df probe with a terminal', exec('apps', DF, { tty: true }), /without stdin or terminal/],
      ['attaching to a container', attach('apps'), /may not attach or port-forward/],
      ['port-forwarding to a database', portForward('apps'), /may not attach or port-forward/],
    ],
  ],
  [
    'podExec: true (the plan\'s section 10)',
    { podExec: true },
    [
      ['a debugging command in a workload namespace', exec('apps', ['cat', '/etc/nginx/nginx.conf']), 'allowed'],
      ['the df probe in kube-system', exec('kube-system', DF), 'allowed'],
      ['the cron seed Job running the seeder in Hermes', exec('platform-engineer', ['python3', '/opt/seed/seed_cron.py'], {}, SEEDER), 'allowed'],
      ['a shell in the ArgoCD application controller', exec('argocd', ['sh']), /protected namespaces .* may exec only `df -Pk \/path`/],
      ['reading a token in kube-system', exec('kube-system', TOKEN), /protected namespaces/],
      ['reading a token in cert-manager', exec('cert-manager', TOKEN), /protected namespaces/],
      ['a shell in its own pod (its own namespace)', exec('platform-engineer', ['sh']), /protected namespaces/],
      ['attaching to a container', attach('apps'), /may not attach or port-forward/],
      ['port-forwarding to a database', portForward('apps'), /may not attach or port-forward/],
    ],
  ],
  [
    'podExec: false',
    { podExec: false },
    [
      ['the df probe', exec('apps', DF), /may not exec, attach or port-forward/],
      ['the cron seed Job running the seeder in Hermes', exec('platform-engineer', ['python3', '/opt/seed/seed_cron.py'], {}, SEEDER), 'allowed'],
    ],
  ],
];

