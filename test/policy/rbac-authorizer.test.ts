import { describe, expect, it } from 'vitest';
import {
  authorize,
  authorizeKubectl,
  authorizeWithReason,
  kubectlToRequests,
  resolveResourceType,
  type KubeObject,
  type Request,
  type Subject,
} from './rbac-authorizer';

const RBAC = 'rbac.authorization.k8s.io/v1';

const clusterRole = (name: string, rules: unknown[], extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: RBAC,
  kind: 'ClusterRole',
  metadata: { name },
  rules,
  ...extra,
});
const role = (namespace: string, name: string, rules: unknown[]): KubeObject => ({ apiVersion: RBAC, kind: 'Role', metadata: { name, namespace }, rules });
const crb = (name: string, roleName: string, subjects: unknown[], kind = 'ClusterRole'): KubeObject => ({
  apiVersion: RBAC,
  kind: 'ClusterRoleBinding',
  metadata: { name },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind, name: roleName },
  subjects,
});
const rb = (namespace: string, name: string, kind: 'Role' | 'ClusterRole', roleName: string, subjects: unknown[]): KubeObject => ({
  apiVersion: RBAC,
  kind: 'RoleBinding',
  metadata: { name, namespace },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind, name: roleName },
  subjects,
});
const saSubject = (namespace: string, name: string) => ({ kind: 'ServiceAccount', namespace, name });

const agent: Subject = { kind: 'ServiceAccount', namespace: 'hermes', name: 'agent' };
const r = (verb: string, resource: string, extra: Partial<Request> = {}): Request => ({ verb, group: '', resource, ...extra });

describe('RuleAllows: verbs, groups, resources', () => {
  const objs = [
    clusterRole('everything', [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }]),
    crb('root', 'everything', [{ kind: 'User', name: 'root' }]),
    clusterRole('deploy-reader', [{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'list'] }]),
    crb('deploy-reader', 'deploy-reader', [saSubject('hermes', 'agent')]),
  ];
  const root: Subject = { kind: 'User', name: 'root' };

  it('* verbs/groups/resources grant everything, including subresources and cluster-scoped resources', () => {
    expect(authorize(objs, root, r('delete', 'secrets', { namespace: 'x', name: 'y' }))).toBe(true);
    expect(authorize(objs, root, r('create', 'pods', { subresource: 'exec', namespace: 'x', name: 'p' }))).toBe(true);
    expect(authorize(objs, root, r('escalate', 'clusterroles', { group: 'rbac.authorization.k8s.io' }))).toBe(true);
    expect(authorize(objs, root, r('list', 'nodes'))).toBe(true);
  });

  it('matches verb and API group exactly', () => {
    const get = r('get', 'deployments', { group: 'apps', namespace: 'any', name: 'd' });
    expect(authorize(objs, agent, get)).toBe(true);
    expect(authorize(objs, agent, { ...get, verb: 'watch' })).toBe(false);
    expect(authorize(objs, agent, { ...get, verb: 'patch' })).toBe(false);
    expect(authorize(objs, agent, { ...get, group: 'extensions' })).toBe(false);
    expect(authorize(objs, agent, { ...get, group: '' })).toBe(false);
    expect(authorize(objs, agent, { ...get, resource: 'statefulsets' })).toBe(false);
  });

  it('a rule with only nonResourceURLs grants no resource request, and vice versa', () => {
    const o = [
      clusterRole('urls', [{ nonResourceURLs: ['*'], verbs: ['*'] }]),
      crb('urls', 'urls', [{ kind: 'User', name: 'u' }]),
      clusterRole('healthz', [{ nonResourceURLs: ['/healthz/*'], verbs: ['get'] }]),
      crb('healthz', 'healthz', [{ kind: 'User', name: 'h' }]),
    ];
    expect(authorize(o, { kind: 'User', name: 'u' }, r('get', 'pods', { namespace: 'x' }))).toBe(false);
    expect(authorize(o, { kind: 'User', name: 'u' }, { verb: 'get', group: '', resource: '', nonResourcePath: '/metrics' })).toBe(true);
    expect(authorize(o, { kind: 'User', name: 'h' }, { verb: 'get', group: '', resource: '', nonResourcePath: '/healthz/etcd' })).toBe(true);
    expect(authorize(o, { kind: 'User', name: 'h' }, { verb: 'get', group: '', resource: '', nonResourcePath: '/livez' })).toBe(false);
    expect(authorize(objs, root, { verb: 'get', group: '', resource: '', nonResourcePath: '/version' })).toBe(false);
  });
});

