/**
 * Admission guardrails: a ValidatingAdmissionPolicy (GA since Kubernetes 1.30) that the API server evaluates on
 * every write the agent's ServiceAccount makes. RBAC says which verbs the agent has (the plan's matrix: patch on
 * pods and workloads, delete on pods and jobs); this says what those writes may change:
 * - nothing in the protected namespaces (site watchdogs.protectedNamespaces, plus the agent's own);
 * - on a Deployment, StatefulSet, DaemonSet or ReplicaSet, only the `kubectl rollout restart` annotation: image,
 *   replicas, env, labels and every other field git owns stay as ArgoCD wrote them;
 * - on a pod, annotations only (no in-place image change, no relabelling it away from its controller);
 * - a pod may be deleted only when a controller will recreate it;
 * - on a Job or CronJob, no spec change (deleting a finished or stuck Job stays possible);
 * - exec (CONNECT on pods/exec) only as permissions.podExec allows, and in the protected namespaces only the
 *   storage watchdog's `df -Pk PATH`; never attach or port-forward (CONNECT's `object` is the PodExecOptions).
 * The prompt and the pre-check scripts say the same; this makes it hold even if the agent does not listen.
 */
import { Construct } from 'constructs';
import * as k8s from '../k8s';
import { protectedNamespaces } from '../site/protected-namespaces';
import type { Site } from '../site/schema';
import { Names, PART_OF, appLabels, clusterScopedNames, syncWave, SyncWave } from './metadata';

export const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';

/** `map` of `obj` at `path`, or an empty map (CEL has no optional chaining in every Kubernetes version). */
const mapOr = (obj: string, field: string) => `(has(${obj}.${field}) ? ${obj}.${field} : {})`;

/** True when two string maps are equal, ignoring one key. */
const equalExcept = (a: string, b: string, key: string) =>
  `${a}.all(k, k == '${key}' || (k in ${b} && ${b}[k] == ${a}[k])) && ${b}.all(k, k == '${key}' || k in ${a})`;

/** Named pieces of the rules (evaluated lazily by the API server, so they may assume an UPDATE). */
export const GUARDRAIL_VARIABLES: k8s.Variable[] = [
  { name: 'isWorkloadUpdate', expression: "request.resource.group == 'apps' && request.operation == 'UPDATE'" },
  { name: 'isPodUpdate', expression: "request.resource.group == '' && request.resource.resource == 'pods' && request.operation == 'UPDATE'" },
  { name: 'isPodDelete', expression: "request.resource.group == '' && request.resource.resource == 'pods' && request.operation == 'DELETE'" },
  { name: 'isBatchUpdate', expression: "request.resource.group == 'batch' && request.operation == 'UPDATE'" },
  { name: 'sameLabels', expression: `${mapOr('object.metadata', 'labels')} == ${mapOr('oldObject.metadata', 'labels')}` },
  { name: 'newTemplateAnnotations', expression: mapOr('object.spec.template.metadata', 'annotations') },
  { name: 'oldTemplateAnnotations', expression: mapOr('oldObject.spec.template.metadata', 'annotations') },
  {
    name: 'onlyRestartedAtChanged',
    expression: equalExcept('variables.newTemplateAnnotations', 'variables.oldTemplateAnnotations', RESTARTED_AT),
  },
  { name: 'isConnect', expression: "request.operation == 'CONNECT'" },
  {
    // The pvc-pressure watchdog's probe, exactly: `df -Pk /mount/path`, no stdin, no terminal. df prints
    // filesystem sizes only; an absolute path cannot be read as an option.
    name: 'isDfProbe',
    expression:
      "variables.isConnect && request.subResource == 'exec' && has(object.command) && size(object.command) == 3 && " +
      "object.command[0] == 'df' && object.command[1] == '-Pk' && object.command[2].startsWith('/') && " +
      '!(has(object.stdin) && object.stdin) && !(has(object.tty) && object.tty)',
  },
];

/** What the exec validation admits, per permissions.podExec, and what its refusal says. */
function execRule(podExec: Site['permissions']['podExec'], inProtected: string, names: string): k8s.Validation {
  const allowed = podExec === true ? `(!${inProtected} || variables.isDfProbe)` : podExec === 'df' ? 'variables.isDfProbe' : 'false';
  const message =
    podExec === true
      ? `the platform engineer may not attach or port-forward, and in the protected namespaces (${names}) may exec only \`df -Pk /path\``
      : podExec === 'df'
        ? 'the platform engineer may exec only `df -Pk /path` without stdin or terminal (permissions.podExec: df), and may not attach or port-forward'
        : 'the platform engineer may not exec, attach or port-forward (permissions.podExec: false)';
  return {
    expression: `!variables.isConnect || (request.subResource == 'exec' && ${allowed})`,
    message,
    reason: 'Forbidden',
  };
}

