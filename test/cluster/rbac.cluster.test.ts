// Item 2 of the cluster suite: least privilege, asked of the real RBAC authorizer. Every row is the real kubectl
// 1.35 running the command as the agent's ServiceAccount (--as) against fixture objects, mutations with
// --dry-run=server; a row is denied when the server answers RBAC's "cannot VERB resource". Admission (the
// guardrails) answers after RBAC and is proven in guardrails.cluster.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WATCHDOGS } from '../../src/hermes/watchdogs';
import { collectAllCalls, cleanupTemp } from '../prechecks/harness';
import { deployVariant, serviceAccountUser, VARIANTS, variantObjects, type Cluster } from './cluster';
import { inputs } from '../helpers';
import { SECRET_READS } from '../rbac-cases';
import { installFixtures, installPodsFor } from './fixtures';
import { ask, canI, type Access } from './access';

/** Every kubectl command the watchdog prompts allow and the remediation uses, in a workload namespace. */
const ALLOWED: string[] = [
  ...WATCHDOGS.flatMap((w) => w.agentCommands),
  'get deployments,statefulsets,daemonsets -A -o json',
  'get jobs,cronjobs -A -o json',
  'get ingresses -A -o json',
  'get configmaps -n default -o json',
  'get pvc -A -o json',
  'get namespaces -o json',
  'get pv -o json',
  'get events -n default -o json',
  'logs example -n default -c app --tail=20',
  'rollout restart deployment/example -n default',
  'rollout restart statefulset/example -n default',
  'rollout restart daemonset/example -n default',
  'delete pod example -n default',
  'delete job example -n default',
  'exec example -n default -- df -Pk /data',
];

/** Secret reads: denied unless permissions.readSecrets grants them (the ArgoCD repository credentials, the sealing key). */
const SECRET_READS_DENIED: string[] = [
  'get secrets -n default',
  'get secrets -A',
  'get secret argocd-repo-creds -n argocd -o yaml',
  'get secret sealed-secrets-key -n kube-system -o yaml',
];

/** Everything the plan forbids the agent (section 3 "No cluster-scoped writes", section 8). */
const DENIED: string[] = [
  'create namespace rogue',
  'delete namespace default',
  'label namespace default team=x',
  'cordon node1',
  'drain node1',
  'taint nodes node1 key=value:NoSchedule',
  'patch node node1 -p {}',
  'label node node1 hardware=low',
  'create clusterrole rogue --verb=get --resource=pods',
  'create clusterrolebinding rogue --clusterrole=cluster-admin --serviceaccount=platform-engineer:platform-engineer',
  'patch clusterrole platform-engineer -p {}',
  'delete clusterrolebinding platform-engineer',
  'create role rogue -n default --verb=get --resource=pods',
  'create rolebinding rogue -n default --clusterrole=admin --serviceaccount=platform-engineer:platform-engineer',
  'delete rolebinding hermes-cron-seed -n platform-engineer',
  'delete crd applications.argoproj.io',
  'create deployment rogue -n default --image=busybox',
  'run rogue -n default --image=busybox',
  'delete deployment example -n default',
  'scale deployment/example -n default --replicas=2',
  'delete statefulset example -n default',
  'delete pvc data -n default',
  'delete pv pv1',
  'create secret generic x -n default --from-literal=a=b',
  'delete secret x -n default',
  'patch secret x -n default -p {}',
  // `kubectl edit` is a get and then a patch; the patch is the write RBAC must refuse.
  'patch configmap x -n default -p {"data":{"a":"b"}}',
  'delete configmap x -n default',
  'patch service x -n default -p {}',
  'delete ingress x -n default',
  'patch application platform-engineer -n argocd --type=merge -p {}',
  'delete certificate x -n default',
  'annotate networkpolicy default-deny -n platform-engineer x=y',
  'delete networkpolicy default-deny -n platform-engineer',
];