describe('subresources', () => {
  const objs = [
    clusterRole('pods', [{ apiGroups: [''], resources: ['pods'], verbs: ['*'] }]),
    clusterRole('exec', [{ apiGroups: [''], resources: ['pods/exec'], verbs: ['create'] }]),
    clusterRole('scale-any', [{ apiGroups: ['apps'], resources: ['*/scale'], verbs: ['patch'] }]),
    clusterRole('pods-star', [{ apiGroups: [''], resources: ['pods/*'], verbs: ['*'] }]),
    crb('a', 'pods', [saSubject('ns', 'pods-only')]),
    crb('b', 'exec', [saSubject('ns', 'exec-only')]),
    crb('c', 'scale-any', [saSubject('ns', 'scaler')]),
    crb('d', 'pods-star', [saSubject('ns', 'star')]),
  ];
  const sa = (name: string): Subject => ({ kind: 'ServiceAccount', namespace: 'ns', name });
  const exec = r('create', 'pods', { subresource: 'exec', namespace: 'app', name: 'p' });

  it('pods (even with verb *) does not grant pods/exec or pods/log', () => {
    expect(authorize(objs, sa('pods-only'), r('delete', 'pods', { namespace: 'app', name: 'p' }))).toBe(true);
    expect(authorize(objs, sa('pods-only'), exec)).toBe(false);
    expect(authorize(objs, sa('pods-only'), r('get', 'pods', { subresource: 'log', namespace: 'app', name: 'p' }))).toBe(false);
  });

  it('pods/exec grants only that subresource', () => {
    expect(authorize(objs, sa('exec-only'), exec)).toBe(true);
    expect(authorize(objs, sa('exec-only'), r('get', 'pods', { namespace: 'app', name: 'p' }))).toBe(false);
    expect(authorize(objs, sa('exec-only'), r('create', 'pods', { subresource: 'attach', namespace: 'app', name: 'p' }))).toBe(false);
  });

  it('*/scale matches the scale subresource of any resource, but not the resource itself', () => {
    const scale = r('patch', 'deployments', { group: 'apps', subresource: 'scale', namespace: 'app', name: 'd' });
    expect(authorize(objs, sa('scaler'), scale)).toBe(true);
    expect(authorize(objs, sa('scaler'), { ...scale, resource: 'statefulsets' })).toBe(true);
    expect(authorize(objs, sa('scaler'), { ...scale, subresource: undefined })).toBe(false);
    expect(authorize(objs, sa('scaler'), { ...scale, subresource: 'status' })).toBe(false);
  });

  it('has no resource/* wildcard: pods/* grants neither pods/exec nor pods (upstream ResourceMatches)', () => {
    expect(authorize(objs, sa('star'), exec)).toBe(false);
    expect(authorize(objs, sa('star'), r('get', 'pods', { namespace: 'app', name: 'p' }))).toBe(false);
  });
});

describe('resourceNames', () => {
  const objs = [
    role('app', 'cm-x', [{ apiGroups: [''], resources: ['configmaps'], resourceNames: ['x'], verbs: ['get', 'update', 'list', 'create', 'delete'] }]),
    rb('app', 'cm-x', 'Role', 'cm-x', [saSubject('app', 'worker')]),
  ];
  const worker: Subject = { kind: 'ServiceAccount', namespace: 'app', name: 'worker' };

  it('a non-empty list only matches requests that carry one of the names', () => {
    expect(authorize(objs, worker, r('get', 'configmaps', { namespace: 'app', name: 'x' }))).toBe(true);
    expect(authorize(objs, worker, r('update', 'configmaps', { namespace: 'app', name: 'x' }))).toBe(true);
    expect(authorize(objs, worker, r('get', 'configmaps', { namespace: 'app', name: 'y' }))).toBe(false);
    // list without a name, and create (which never has a name), are not matched by resourceNames
    expect(authorize(objs, worker, r('list', 'configmaps', { namespace: 'app' }))).toBe(false);
    expect(authorize(objs, worker, r('create', 'configmaps', { namespace: 'app' }))).toBe(false);
  });

  it('list/watch by metadata.name field selector carries the name (kubectl mapping)', () => {
    const reqs = kubectlToRequests(['get', 'cm', '--field-selector', 'metadata.name=x'], 'app');
    expect(reqs).toEqual([{ verb: 'list', group: '', resource: 'configmaps', namespace: 'app', name: 'x' }]);
    expect(authorize(objs, worker, reqs[0]!)).toBe(true);
  });
});

