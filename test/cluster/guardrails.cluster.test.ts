// Item 3 of the cluster suite: the admission guardrails on the real API server. The ValidatingAdmissionPolicy is
// accepted and type-checks without a warning; then every case of test/guardrail-cases.ts is made as the real
// request: the allowed ones pass, the forbidden ones are refused by the policy (not merely by RBAC), with the
// policy's own message. Exec, attach and port-forward are real CONNECT requests.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALLOWED, CONNECT_CASES, DENIED, deployment, pod, remove, restarted, update, type AdmissionRequest } from '../guardrail-cases';
import { inputs, type KubeObject } from '../helpers';
import { replayConnect, replayWrite, type Verdict } from './admission';
import { deployVariant, ensureNamespaces, variantObjects, type Cluster } from './cluster';

const POLICY = 'platform-engineer-guardrails';
const AGENT_SA = 'platform-engineer';

/** Namespaces the cases name, plus those the site variants move the cluster's services to. */
const NAMESPACES = ['apps', 'kube-system', 'argocd', 'cert-manager', 'monitoring', 'gitops', 'certs', 'sealing', 'ingress'];

/**
 * Test-only grants: attach and port-forward, which no role of the project gives, so that the policy itself is
 * shown to refuse them (RBAC answers before admission).
 */
function grantConnectVerbs(cluster: Cluster, namespace: string): void {
  const r = cluster.apply([
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'suite-connect' }, rules: [{ apiGroups: [''], resources: ['pods/attach', 'pods/portforward'], verbs: ['get', 'create'] }] },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'suite-connect' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'suite-connect' },
      subjects: [{ kind: 'ServiceAccount', name: AGENT_SA, namespace }],
    },
  ]);
  if (r.status !== 0) throw new Error(r.stderr);
}

/** An unbound pod named "target" in every namespace, for CONNECT requests. */
function connectTargets(cluster: Cluster, namespaces: string[]): void {
  const pods = namespaces.map((namespace) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'target', namespace }, spec: { serviceAccountName: 'default', containers: [{ name: 'app', image: 'registry.example/app:1.0.0' }] } }));
  const r = cluster.apply(pods);
  if (r.status !== 0) throw new Error(r.stderr);
}

/** The API server enforces a new policy once its informer has it: wait until a known-forbidden write is refused. */
async function policyInForce(cluster: Cluster): Promise<void> {
  const probe = update('deployments', 'apps', deployment('kube-system'), restarted('kube-system'));
  for (let i = 0; i < 150; i++) {
    if (replayWrite(cluster, probe).by === 'policy') return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('the guardrail policy never took effect');
}

async function deployGuarded(name: string, objects: KubeObject[]): Promise<Cluster> {
  const cluster = await deployVariant(name, objects);
  ensureNamespaces(cluster, NAMESPACES);
  const ns = objects.find((o) => o.kind === 'Namespace')!.metadata.name;
  ensureNamespaces(cluster, [ns]);
  connectTargets(cluster, [...NAMESPACES, ns]);
  grantConnectVerbs(cluster, ns);
  await policyInForce(cluster);
  return cluster;
}

const replay = (cluster: Cluster, r: AdmissionRequest): Promise<Verdict> | Verdict => (r.operation === 'CONNECT' ? replayConnect(cluster, r, 'target') : replayWrite(cluster, r));

function expectVerdict(v: Verdict, expected: 'allowed' | RegExp): void {
  if (expected === 'allowed') {
    expect(v.allowed, v.message).toBe(true);
  } else {
    expect(v.allowed, v.message).toBe(false);
    expect(v.by, v.message).toBe('policy');
    expect(v.message).toMatch(expected);
  }
}

describe('the guardrail policy on the real API server (defaults)', () => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await deployGuarded('guardrails-default', variantObjects(inputs()));
  });
  afterAll(() => cluster?.stop());

  it('is accepted and type-checks without a warning', async () => {
    let typeChecking: any;
    for (let i = 0; i < 150 && typeChecking === undefined; i++) {
      const status = JSON.parse(cluster.ok(['get', 'validatingadmissionpolicy', POLICY, '-o', 'json'])).status ?? {};
      if (status.observedGeneration) typeChecking = status.typeChecking ?? {};
      else await new Promise((r) => setTimeout(r, 200));
    }
    expect(typeChecking).toBeDefined();
    expect(typeChecking.expressionWarnings ?? []).toEqual([]);
  });

  it.each(ALLOWED)('allows: %s', (_d, request) => {
    expectVerdict(replayWrite(cluster, request), 'allowed');
  });

  it.each(DENIED)('denies: %s', (_d, request, message) => {
    expectVerdict(replayWrite(cluster, request), message);
  });

  it('refuses in every namespace the pre-check scripts are told is protected', () => {
    const settings = JSON.parse(variantObjects(inputs()).find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'hermes-seed')!.data['precheck-settings.json']);
    for (const ns of settings.protectedNamespaces as string[]) {
      ensureNamespaces(cluster, [ns]);
      expectVerdict(replayWrite(cluster, update('deployments', 'apps', deployment(ns), restarted(ns))), /protected namespaces/);
    }
  });
});

describe.each(CONNECT_CASES)('exec, attach and port-forward on the real API server (%s)', (mode, permissions, cases) => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await deployGuarded(`connect-${mode.replace(/[^a-z]+/gi, '-')}`, variantObjects(inputs({ permissions })));
  });
  afterAll(() => cluster?.stop());

  it.each(cases)('%s', async (_d, request, expected) => {
    // With podExec false the agent has no exec grant at all: RBAC refuses first, and that is the refusal.
    if (expected !== 'allowed' && permissions?.podExec === false && request.subResource === 'exec') {
      const v = await replay(cluster, request);
      expect(v.allowed, v.message).toBe(false);
      expect(v.by, v.message).toBe('rbac');
      return;
    }
    expectVerdict(await replay(cluster, request), expected);
  });
});

describe.each([
  ['watchdogs.protectedNamespaces adds to the built-in set', { watchdogs: { protectedNamespaces: ['monitoring'] } }, ['monitoring', 'kube-system', 'argocd', 'platform-engineer'], []],
  [
    'the cluster services moved to other namespaces stay protected',
    { argocd: { namespace: 'gitops' }, clusterServices: { certManagerNamespace: 'certs', sealedSecretsNamespace: 'sealing' }, dashboard: { ingressControllerNamespace: 'ingress' } },
    ['kube-system', 'gitops', 'certs', 'sealing', 'ingress', 'platform-engineer'],
    ['argocd'],
  ],
] as const)('protected namespaces on the real API server: %s', (name, site, protectedNs, freeNs) => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await deployGuarded(`protected-${name.split(' ')[1].replace(/[^a-z]+/gi, '-')}`, variantObjects(inputs(site as any)));
  });
  afterAll(() => cluster?.stop());

  it.each(protectedNs)('refuses restarts and pod deletions in %s', (ns) => {
    expectVerdict(replayWrite(cluster, update('deployments', 'apps', deployment(ns), restarted(ns))), /protected namespaces/);
    expectVerdict(replayWrite(cluster, remove('pods', '', pod(true, (p) => (p.metadata.namespace = ns)))), /protected namespaces/);
  });

  it.each(freeNs)('allows a restart in %s (only special as ArgoCD\'s namespace)', (ns) => {
    expectVerdict(replayWrite(cluster, update('deployments', 'apps', deployment(ns), restarted(ns))), 'allowed');
  });
});
