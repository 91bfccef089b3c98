// Polaris 10.2's own check definitions (test/policy/polaris/) run over everything synth writes. Every "danger"
// check passes, or is exempted on the object with Polaris' annotation for a reason the README gives; the expected
// exemptions are exactly the ones below, so a new one cannot slip in unnoticed.
import { describe, expect, it } from 'vitest';
import { runPolaris, type PolarisResult } from './policy/polaris';
import { objects } from './helpers';

const id = (r: PolarisResult) => `${r.checkId} ${r.kind}/${r.name}${r.container ? `/${r.container}` : ''}`;

/** The warnings this project accepts, each explained in README "Policy exceptions". */
const COMMON_WARNINGS = [
  // Deliberately one replica (Hermes' data directory has one writer): no second replica, no topology spread.
  'deploymentMissingReplicas Deployment/hermes',
  'topologySpreadConstraint Deployment/hermes',
  // Pinned, immutable tags: IfNotPresent keeps the pod startable when the registry is down.
  'pullPolicyNotAlways Deployment/hermes/hermes',
  'pullPolicyNotAlways Deployment/hermes/install-seed',
  'pullPolicyNotAlways Job/hermes-cron-seed/seed',
  // A homelab without PriorityClasses.
  'priorityClassNotSet Deployment/hermes',
  'priorityClassNotSet Job/hermes-cron-seed',
  // One replica on purpose: a PodDisruptionBudget would either block node drains or allow the only pod to go.
  'missingPodDisruptionBudget Deployment/hermes',
  // app.kubernetes.io/instance is not set: Polaris wants it equal to each object's name, the Kubernetes convention
  // is one value per installation. (Both found by the real Polaris CLI in the cluster suite; the model skipped them.)
  'metadataAndInstanceMismatched Deployment/hermes',
  'metadataAndInstanceMismatched Job/hermes-cron-seed',
  // The seed Job takes no traffic: Polaris wants an ingress rule in its policy; default-deny covers ingress.
  'missingNetworkPolicy Job/hermes-cron-seed',
];
const WARNINGS = {
  // s6 and the boot hook write to the image's root filesystem in the root start.
  root: [...COMMON_WARNINGS, 'notReadOnlyRootFilesystem Deployment/hermes/hermes'],
  'non-root, no exec': [...COMMON_WARNINGS, 'pullPolicyNotAlways Deployment/hermes/migrate-config'],
};

describe.each([
  ['root', objects(), ['runAsRootAllowed Deployment/hermes/hermes', 'clusterrolePodExecAttach ClusterRole/platform-engineer-exec', 'clusterrolebindingPodExecAttach ClusterRoleBinding/platform-engineer-exec', 'rolePodExecAttach Role/hermes-cron-seed', 'rolebindingRolePodExecAttach RoleBinding/hermes-cron-seed']],
  ['non-root, no exec', objects({ securityMode: 'non-root', permissions: { podExec: false } }), ['rolePodExecAttach Role/hermes-cron-seed', 'rolebindingRolePodExecAttach RoleBinding/hermes-cron-seed']],
] as const)('Polaris (%s)', (_mode, objs, expectedExempt) => {
  const results = runPolaris(objs as any);

  it('runs the checks over every workload and RBAC object', () => {
    const kinds = new Set(results.map((r) => r.kind));
    for (const k of ['Deployment', 'Job', 'ClusterRole', 'Role']) expect(kinds).toContain(k);
    expect(results.length).toBeGreaterThan(50);
  });

  it('passes every danger check except the documented exemptions', () => {
    const danger = results.filter((r) => r.severity === 'danger');
    expect(danger.filter((r) => !r.passed && !r.exempt).map(id)).toEqual([]);
    // The exemptions that matter: checks that fail once the annotations are ignored.
    const withoutAnnotations = runPolaris(objs as any, { annotationExemptions: false });
    const used = withoutAnnotations.filter((r) => r.severity === 'danger' && !r.passed).map(id);
    expect(used.sort()).toEqual([...expectedExempt].sort());
  });

  it('raises exactly the accepted warnings', () => {
    const warnings = results.filter((r) => r.severity === 'warning' && !r.passed && !r.exempt).map(id);
    expect(warnings.sort()).toEqual([...WARNINGS[_mode]].sort());
  });
});

describe('the Polaris run can fail', () => {
  it('flags a literal token in the environment and a dropped exemption', () => {
    const objs = objects();
    const d = objs.find((o) => o.kind === 'Deployment')!;
    d.spec.template.spec.containers[0].env.push({ name: 'DISCORD_BOT_TOKEN', value: 'literal' });
    delete d.metadata.annotations!['polaris.fairwinds.com/runAsRootAllowed-exempt'];
    const failed = runPolaris(objs as any).filter((r) => r.severity === 'danger' && !r.passed && !r.exempt).map(id);
    expect(failed).toContain('sensitiveContainerEnvVar Deployment/hermes/hermes');
    expect(failed).toContain('runAsRootAllowed Deployment/hermes/hermes');
  });
});