describe('bindings and scope', () => {
  const readPods = clusterRole('read-pods', [{ apiGroups: [''], resources: ['pods', 'nodes'], verbs: ['get', 'list'] }]);

  it('a RoleBinding to a ClusterRole grants only in the binding namespace', () => {
    const objs = [readPods, rb('team-a', 'read', 'ClusterRole', 'read-pods', [saSubject('hermes', 'agent')])];
    expect(authorize(objs, agent, r('list', 'pods', { namespace: 'team-a' }))).toBe(true);
    expect(authorize(objs, agent, r('list', 'pods', { namespace: 'team-b' }))).toBe(false);
    expect(authorize(objs, agent, r('list', 'pods'))).toBe(false); // all namespaces
    expect(authorize(objs, agent, r('get', 'nodes', { name: 'n1' }))).toBe(false); // cluster-scoped
  });

  it('a ClusterRoleBinding grants in every namespace and cluster-wide', () => {
    const objs = [readPods, crb('read', 'read-pods', [saSubject('hermes', 'agent')])];
    expect(authorize(objs, agent, r('list', 'pods', { namespace: 'team-a' }))).toBe(true);
    expect(authorize(objs, agent, r('list', 'pods'))).toBe(true);
    expect(authorize(objs, agent, r('get', 'nodes', { name: 'n1' }))).toBe(true);
  });

  it('a RoleBinding resolves a Role only in its own namespace; a ClusterRoleBinding cannot reference a Role', () => {
    const objs = [
      role('other', 'reader', [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }]),
      rb('team-a', 'read', 'Role', 'reader', [saSubject('hermes', 'agent')]),
      crb('bad', 'reader', [saSubject('hermes', 'agent')], 'Role'),
    ];
    expect(authorize(objs, agent, r('get', 'pods', { namespace: 'team-a', name: 'p' }))).toBe(false);
    expect(authorize(objs, agent, r('get', 'pods', { namespace: 'other', name: 'p' }))).toBe(false);
  });

  it('a binding to a missing role grants nothing', () => {
    expect(authorize([crb('dangling', 'nope', [saSubject('hermes', 'agent')])], agent, r('get', 'pods', { namespace: 'x' }))).toBe(false);
  });

  it('a binding for another service account does not apply (name and namespace both matter)', () => {
    const objs = [
      readPods,
      crb('other-sa', 'read-pods', [saSubject('hermes', 'someone-else')]),
      crb('other-ns', 'read-pods', [saSubject('elsewhere', 'agent')]),
    ];
    expect(authorize(objs, agent, r('list', 'pods', { namespace: 'hermes' }))).toBe(false);
    expect(authorize(objs, { kind: 'ServiceAccount', namespace: 'hermes', name: 'someone-else' }, r('list', 'pods', { namespace: 'hermes' }))).toBe(true);
  });

  it('a ServiceAccount subject without namespace defaults to the RoleBinding namespace, and never matches in a ClusterRoleBinding', () => {
    const objs = [readPods, rb('hermes', 'local', 'ClusterRole', 'read-pods', [{ kind: 'ServiceAccount', name: 'agent' }])];
    expect(authorize(objs, agent, r('list', 'pods', { namespace: 'hermes' }))).toBe(true);
    const cluster = [readPods, crb('nons', 'read-pods', [{ kind: 'ServiceAccount', name: 'agent' }])];
    expect(authorize(cluster, agent, r('list', 'pods', { namespace: 'hermes' }))).toBe(false);
  });

  it('ServiceAccounts are also in system:serviceaccounts, system:serviceaccounts:NS and system:authenticated', () => {
    for (const group of ['system:serviceaccounts', 'system:serviceaccounts:hermes', 'system:authenticated']) {
      const objs = [readPods, crb('g', 'read-pods', [{ kind: 'Group', name: group }])];
      expect(authorize(objs, agent, r('list', 'pods', { namespace: 'x' })), group).toBe(true);
    }
    const wrongNs = [readPods, crb('g', 'read-pods', [{ kind: 'Group', name: 'system:serviceaccounts:other' }])];
    expect(authorize(wrongNs, agent, r('list', 'pods', { namespace: 'x' }))).toBe(false);
  });

  it('a User subject named system:serviceaccount:NS:NAME is the service account', () => {
    const objs = [readPods, crb('u', 'read-pods', [{ kind: 'User', name: 'system:serviceaccount:hermes:agent' }])];
    expect(authorize(objs, agent, r('list', 'pods', { namespace: 'x' }))).toBe(true);
  });

  it('Group and User subjects', () => {
    const objs = [readPods, rb('team-a', 'ops', 'ClusterRole', 'read-pods', [{ kind: 'Group', name: 'ops' }, { kind: 'User', name: 'alice' }])];
    expect(authorize(objs, { kind: 'Group', name: 'ops' }, r('list', 'pods', { namespace: 'team-a' }))).toBe(true);
    expect(authorize(objs, { kind: 'Group', name: 'devs' }, r('list', 'pods', { namespace: 'team-a' }))).toBe(false);
    expect(authorize(objs, { kind: 'User', name: 'alice' }, r('list', 'pods', { namespace: 'team-a' }))).toBe(true);
    expect(authorize(objs, { kind: 'User', name: 'bob' }, r('list', 'pods', { namespace: 'team-a' }))).toBe(false);
    expect(authorize(objs, { kind: 'User', name: 'bob' }, r('list', 'pods', { namespace: 'team-a' }), { extraGroups: ['ops'] })).toBe(true);
  });

  it('does not expand aggregationRule ClusterRoles (only the rules on the object count)', () => {
    const objs = [
      clusterRole('aggregated', [], { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { agg: 'true' } }] } }),
      { ...readPods, metadata: { name: 'read-pods', labels: { agg: 'true' } } },
      crb('agg', 'aggregated', [saSubject('hermes', 'agent')]),
    ];
    expect(authorize(objs, agent, r('list', 'pods', { namespace: 'x' }))).toBe(false);
  });

  it('places namespace-less Roles/RoleBindings in defaultNamespace when asked', () => {
    const objs: KubeObject[] = [
      { apiVersion: RBAC, kind: 'Role', metadata: { name: 'r' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] },
      { apiVersion: RBAC, kind: 'RoleBinding', metadata: { name: 'b' }, roleRef: { kind: 'Role', name: 'r', apiGroup: 'rbac.authorization.k8s.io' }, subjects: [saSubject('hermes', 'agent')] },
    ];
    const get = r('get', 'pods', { namespace: 'hermes', name: 'p' });
    expect(authorize(objs, agent, get)).toBe(false);
    expect(authorize(objs, agent, get, { defaultNamespace: 'hermes' })).toBe(true);
  });

  it('reports which binding allowed the request', () => {
    const objs = [readPods, rb('team-a', 'read', 'ClusterRole', 'read-pods', [saSubject('hermes', 'agent')])];
    expect(authorizeWithReason(objs, agent, r('list', 'pods', { namespace: 'team-a' })).reason).toBe(
      'RBAC: allowed by RoleBinding "read/team-a" of ClusterRole "read-pods" to ServiceAccount "agent/hermes"',
    );
  });

  it('includes the bootstrap system:basic-user role unless disabled', () => {
    const ssar: Request = { verb: 'create', group: 'authorization.k8s.io', resource: 'selfsubjectaccessreviews' };
    expect(authorize([], agent, ssar)).toBe(true);
    expect(authorize([], agent, ssar, { bootstrapPolicy: false })).toBe(false);
    expect(authorize([], agent, { ...ssar, resource: 'subjectaccessreviews' })).toBe(false);
  });
});