/** Questions with no command to run: the metrics API is not served here; tokens, proxies, impersonation. */
const CAN_I: Array<[string, Access, boolean]> = [
  ['list pods.metrics.k8s.io', { verb: 'list', group: 'metrics.k8s.io', resource: 'pods', namespace: 'default' }, true],
  ['list nodes.metrics.k8s.io', { verb: 'list', group: 'metrics.k8s.io', resource: 'nodes' }, true],
  ['escalate clusterroles', { verb: 'escalate', group: 'rbac.authorization.k8s.io', resource: 'clusterroles', name: 'cluster-admin' }, false],
  ['bind clusterroles', { verb: 'bind', group: 'rbac.authorization.k8s.io', resource: 'clusterroles', name: 'cluster-admin' }, false],
  ['escalate roles', { verb: 'escalate', group: 'rbac.authorization.k8s.io', resource: 'roles', namespace: 'default' }, false],
  ['bind roles', { verb: 'bind', group: 'rbac.authorization.k8s.io', resource: 'roles', namespace: 'default' }, false],
  ['impersonate users', { verb: 'impersonate', resource: 'users', name: 'admin' }, false],
  ['impersonate groups', { verb: 'impersonate', resource: 'groups', name: 'system:masters' }, false],
  ['impersonate serviceaccounts', { verb: 'impersonate', resource: 'serviceaccounts', name: 'default', namespace: 'default' }, false],
  ['create pods', { verb: 'create', resource: 'pods', namespace: 'default' }, false],
  ['create pods/attach', { verb: 'create', resource: 'pods', subresource: 'attach', namespace: 'default' }, false],
  ['get pods/attach', { verb: 'get', resource: 'pods', subresource: 'attach', namespace: 'default' }, false],
  ['create pods/portforward', { verb: 'create', resource: 'pods', subresource: 'portforward', namespace: 'default' }, false],
  ['create serviceaccounts/token', { verb: 'create', resource: 'serviceaccounts', subresource: 'token', name: 'platform-engineer', namespace: 'platform-engineer' }, false],
  ['get nodes/proxy', { verb: 'get', resource: 'nodes', subresource: 'proxy', name: 'node1' }, false],
  ['create nodes/proxy', { verb: 'create', resource: 'nodes', subresource: 'proxy', name: 'node1' }, false],
  ['get services/proxy', { verb: 'get', resource: 'services', subresource: 'proxy', namespace: 'default' }, false],
  ['update own ClusterRole', { verb: 'update', group: 'rbac.authorization.k8s.io', resource: 'clusterroles', name: 'platform-engineer' }, false],
  ['delete own ClusterRoleBinding', { verb: 'delete', group: 'rbac.authorization.k8s.io', resource: 'clusterrolebindings', name: 'platform-engineer' }, false],
  ['patch admission policies', { verb: 'patch', group: 'admissionregistration.k8s.io', resource: 'validatingadmissionpolicies' }, false],
  ['delete admission policy bindings', { verb: 'delete', group: 'admissionregistration.k8s.io', resource: 'validatingadmissionpolicybindings' }, false],
  ['create webhook configurations', { verb: 'create', group: 'admissionregistration.k8s.io', resource: 'validatingwebhookconfigurations' }, false],
  ['create CRDs', { verb: 'create', group: 'apiextensions.k8s.io', resource: 'customresourcedefinitions' }, false],
  ['approve CSRs', { verb: 'update', group: 'certificates.k8s.io', resource: 'certificatesigningrequests', subresource: 'approval' }, false],
  ['update deployments/scale', { verb: 'update', group: 'apps', resource: 'deployments', subresource: 'scale', namespace: 'default' }, false],
];

/**
 * Answers that prove RBAC allowed the request: success; the API server's refusal to reach a pod no node runs
 * (fixtures are never bound, so nothing is dialed); kubectl's discovery finding no metrics API (the CAN_I rows
 * ask RBAC about metrics directly); `rollout status` giving up on a Deployment no controller will ever roll out.
 */
const AFTER_AUTHORIZATION = /^exit 0:|does not have a host assigned|^exit 1: error: Metrics API not available|^exit 1: $/;

afterAll(cleanupTemp);

