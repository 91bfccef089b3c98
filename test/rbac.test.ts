// Least privilege, as rendered: the exact rules and bindings. What they allow and deny is asked of the real RBAC
// authorizer in the cluster suite (test/cluster/rbac.cluster.test.ts, `npm run test:cluster`).
import { describe, expect, it } from 'vitest';
import { SECRET_READS } from './rbac-cases';
import { find, objects, type KubeObject } from './helpers';

const NS = 'platform-engineer';
const all = objects();


describe('ClusterRole: exactly the plan matrix (section 3 with section 10), plus the watchdog reads', () => {
  it('renders these rules and nothing else', () => {
    const READ = ['get', 'list', 'watch'];
    expect(find(all, 'ClusterRole', 'platform-engineer').rules).toEqual([
      { apiGroups: [''], resources: ['nodes', 'pods', 'services', 'events', 'configmaps', 'persistentvolumeclaims', 'namespaces'], verbs: READ },
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
});

/** Bindings (of any kind) whose role grants Secret reads: found by what they grant, not by name. */
function secretReadBindings(objs: KubeObject[]) {
  const grantsSecrets = (role: KubeObject) => (role.rules ?? []).some((r: any) => r.resources?.includes('secrets'));
  const roles = objs.filter((o) => o.kind === 'ClusterRole' && grantsSecrets(o)).map((o) => o.metadata.name);
  return objs.filter((o) => (o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding') && roles.includes(o.roleRef.name));
}


describe.each(SECRET_READS)('permissions.readSecrets: %s', (_mode, permissions) => {
  const objs = objects({ permissions });

  it('grants Secret reads through one read-only role, bound only where the site says', () => {
    const bindings = secretReadBindings(objs);
    const readSecrets = permissions?.readSecrets ?? false;
    if (readSecrets === false) return expect(bindings).toEqual([]);
    for (const b of bindings) expect(b.subjects).toEqual([{ kind: 'ServiceAccount', name: 'platform-engineer', namespace: NS }]);
    const role = find(objs, 'ClusterRole', bindings[0].roleRef.name);
    expect(role.rules).toEqual([{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch'] }]);
    if (readSecrets === true) expect(bindings.map((b) => b.kind)).toEqual(['ClusterRoleBinding']);
    else expect(bindings.map((b) => [b.kind, b.metadata.namespace])).toEqual(readSecrets.map((n) => ['RoleBinding', n]));
  });
});

describe('typed switches', () => {
  it('Secret reads never ride on the main ClusterRole', () => {
    for (const readSecrets of [true, false, ['apps']]) {
      const objs = objects({ permissions: { readSecrets } });
      expect(find(objs, 'ClusterRole', 'platform-engineer').rules.flatMap((r: any) => r.resources)).not.toContain('secrets');
    }
  });

  it('the Secret-reader ClusterRole follows the namespace like every cluster-scoped name (two installs cannot collide)', () => {
    const objs = objects({ namespace: 'pe-lab', argocd: { path: 'homelab/dist/pe-lab' }, permissions: { readSecrets: ['apps'] } });
    expect(find(objs, 'ClusterRole', 'pe-lab-read-secrets').rules).toEqual([{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch'] }]);
    const binding = objs.find((o) => o.kind === 'RoleBinding' && o.metadata.namespace === 'apps')!;
    expect(binding.roleRef.name).toBe('pe-lab-read-secrets');
    expect(objs.some((o) => o.metadata.name === 'platform-engineer-read-secrets')).toBe(false);
  });

  it('permissions.podExec: "df" (default) and true keep the exec grant; false removes it and its ClusterRole', () => {
    for (const podExec of ['df', true] as const) {
      expect(find(objects({ permissions: { podExec } }), 'ClusterRole', 'platform-engineer-exec').rules).toEqual([{ apiGroups: [''], resources: ['pods/exec'], verbs: ['get', 'create'] }]);
    }
    expect(objects({ permissions: { podExec: false } }).some((o) => o.metadata.name === 'platform-engineer-exec')).toBe(false);
  });
});