describe('resource types', () => {
  it('resolves plurals, singulars, kinds, short names and qualified names', () => {
    const gr = (a: string) => {
      const x = resolveResourceType(a);
      return `${x.resource}.${x.group}`;
    };
    expect(gr('po')).toBe('pods.');
    expect(gr('Pod')).toBe('pods.');
    expect(gr('deploy')).toBe('deployments.apps');
    expect(gr('deployments.apps')).toBe('deployments.apps');
    expect(gr('deployment.v1.apps')).toBe('deployments.apps');
    expect(gr('sts')).toBe('statefulsets.apps');
    expect(gr('cj')).toBe('cronjobs.batch');
    expect(gr('ev')).toBe('events.');
    expect(gr('ing')).toBe('ingresses.networking.k8s.io');
    expect(gr('netpol')).toBe('networkpolicies.networking.k8s.io');
    expect(gr('app')).toBe('applications.argoproj.io');
    expect(gr('applications.argoproj.io')).toBe('applications.argoproj.io');
    expect(gr('cert')).toBe('certificates.cert-manager.io');
    expect(gr('certificates.cert-manager.io')).toBe('certificates.cert-manager.io');
    expect(gr('crd')).toBe('customresourcedefinitions.apiextensions.k8s.io');
    expect(gr('sa')).toBe('serviceaccounts.');
    expect(gr('nodes.metrics.k8s.io')).toBe('nodes.metrics.k8s.io');
    expect(gr('widgets.example.com')).toBe('widgets.example.com');
    expect(() => resolveResourceType('widgets')).toThrow(/resource type/);
  });
});