export function guardrailValidations(protectedNamespaces: readonly string[], podExec: Site['permissions']['podExec']): k8s.Validation[] {
  const inProtected = `(request.namespace in [${protectedNamespaces.map((n) => `'${n}'`).join(', ')}])`;
  const names = protectedNamespaces.join(', ');
  return [
    {
      expression: `variables.isConnect || !${inProtected}`,
      message: `the platform engineer may not change anything in the protected namespaces (${names})`,
      reason: 'Forbidden',
    },
    execRule(podExec, inProtected, names),
    {
      // Field by field: Kubernetes CEL cannot iterate an object's fields, and the four kinds differ (a DaemonSet
      // has no replicas), so each comparison is guarded by the resource it applies to.
      expression:
        '!variables.isWorkloadUpdate || (' +
        'object.spec.template.spec == oldObject.spec.template.spec && ' +
        `${mapOr('object.spec.template.metadata', 'labels')} == ${mapOr('oldObject.spec.template.metadata', 'labels')} && ` +
        'variables.onlyRestartedAtChanged && variables.sameLabels && ' +
        "(request.resource.resource == 'daemonsets' || object.spec.replicas == oldObject.spec.replicas) && " +
        "(request.resource.resource != 'deployments' || (object.spec.strategy == oldObject.spec.strategy && " +
        '(has(object.spec.paused) && object.spec.paused) == (has(oldObject.spec.paused) && oldObject.spec.paused))))',
      message: 'the platform engineer may only restart workloads (kubectl rollout restart): image, replicas, env and every other field in git are left to ArgoCD',
      reason: 'Forbidden',
    },
    {
      expression: '!variables.isPodUpdate || (object.spec == oldObject.spec && variables.sameLabels)',
      message: 'the platform engineer may only annotate pods, not change their spec or labels',
      reason: 'Forbidden',
    },
    {
      expression:
        '!variables.isPodDelete || ' +
        '(has(oldObject.metadata.ownerReferences) && oldObject.metadata.ownerReferences.exists(r, has(r.controller) && r.controller == true))',
      message: 'the platform engineer may only delete pods that a controller recreates',
      reason: 'Forbidden',
    },
    {
      expression: '!variables.isBatchUpdate || object.spec == oldObject.spec',
      message: 'the platform engineer may not change Jobs or CronJobs (their spec is in git)',
      reason: 'Forbidden',
    },
  ];
}

export class AgentGuardrails extends Construct {
  constructor(scope: Construct, id: string, site: Site) {
    super(scope, id);
    const policyName = clusterScopedNames(site.namespace).guardrailPolicy;
    const metadata = { name: policyName, labels: appLabels(PART_OF, 'guardrails'), annotations: syncWave(SyncWave.access) };
    const rule = (apiGroups: string[], resources: string[], operations: string[]) => ({ apiGroups, apiVersions: ['*'], operations, resources });

    new k8s.KubeValidatingAdmissionPolicy(this, 'policy', {
      metadata,
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: {
          resourceRules: [
            rule(['apps'], ['deployments', 'statefulsets', 'daemonsets', 'replicasets'], ['UPDATE', 'DELETE']),
            rule([''], ['pods'], ['UPDATE', 'DELETE']),
            rule(['batch'], ['jobs', 'cronjobs'], ['UPDATE', 'DELETE']),
            // Every way into a running container, including those no role grants today.
            rule([''], ['pods/exec', 'pods/attach', 'pods/portforward'], ['CONNECT']),
          ],
        },
        matchConditions: [
          {
            name: 'only-the-platform-engineer',
            expression: `request.userInfo.username == 'system:serviceaccount:${site.namespace}:${Names.agentServiceAccount}'`,
          },
        ],
        variables: GUARDRAIL_VARIABLES,
        validations: guardrailValidations(protectedNamespaces(site), site.permissions.podExec),
      },
    });
    new k8s.KubeValidatingAdmissionPolicyBinding(this, 'binding', {
      metadata,
      spec: { policyName, validationActions: ['Deny'] },
    });
  }
}
