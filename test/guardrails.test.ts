// The admission guardrails, evaluated offline over the requests the agent could make with the verbs RBAC gives
// it: the safe actions of the plan pass; every change to a field git owns, and every write in a protected
// namespace, is denied by the API server whatever the agent was told.
import { describe, expect, it } from 'vitest';
import { admit, type AdmissionRequest } from './policy/admission';
import { find, objects } from './helpers';

const all = objects();
const AGENT = { username: 'system:serviceaccount:platform-engineer:platform-engineer' };
const ADMIN = { username: 'roger' };

function deployment(ns = 'apps', patch: (d: any) => void = () => {}) {
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

function pod(owned = true, patch: (p: any) => void = () => {}) {
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

const update = (resource: string, group: string, oldObject: any, object: any, userInfo = AGENT): AdmissionRequest => ({
  operation: 'UPDATE',
  resource: { group, version: 'v1', resource },
  namespace: oldObject.metadata.namespace,
  userInfo,
  oldObject,
  object,
});
const remove = (resource: string, group: string, oldObject: any, userInfo = AGENT): AdmissionRequest => ({
  operation: 'DELETE',
  resource: { group, version: 'v1', resource },
  namespace: oldObject.metadata.namespace,
  userInfo,
  oldObject,
});
const restarted = (ns = 'apps') => deployment(ns, (d) => (d.spec.template.metadata.annotations = { 'kubectl.kubernetes.io/restartedAt': '2026-11-23T10:00:00Z' }));

const ALLOWED: Array<[string, AdmissionRequest]> = [
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

const DENIED: Array<[string, AdmissionRequest, RegExp]> = [
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

describe('admission guardrails', () => {
  it('are a Deny-bound ValidatingAdmissionPolicy that fails closed and applies to the agent only', () => {
    const policy = find(all, 'ValidatingAdmissionPolicy', 'platform-engineer-guardrails');
    expect(policy.spec.failurePolicy).toBe('Fail');
    expect(policy.spec.matchConditions).toEqual([
      { name: 'only-the-platform-engineer', expression: "request.userInfo.username == 'system:serviceaccount:platform-engineer:platform-engineer'" },
    ]);
    expect(find(all, 'ValidatingAdmissionPolicyBinding', 'platform-engineer-guardrails').spec).toEqual({ policyName: 'platform-engineer-guardrails', validationActions: ['Deny'] });
  });

  it.each(ALLOWED)('allow: %s', (_d, request) => {
    const decision = admit(all, request);
    expect(decision.denials).toEqual([]);
  });

  it.each(DENIED)('deny: %s', (_d, request, message) => {
    const decision = admit(all, request);
    expect(decision.allowed).toBe(false);
    expect(decision.denials.join('\n')).toMatch(message);
  });

  it('follows the site: protected namespaces come from watchdogs.protectedNamespaces', () => {
    const objs = objects({ watchdogs: { protectedNamespaces: ['monitoring'] } });
    expect(admit(objs, update('deployments', 'apps', deployment('monitoring'), restarted('monitoring'))).allowed).toBe(false);
    expect(admit(objs, update('deployments', 'apps', deployment('kube-system'), restarted('kube-system'))).allowed).toBe(true);
    expect(admit(objs, update('deployments', 'apps', deployment('platform-engineer'), restarted('platform-engineer'))).allowed).toBe(false);
  });
});

export const GUARDRAIL_COUNTS = { allowed: ALLOWED.length, denied: DENIED.length };