describe.each(['default', 'site.yaml'])('RBAC on the real API server (%s)', (variant) => {
  const project = VARIANTS[variant]();
  const NS = project.site.namespace;
  const objects = variantObjects(project);
  const agent = serviceAccountUser(NS, 'platform-engineer');
  const seeder = serviceAccountUser(NS, 'hermes-cron-seed');
  const readSecrets = project.site.permissions.readSecrets;
  const podExec = project.site.permissions.podExec;
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await deployVariant(`rbac-${variant}`, objects);
    installFixtures(cluster);
    installPodsFor(cluster, [...collectAllCalls(), ['exec', 'hermes-abc', '-n', NS, '-c', 'hermes']]);
  });
  afterAll(() => cluster?.stop());

  const allowedHere = ALLOWED.filter((c) => podExec !== false || !c.startsWith('exec '));
  const deniedHere = [...DENIED, ...(readSecrets === false ? SECRET_READS_DENIED : [])];
  it.each(allowedHere)('agent may: kubectl %s', (cmd) => {
    const a = ask(cluster, agent, cmd);
    expect(a.rbacDenied, a.output).toBe(false);
    // Allowed means RBAC let the request through, so the answer is a success or one that only comes after it.
    expect(a.output, cmd).toMatch(AFTER_AUTHORIZATION);
  });

  it.each(deniedHere.map((c) => c.replaceAll('platform-engineer', NS)))('agent may not: kubectl %s', (cmd) => {
    const a = ask(cluster, agent, cmd);
    expect(a.rbacDenied, a.output).toBe(true);
  });

  it.each(CAN_I)('agent can-i %s: %s', (_what, access, expected) => {
    const here = { ...access, ...(access.name === 'platform-engineer' ? { name: NS } : {}), ...(access.namespace === 'platform-engineer' ? { namespace: NS } : {}) };
    expect(canI(cluster, NS, 'platform-engineer', here)).toBe(expected);
  });

  it('grants nothing cluster-scoped that is writable', () => {
    const clusterScoped: Array<[string, string]> = [
      ['', 'nodes'], ['', 'namespaces'], ['', 'persistentvolumes'], ['rbac.authorization.k8s.io', 'clusterroles'], ['rbac.authorization.k8s.io', 'clusterrolebindings'],
      ['apiextensions.k8s.io', 'customresourcedefinitions'], ['storage.k8s.io', 'storageclasses'], ['admissionregistration.k8s.io', 'validatingadmissionpolicies'],
    ];
    const granted = clusterScoped.flatMap(([group, resource]) =>
      ['create', 'update', 'patch', 'delete', 'deletecollection'].filter((verb) => canI(cluster, NS, 'platform-engineer', { verb, group, resource })).map((verb) => `${verb} ${resource}`),
    );
    expect(granted).toEqual([]);
  });

  it('every kubectl call of the pre-check scripts, over every recorded cluster state, is allowed', () => {
    const calls = collectAllCalls();
    expect(calls.length).toBeGreaterThan(15);
    const denied = calls.filter((argv) => !(podExec === false && argv[0] === 'exec')).map((argv) => [argv.join(' '), ask(cluster, agent, argv)] as const).filter(([, a]) => a.rbacDenied);
    expect(denied.map(([cmd, a]) => `${cmd} -> ${a.output}`)).toEqual([]);
  });

  it('the seed Job may exec into pods of its own namespace only, and run its script, and write nothing', () => {
    expect(ask(cluster, seeder, `exec hermes-abc -n ${NS} -c hermes -- python3 /opt/seed/seed_cron.py`).rbacDenied).toBe(false);
    expect(ask(cluster, seeder, `exec hermes-abc -n ${NS} -c hermes -- python3 /opt/seed/seed_cron.py`).output).toMatch(/does not have a host assigned/);
    expect(ask(cluster, seeder, 'exec example -n default -- sh').rbacDenied).toBe(true);
    expect(ask(cluster, seeder, 'exec coredns-1 -n kube-system -- sh').rbacDenied).toBe(true);
    for (const cmd of [
      `get deployment/hermes -n ${NS} -o jsonpath={.metadata.generation}`,
      `get pods -n ${NS} -l app.kubernetes.io/name=hermes -o jsonpath={.items[*].metadata.name}`,
      `exec hermes-abc -n ${NS} -c hermes -- curl -fsS --max-time 5 http://127.0.0.1:8642/health`,
    ]) {
      const a = ask(cluster, seeder, cmd);
      expect(a.rbacDenied, `${cmd}: ${a.output}`).toBe(false);
    }
    for (const cmd of [`delete pod hermes-abc -n ${NS}`, `get secrets -n ${NS}`, 'get pods -A', `rollout restart deployment/hermes -n ${NS}`]) {
      const a = ask(cluster, seeder, cmd);
      expect(a.rbacDenied, `${cmd}: ${a.output}`).toBe(true);
    }
  });
});

describe.each(SECRET_READS)('permissions.readSecrets on the real API server: %s', (mode, permissions, table) => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await deployVariant(`secrets-${mode.replace(/[^a-z]+/gi, '-')}`, variantObjects(inputs({ permissions })));
  });
  afterAll(() => cluster?.stop());

  it.each(table)('Secrets in %s readable: %s', (namespace, allowed) => {
    for (const verb of ['get', 'list', 'watch']) {
      expect(canI(cluster, 'platform-engineer', 'platform-engineer', { verb, resource: 'secrets', namespace, ...(verb === 'get' ? { name: 'x' } : {}) }), `${verb} in ${namespace}`).toBe(allowed);
    }
  });

  it('lists every namespace\'s Secrets at once only with the cluster-wide grant', () => {
    expect(canI(cluster, 'platform-engineer', 'platform-engineer', { verb: 'list', resource: 'secrets' })).toBe(permissions?.readSecrets === true);
  });
});

describe('permissions.podExec: false on the real API server', () => {
  let cluster: Cluster;
  const agent = serviceAccountUser('platform-engineer', 'platform-engineer');
  beforeAll(async () => {
    cluster = await deployVariant('rbac-podexec-off', variantObjects(inputs({ permissions: { podExec: false } })));
    installFixtures(cluster);
    installPodsFor(cluster, collectAllCalls());
  });
  afterAll(() => cluster?.stop());

  it('removes exec, and the pre-checks lose only df', () => {
    expect(ask(cluster, agent, 'exec example -n default -- df -Pk /data').rbacDenied).toBe(true);
    const denied = collectAllCalls().filter((argv) => ask(cluster, agent, argv).rbacDenied);
    expect(denied.length).toBeGreaterThan(0);
    expect(denied.every((argv) => argv[0] === 'exec' && argv.includes('df')), denied.map((a) => a.join(' ')).join('\n')).toBe(true);
  });
});