describe('kubectlToRequests', () => {
  const k = (cmd: string, ns = 'hermes') => kubectlToRequests(cmd.split(' '), ns);

  it('get: list, get by name, watch, all namespaces, several types, cluster-scoped types', () => {
    expect(k('get pods')).toEqual([{ verb: 'list', group: '', resource: 'pods', namespace: 'hermes' }]);
    expect(k('get po -A -o wide')).toEqual([{ verb: 'list', group: '', resource: 'pods' }]);
    expect(k('get pods --all-namespaces')).toEqual([{ verb: 'list', group: '', resource: 'pods' }]);
    expect(k('get pod web-0 -o json -n apps')).toEqual([{ verb: 'get', group: '', resource: 'pods', namespace: 'apps', name: 'web-0' }]);
    expect(k('get pod/web-0 deploy/web -ojsonpath={.status}')).toEqual([
      { verb: 'get', group: '', resource: 'pods', namespace: 'hermes', name: 'web-0' },
      { verb: 'get', group: 'apps', resource: 'deployments', namespace: 'hermes', name: 'web' },
    ]);
    expect(k('get deploy,sts -n=apps -w')).toEqual([
      { verb: 'list', group: 'apps', resource: 'deployments', namespace: 'apps' },
      { verb: 'watch', group: 'apps', resource: 'deployments', namespace: 'apps' },
      { verb: 'list', group: 'apps', resource: 'statefulsets', namespace: 'apps' },
      { verb: 'watch', group: 'apps', resource: 'statefulsets', namespace: 'apps' },
    ]);
    expect(k('get nodes -n apps')).toEqual([{ verb: 'list', group: '', resource: 'nodes' }]);
    expect(k('get pv,ns,clusterroles,crd')).toEqual([
      { verb: 'list', group: '', resource: 'persistentvolumes' },
      { verb: 'list', group: '', resource: 'namespaces' },
      { verb: 'list', group: 'rbac.authorization.k8s.io', resource: 'clusterroles' },
      { verb: 'list', group: 'apiextensions.k8s.io', resource: 'customresourcedefinitions' },
    ]);
    expect(k('get applications.argoproj.io -A')).toEqual([{ verb: 'list', group: 'argoproj.io', resource: 'applications' }]);
    expect(k('get cert -n web')).toEqual([{ verb: 'list', group: 'cert-manager.io', resource: 'certificates', namespace: 'web' }]);
    expect(k('get events --field-selector type=Warning')).toEqual([{ verb: 'list', group: '', resource: 'events', namespace: 'hermes' }]);
    expect(() => k('get pod x -A')).toThrow(/across all namespaces/);
  });

  it('describe: get plus a best-effort events list', () => {
    expect(k('describe pod web-0')).toEqual([
      { verb: 'get', group: '', resource: 'pods', namespace: 'hermes', name: 'web-0' },
      { verb: 'list', group: '', resource: 'events', namespace: 'hermes', optional: true },
    ]);
    expect(k('describe node n1')).toEqual([
      { verb: 'get', group: '', resource: 'nodes', name: 'n1' },
      { verb: 'list', group: '', resource: 'events', optional: true },
      { verb: 'list', group: '', resource: 'pods', optional: true },
      { verb: 'get', group: 'coordination.k8s.io', resource: 'leases', namespace: 'kube-node-lease', name: 'n1', optional: true },
    ]);
    expect(k('describe sts db')).toContainEqual({ verb: 'list', group: '', resource: 'pods', namespace: 'hermes' });
  });

  it('logs: pod, container flags, and a controller', () => {
    const podLog = [
      { verb: 'get', group: '', resource: 'pods', namespace: 'apps', name: 'web-0' },
      { verb: 'get', group: '', resource: 'pods', subresource: 'log', namespace: 'apps', name: 'web-0' },
    ];
    expect(k('logs web-0 -c app --previous --tail 50 -n apps')).toEqual(podLog);
    expect(k('logs -f -p --tail=10 web-0 -n apps')).toEqual(podLog);
    expect(k('logs deploy/web')).toEqual([
      { verb: 'get', group: 'apps', resource: 'deployments', namespace: 'hermes', name: 'web' },
      { verb: 'list', group: '', resource: 'pods', namespace: 'hermes' },
      { verb: 'get', group: '', resource: 'pods', subresource: 'log', namespace: 'hermes' },
    ]);
  });

  it('top', () => {
    expect(k('top nodes')).toEqual([
      { verb: 'list', group: 'metrics.k8s.io', resource: 'nodes' },
      { verb: 'list', group: '', resource: 'nodes' },
    ]);
    expect(k('top pods -A')).toEqual([{ verb: 'list', group: 'metrics.k8s.io', resource: 'pods' }]);
    expect(k('top pod -n apps')).toEqual([{ verb: 'list', group: 'metrics.k8s.io', resource: 'pods', namespace: 'apps' }]);
  });

  it('rollout restart / status', () => {
    expect(k('rollout restart deployment/web -n apps')).toEqual([
      { verb: 'get', group: 'apps', resource: 'deployments', namespace: 'apps', name: 'web' },
      { verb: 'patch', group: 'apps', resource: 'deployments', namespace: 'apps', name: 'web' },
    ]);
    expect(k('rollout restart statefulset db')).toContainEqual({ verb: 'patch', group: 'apps', resource: 'statefulsets', namespace: 'hermes', name: 'db' });
    expect(k('rollout restart daemonset/agent')).toContainEqual({ verb: 'patch', group: 'apps', resource: 'daemonsets', namespace: 'hermes', name: 'agent' });
    expect(k('rollout status deploy/web')).toEqual([
      { verb: 'get', group: 'apps', resource: 'deployments', namespace: 'hermes', name: 'web' },
      { verb: 'list', group: 'apps', resource: 'deployments', namespace: 'hermes', name: 'web' },
      { verb: 'watch', group: 'apps', resource: 'deployments', namespace: 'hermes', name: 'web' },
    ]);
  });

  it('delete pod waits for the deletion unless --wait=false', () => {
    expect(k('delete pod web-0 -n apps')).toEqual([
      { verb: 'delete', group: '', resource: 'pods', namespace: 'apps', name: 'web-0' },
      { verb: 'get', group: '', resource: 'pods', namespace: 'apps', name: 'web-0' },
      { verb: 'list', group: '', resource: 'pods', namespace: 'apps', name: 'web-0' },
      { verb: 'watch', group: '', resource: 'pods', namespace: 'apps', name: 'web-0' },
    ]);
    expect(k('delete pod web-0 -n apps --wait=false')).toEqual([{ verb: 'delete', group: '', resource: 'pods', namespace: 'apps', name: 'web-0' }]);
    expect(k('delete secret s --dry-run=client')).toEqual([
      { verb: 'get', group: '', resource: 'secrets', namespace: 'hermes', name: 's' },
      { verb: 'list', group: '', resource: 'secrets', namespace: 'hermes', name: 's' },
      { verb: 'watch', group: '', resource: 'secrets', namespace: 'hermes', name: 's' },
    ]);
  });

  it('exec and scale', () => {
    expect(kubectlToRequests(['exec', '-it', 'web-0', '-c', 'app', '-n', 'apps', '--', 'sh', '-c', 'ls -la'], 'hermes')).toEqual([
      { verb: 'get', group: '', resource: 'pods', namespace: 'apps', name: 'web-0' },
      { verb: 'get', group: '', resource: 'pods', subresource: 'exec', namespace: 'apps', name: 'web-0' },
      { verb: 'create', group: '', resource: 'pods', subresource: 'exec', namespace: 'apps', name: 'web-0' },
    ]);
    expect(k('scale deployment/web --replicas=3')).toEqual([
      { verb: 'get', group: 'apps', resource: 'deployments', namespace: 'hermes', name: 'web' },
      { verb: 'patch', group: 'apps', resource: 'deployments', subresource: 'scale', namespace: 'hermes', name: 'web' },
    ]);
  });

  it('auth can-i / whoami are cluster-scoped reviews', () => {
    expect(k('auth can-i delete pods -n apps')).toEqual([{ verb: 'create', group: 'authorization.k8s.io', resource: 'selfsubjectaccessreviews' }]);
    expect(k('auth can-i --list')).toEqual([{ verb: 'create', group: 'authorization.k8s.io', resource: 'selfsubjectrulesreviews' }]);
    expect(k('auth whoami')).toEqual([{ verb: 'create', group: 'authentication.k8s.io', resource: 'selfsubjectreviews' }]);
  });

  it('node and object mutations map to their real verbs', () => {
    const patchNode = [
      { verb: 'get', group: '', resource: 'nodes', name: 'n1' },
      { verb: 'patch', group: '', resource: 'nodes', name: 'n1' },
    ];
    expect(k('cordon n1')).toEqual(patchNode);
    expect(k('uncordon n1')).toEqual(patchNode);
    expect(k('taint nodes n1 dedicated=x:NoSchedule')).toEqual(patchNode);
    expect(k('drain n1 --ignore-daemonsets --delete-emptydir-data')).toEqual([
      ...patchNode,
      { verb: 'list', group: '', resource: 'pods' },
      { verb: 'get', group: 'apps', resource: 'daemonsets' },
      { verb: 'create', group: '', resource: 'pods', subresource: 'eviction' },
      { verb: 'get', group: '', resource: 'pods' },
    ]);
    expect(k('label pod web-0 tier=x --overwrite')).toEqual([
      { verb: 'get', group: '', resource: 'pods', namespace: 'hermes', name: 'web-0' },
      { verb: 'patch', group: '', resource: 'pods', namespace: 'hermes', name: 'web-0' },
    ]);
    expect(k('annotate deploy/web a=b')).toContainEqual({ verb: 'patch', group: 'apps', resource: 'deployments', namespace: 'hermes', name: 'web' });
    expect(k('edit cm settings')).toContainEqual({ verb: 'patch', group: '', resource: 'configmaps', namespace: 'hermes', name: 'settings' });
    expect(kubectlToRequests(['patch', 'secret', 's', '-p', '{"data":{}}'], 'hermes')).toContainEqual({
      verb: 'patch', group: '', resource: 'secrets', namespace: 'hermes', name: 's',
    });
    expect(k('create deployment x --image=nginx:1')).toEqual([{ verb: 'create', group: 'apps', resource: 'deployments', namespace: 'hermes' }]);
    expect(k('create secret generic x --from-literal=a=b')).toEqual([{ verb: 'create', group: '', resource: 'secrets', namespace: 'hermes' }]);
    expect(k('create clusterrolebinding x --clusterrole=cluster-admin --serviceaccount=hermes:agent')).toEqual([
      { verb: 'create', group: 'rbac.authorization.k8s.io', resource: 'clusterrolebindings' },
    ]);
    expect(k('create job j --from=cronjob/nightly')).toEqual([
      { verb: 'get', group: 'batch', resource: 'cronjobs', namespace: 'hermes', name: 'nightly' },
      { verb: 'create', group: 'batch', resource: 'jobs', namespace: 'hermes' },
    ]);
    expect(k('create token agent')).toEqual([{ verb: 'create', group: '', resource: 'serviceaccounts', subresource: 'token', namespace: 'hermes', name: 'agent' }]);
    expect(k('create deployment x --image=nginx:1 --dry-run=client -o yaml')).toEqual([]);
  });

  it('apply/create -f use the objects of the file', () => {
    const files = {
      'x.yaml': [
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } },
        { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'cr' } },
      ],
    };
    expect(kubectlToRequests(['apply', '-f', 'x.yaml'], 'hermes', { files })).toEqual([
      { verb: 'get', group: '', resource: 'configmaps', namespace: 'hermes', name: 'c' },
      { verb: 'patch', group: '', resource: 'configmaps', namespace: 'hermes', name: 'c' },
      { verb: 'get', group: 'rbac.authorization.k8s.io', resource: 'clusterroles', name: 'cr' },
      { verb: 'patch', group: 'rbac.authorization.k8s.io', resource: 'clusterroles', name: 'cr' },
    ]);
    expect(kubectlToRequests(['create', '-f', 'x.yaml', '-n', 'apps'], 'hermes', { files })).toEqual([
      { verb: 'create', group: '', resource: 'configmaps', namespace: 'apps' },
      { verb: 'create', group: 'rbac.authorization.k8s.io', resource: 'clusterroles' },
    ]);
    expect(() => kubectlToRequests(['apply', '-f', '/nonexistent.yaml'], 'hermes')).toThrow(/options.files/);
  });

  it('refuses what it does not model', () => {
    expect(() => k('frobnicate pods')).toThrow(/not modelled/);
    expect(() => k('get pods --as=admin')).toThrow(/impersonation/);
    expect(() => k('get widgets')).toThrow(/resource type/);
    expect(k('version')).toEqual([]);
  });
});

