/**
 * What the agent may do in the cluster: the plan's section 3 matrix with section 10's pods/exec, plus the reads
 * the watchdogs need that the plan forgot. Nothing cluster-scoped is writable. Secrets are read through their
 * own ClusterRole, bound where permissions.readSecrets says (README "Escalation paths").
 */
import { Construct } from 'constructs';
import * as k8s from '../k8s';
import type { Site } from '../site/schema';
import { Names, PART_OF, appLabels, clusterScopedNames, polarisExempt, syncWave, SyncWave } from './metadata';

type Rule = k8s.PolicyRule;
const READ = ['get', 'list', 'watch'];

/** The ClusterRole's rules, in a stable order. */
export function agentClusterRules(): Rule[] {
  const coreRead = ['nodes', 'pods', 'services', 'events', 'configmaps', 'persistentvolumeclaims', 'namespaces'];
  return [
    // Read (plan section 3).
    { apiGroups: [''], resources: coreRead, verbs: READ },
    { apiGroups: ['apps'], resources: ['deployments', 'statefulsets', 'daemonsets', 'replicasets'], verbs: READ },
    { apiGroups: ['batch'], resources: ['jobs', 'cronjobs'], verbs: READ },
    { apiGroups: ['networking.k8s.io'], resources: ['ingresses'], verbs: READ },
    // Reads the watchdogs need that the plan forgot: logs, volumes, ArgoCD, cert-manager, kubectl top.
    { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
    { apiGroups: [''], resources: ['persistentvolumes'], verbs: READ },
    { apiGroups: ['argoproj.io'], resources: ['applications'], verbs: READ },
    { apiGroups: ['cert-manager.io'], resources: ['certificates'], verbs: READ },
    { apiGroups: ['metrics.k8s.io'], resources: ['nodes', 'pods'], verbs: ['get', 'list'] },
    // Act (plan section 3): restart a stuck pod; rollout restart; clean up jobs. What these writes may change is
    // narrowed further by the admission guardrails (agent-guardrails.ts).
    { apiGroups: [''], resources: ['pods'], verbs: ['delete', 'patch'] },
    { apiGroups: ['apps'], resources: ['deployments', 'statefulsets', 'daemonsets', 'replicasets'], verbs: ['patch', 'update'] },
    { apiGroups: ['batch'], resources: ['jobs', 'cronjobs'], verbs: ['delete', 'patch'] },
  ];
}

/**
 * The exec rule lives in its own ClusterRole so that Polaris' exemption covers exactly it and nothing else.
 * kubectl 1.30+ execs over WebSocket (an HTTP GET, authorized as `get`), older clients over SPDY (`create`).
 */
export const EXEC_RULES: Rule[] = [{ apiGroups: [''], resources: ['pods/exec'], verbs: ['get', 'create'] }];

/** Secret reads, bound cluster-wide (readSecrets: true) or by a RoleBinding in each listed namespace. */
export const SECRET_READ_RULES: Rule[] = [{ apiGroups: [''], resources: ['secrets'], verbs: READ }];

/** Namespaces whose Secrets the agent reads: every one (true), those listed, or none. */
export function secretReadScope(site: Site): 'cluster' | readonly string[] {
  const { readSecrets } = site.permissions;
  if (readSecrets === true) return 'cluster';
  return readSecrets === false ? [] : readSecrets;
}

export class AgentRbac extends Construct {
  constructor(scope: Construct, id: string, site: Site) {
    super(scope, id);
    const labels = appLabels(PART_OF, 'rbac');
    const names = clusterScopedNames(site.namespace);
    const subject = { kind: 'ServiceAccount', name: Names.agentServiceAccount, namespace: site.namespace };
    const meta = (name: string, extra: Record<string, string> = {}) => ({
      name,
      labels,
      annotations: { ...syncWave(SyncWave.access), ...extra },
    });

    new k8s.KubeClusterRole(this, 'role', { metadata: meta(names.clusterRole), rules: agentClusterRules() });
    new k8s.KubeClusterRoleBinding(this, 'binding', {
      metadata: meta(names.clusterRole),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: names.clusterRole },
      subjects: [subject],
    });

    const secretScope = secretReadScope(site);
    if (secretScope === 'cluster' || secretScope.length > 0) {
      const roleRef = { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: names.secretReaderClusterRole };
      new k8s.KubeClusterRole(this, 'secret-reader', { metadata: meta(names.secretReaderClusterRole), rules: SECRET_READ_RULES });
      if (secretScope === 'cluster') {
        new k8s.KubeClusterRoleBinding(this, 'secret-reader-binding', { metadata: meta(names.secretReaderClusterRole), roleRef, subjects: [subject] });
      } else {
        for (const namespace of secretScope) {
          new k8s.KubeRoleBinding(this, `secret-reader-${namespace}`, {
            metadata: { ...meta(names.secretReaderClusterRole), namespace },
            roleRef,
            subjects: [subject],
          });
        }
      }
    }

    if (site.permissions.podExec !== false) {
      // The user's decision (plan section 10): kubectl exec for debugging. Exempted from Polaris on purpose.
      new k8s.KubeClusterRole(this, 'exec-role', {
        metadata: meta(names.execClusterRole, polarisExempt('clusterrolePodExecAttach')),
        rules: EXEC_RULES,
      });
      new k8s.KubeClusterRoleBinding(this, 'exec-binding', {
        metadata: meta(names.execClusterRole, polarisExempt('clusterrolebindingPodExecAttach')),
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: names.execClusterRole },
        subjects: [subject],
      });
    }
  }
}
