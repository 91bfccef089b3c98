// Least privilege, checked like `kubectl auth can-i` against the rendered RBAC (test/policy/rbac-authorizer.ts
// answers the way the Kubernetes RBAC authorizer does).
import { describe, expect, it } from 'vitest';
import { WATCHDOGS } from '../src/hermes/watchdogs';
import { authorize, authorizeKubectl, type Request, type Subject } from './policy/rbac-authorizer';
import { find, objects } from './helpers';

const NS = 'platform-engineer';
const agent: Subject = { kind: 'ServiceAccount', namespace: NS, name: 'platform-engineer' };
const seeder: Subject = { kind: 'ServiceAccount', namespace: NS, name: 'hermes-cron-seed' };
const all = objects();

const can = (subject: Subject, request: Request, objs = all) => authorize(objs, subject, request);
const kubectl = (subject: Subject, cmd: string, objs = all) => authorizeKubectl(objs, subject, cmd.split(' '), 'default');

describe('ClusterRole: exactly the plan matrix (section 3 with section 10), plus the watchdog reads', () => {
  it('renders these rules and nothing else', () => {
    const READ = ['get', 'list', 'watch'];
    expect(find(all, 'ClusterRole', 'platform-engineer').rules).toEqual([
      { apiGroups: [''], resources: ['nodes', 'pods', 'services', 'events', 'configmaps', 'persistentvolumeclaims', 'namespaces', 'secrets'], verbs: READ },
      { apiGroups: ['apps'], resources: ['deployments', 'statefulsets', 'daemonsets', 'replicasets'], verbs: READ },
      { apiGroups: ['batch'], resources: ['jobs', 'cronjobs'], verbs: READ },
      { apiGroups: ['networking.k8s.io'], resources: ['ingresses'], verbs: READ },
      { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
      { apiGroups: [''], resources: ['persistentvolumes'], verbs: READ },
      { apiGroups: ['argoproj.io'], resources: ['applications'], verbs: READ },
      { apiGroups: ['cert-manager.io'], resources: ['certificates'], verbs: READ },
      { apiGroups: ['metrics.k8s.io'], resources: ['nodes', 'pods'], verbs: ['get', 'list'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['delete', 'patch'] },
      { apiGroups: ['apps'], resources: ['deployments', 'statefulsets', 'daemonsets', 'replicasets'], verbs: ['patch', 'update'] },
      { apiGroups: ['batch'], resources: ['jobs', 'cronjobs'], verbs: ['delete', 'patch'] },
    ]);
    expect(find(all, 'ClusterRole', 'platform-engineer-exec').rules).toEqual([{ apiGroups: [''], resources: ['pods/exec'], verbs: ['get', 'create'] }]);
  });

  it('binds both roles to the agent ServiceAccount only', () => {
    for (const name of ['platform-engineer', 'platform-engineer-exec']) {
      expect(find(all, 'ClusterRoleBinding', name).subjects).toEqual([{ kind: 'ServiceAccount', name: 'platform-engineer', namespace: NS }]);
    }
  });

  it('grants nothing cluster-scoped that is writable', () => {
    const clusterScoped = ['nodes', 'namespaces', 'persistentvolumes', 'clusterroles', 'clusterrolebindings', 'customresourcedefinitions', 'storageclasses'];
    for (const resource of clusterScoped) {
      for (const verb of ['create', 'update', 'patch', 'delete', 'deletecollection']) {
        expect(can(agent, { verb, group: resource === 'customresourcedefinitions' ? 'apiextensions.k8s.io' : resource.startsWith('cluster') ? 'rbac.authorization.k8s.io' : resource === 'storageclasses' ? 'storage.k8s.io' : '', resource }), `${verb} ${resource}`).toBe(false);
      }
    }
  });
});

/** Every kubectl command the watchdog prompts allow and the remediation uses, in a workload namespace. */
const ALLOWED: string[] = [
  ...WATCHDOGS.flatMap((w) => w.agentCommands),
  'get deployments,statefulsets,daemonsets -A -o json',
  'get jobs,cronjobs -A -o json',
  'get ingresses -A -o json',
  'get configmaps -n default -o json',
  'get secrets -n default',
  'get pvc -A -o json',
  'get namespaces -o json',
  'get pv -o json',
  'get events -n default -o json',
  'logs example -n default -c app --tail=20',
  'top pods -n default --no-headers',
  'rollout restart statefulset/example -n default',
  'rollout restart daemonset/example -n default',
  'delete pod example -n default',
  'delete job example -n default',
  'exec example -n default -- df -Pk /data',
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
  'edit configmap x -n default',
  'delete configmap x -n default',
  'patch service x -n default -p {}',
  'delete ingress x -n default',
  'patch application platform-engineer -n argocd -p {}',
  'delete certificate x -n default',
  'annotate networkpolicy default-deny -n platform-engineer x=y',
  'delete networkpolicy default-deny -n platform-engineer',
];

describe('can-i tables', () => {
  it.each(ALLOWED)('agent may: kubectl %s', (cmd) => {
    const d = kubectl(agent, cmd);
    expect(d.allowed, JSON.stringify(d.denied)).toBe(true);
  });

  it.each(DENIED)('agent may not: kubectl %s', (cmd) => {
    expect(kubectl(agent, cmd).allowed).toBe(false);
  });

  it.each([
    ['escalate', 'clusterroles'],
    ['bind', 'clusterroles'],
    ['escalate', 'roles'],
    ['bind', 'roles'],
  ])('agent may not %s %s', (verb, resource) => {
    expect(can(agent, { verb, group: 'rbac.authorization.k8s.io', resource, name: 'cluster-admin' })).toBe(false);
  });

  it.each(['users', 'groups', 'serviceaccounts'])('agent may not impersonate %s', (resource) => {
    expect(can(agent, { verb: 'impersonate', group: '', resource, name: 'admin' })).toBe(false);
  });

  it('agent may not create pods or pods/attach, nor read or create service-account tokens', () => {
    expect(can(agent, { verb: 'create', group: '', resource: 'pods', namespace: 'default' })).toBe(false);
    expect(can(agent, { verb: 'create', group: '', resource: 'pods', subresource: 'attach', namespace: 'default' })).toBe(false);
    expect(can(agent, { verb: 'create', group: '', resource: 'serviceaccounts', subresource: 'token', namespace: NS, name: 'platform-engineer' })).toBe(false);
    expect(can(agent, { verb: 'get', group: '', resource: 'nodes', subresource: 'proxy', name: 'node1' })).toBe(false);
  });

  it('agent may not patch its own RBAC or its admission guardrails', () => {
    for (const [resource, name] of [
      ['clusterroles', 'platform-engineer'],
      ['clusterroles', 'platform-engineer-exec'],
      ['clusterrolebindings', 'platform-engineer'],
    ]) {
      for (const verb of ['update', 'patch', 'delete']) expect(can(agent, { verb, group: 'rbac.authorization.k8s.io', resource, name }), `${verb} ${name}`).toBe(false);
    }
    for (const resource of ['validatingadmissionpolicies', 'validatingadmissionpolicybindings']) {
      for (const verb of ['update', 'patch', 'delete']) {
        expect(can(agent, { verb, group: 'admissionregistration.k8s.io', resource, name: 'platform-engineer-guardrails' }), `${verb} ${resource}`).toBe(false);
      }
    }
  });
});

describe('typed switches', () => {
  it('permissions.readSecrets: false removes every Secret read', () => {
    const objs = objects({ permissions: { readSecrets: false } });
    for (const verb of ['get', 'list', 'watch']) expect(can(agent, { verb, group: '', resource: 'secrets', namespace: 'default' }, objs)).toBe(false);
    expect(can(agent, { verb: 'list', group: '', resource: 'configmaps', namespace: 'default' }, objs)).toBe(true);
  });

  it('permissions.podExec: false removes exec and its ClusterRole', () => {
    const objs = objects({ permissions: { podExec: false } });
    expect(objs.some((o) => o.metadata.name === 'platform-engineer-exec')).toBe(false);
    expect(kubectl(agent, 'exec example -n default -- df -Pk /data', objs).allowed).toBe(false);
    expect(kubectl(agent, 'exec example -n default -- df -Pk /data').allowed).toBe(true);
  });
});

describe('the cron seed Job ServiceAccount', () => {
  it('may exec into pods of its own namespace only', () => {
    expect(kubectl(seeder, `exec hermes-abc -n ${NS} -c hermes -- python3 /opt/seed/seed_cron.py`).allowed).toBe(true);
    expect(kubectl(seeder, 'exec hermes-abc -n default -- sh').allowed).toBe(false);
    expect(kubectl(seeder, 'exec coredns-1 -n kube-system -- sh').allowed).toBe(false);
  });

  it('may run every command of its script, and nothing that writes', () => {
    for (const cmd of [
      `get deployment/hermes -n ${NS} -o jsonpath={.metadata.generation}`,
      `get pods -n ${NS} -l app.kubernetes.io/name=hermes -o jsonpath={.items[*].metadata.name}`,
      `exec hermes-abc -n ${NS} -c hermes -- curl -fsS --max-time 5 http://127.0.0.1:8642/health`,
    ]) {
      const d = kubectl(seeder, cmd);
      expect(d.allowed, `${cmd}: ${JSON.stringify(d.denied)}`).toBe(true);
    }
    for (const cmd of [`delete pod hermes-abc -n ${NS}`, `get secrets -n ${NS}`, 'get pods -A', `rollout restart deployment/hermes -n ${NS}`]) {
      expect(kubectl(seeder, cmd).allowed, cmd).toBe(false);
    }
  });
});

export const CAN_I_COUNTS = { allowed: ALLOWED.length, denied: DENIED.length };