describe('authorizeKubectl: an ops agent role against kubectl command lines', () => {
  const objs = [
    clusterRole('agent', [
      { apiGroups: [''], resources: ['pods', 'nodes', 'events', 'configmaps'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['apps'], resources: ['deployments', 'replicasets'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
      { apiGroups: ['metrics.k8s.io'], resources: ['nodes', 'pods'], verbs: ['get', 'list'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['delete'] },
      { apiGroups: ['apps'], resources: ['deployments'], verbs: ['patch'] },
      { apiGroups: ['apps'], resources: ['deployments/scale'], verbs: ['patch'] },
    ]),
    crb('agent', 'agent', [saSubject('hermes', 'agent')]),
    clusterRole('exec', [{ apiGroups: [''], resources: ['pods/exec'], verbs: ['get', 'create'] }]),
    rb('hermes', 'exec', 'ClusterRole', 'exec', [saSubject('hermes', 'agent')]),
  ];
  const run = (cmd: string) => authorizeKubectl(objs, agent, cmd.split(' '), 'hermes');

  it.each([
    'get pods -A',
    'get deploy -n web -o yaml',
    'describe deployment web -n web',
    'logs deploy/web -n web --tail 100',
    'top nodes',
    'top pods -A',
    'rollout restart deployment/web -n web',
    'rollout status deploy/web -n web',
    'delete pod web-0 -n web',
    'scale deployment/web --replicas=2 -n web',
    'exec -it hermes-0 -- sh',
    'auth can-i list pods',
    'get events -w',
  ])('allows %s', (cmd) => {
    expect(run(cmd)).toMatchObject({ allowed: true });
  });

  it.each([
    'get secrets -n web',
    'delete deployment web -n web',
    'exec web-0 -n web -- sh',
    'cordon n1',
    'drain n1 --ignore-daemonsets',
    'create clusterrolebinding x --clusterrole=cluster-admin --serviceaccount=hermes:agent',
    'edit configmap settings -n web',
    'scale statefulset/db --replicas=0 -n web',
  ])('denies %s', (cmd) => {
    const d = run(cmd);
    expect(d.allowed).toBe(false);
    expect(d.denied.length).toBeGreaterThan(0);
  });

  it('a denied optional read does not fail the command', () => {
    const d = run('describe node n1');
    expect(d.allowed).toBe(true);
    expect(d.denied).toEqual([
      { verb: 'get', group: 'coordination.k8s.io', resource: 'leases', namespace: 'kube-node-lease', name: 'n1', optional: true },
    ]);
  });
});
