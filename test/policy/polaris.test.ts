import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { renderGoTemplate } from './go-template';
import {
  goRegExp,
  loadChecks,
  loadConfig,
  normalizePodSpec,
  POLARIS_DIR,
  polarisFailures,
  runPolaris,
  SKIPPED_CHECKS,
  type KubeObject,
  type PolarisResult,
} from './polaris';

const NS = 'app';

const goodContainer = () => ({
  name: 'app',
  image: 'ghcr.io/example/app:1.2.3',
  imagePullPolicy: 'Always',
  securityContext: {
    runAsNonRoot: true,
    runAsUser: 10001,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    privileged: false,
    capabilities: { drop: ['ALL'] },
  },
  resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: 1, memory: '256Mi' } },
  livenessProbe: { httpGet: { path: '/healthz', port: 8080 } },
  readinessProbe: { httpGet: { path: '/ready', port: 8080 } },
  env: [
    { name: 'API_TOKEN', valueFrom: { secretKeyRef: { name: 'app', key: 'token' } } },
    { name: 'LOG_LEVEL', value: 'info' },
  ],
});

type Spec = Record<string, unknown>;
const goodPodSpec = (): Spec => ({
  serviceAccountName: 'app',
  automountServiceAccountToken: false,
  priorityClassName: 'normal',
  securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
  topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway' }],
  containers: [goodContainer()],
});

const deployment = (name: string, podSpec: Spec, annotations?: Record<string, string>): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: NS, labels: { 'app.kubernetes.io/instance': name }, ...(annotations ? { annotations } : {}) },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: podSpec },
  },
});

/** Mutate the first container of a good pod spec. */
const withContainer = (patch: (c: ReturnType<typeof goodContainer>) => void): Spec => {
  const spec = goodPodSpec();
  patch((spec.containers as ReturnType<typeof goodContainer>[])[0]!);
  return spec;
};

const netpol = (podLabels: Record<string, string>, extra: Spec = {}): KubeObject => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name: 'np', namespace: NS },
  spec: { podSelector: { matchLabels: podLabels }, policyTypes: ['Ingress', 'Egress'], ingress: [{}], egress: [{}], ...extra },
});

const serviceAccount = (name: string, automount?: boolean): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ServiceAccount',
  metadata: { name, namespace: NS },
  ...(automount === undefined ? {} : { automountServiceAccountToken: automount }),
});

function only(results: PolarisResult[], checkId: string, name?: string): PolarisResult {
  const found = results.filter((r) => r.checkId === checkId && (name === undefined || r.name === name));
  expect(found, `${checkId} ran ${found.length} times`).toHaveLength(1);
  return found[0]!;
}

/** Run one check over good + bad objects; return [good result, bad result]. */
function goodAndBad(checkId: string, good: KubeObject[], bad: KubeObject[], name = 'bad'): [PolarisResult, PolarisResult] {
  const g = only(runPolaris(good, { only: [checkId] }), checkId);
  const b = only(runPolaris(bad, { only: [checkId] }), checkId, name);
  return [g, b];
}

describe('vendored definitions', () => {
  it('loads every check of default.yaml, with its severity, from test/policy/polaris', () => {
    const ids = loadChecks().map((c) => c.id).sort();
    expect(ids).toEqual(Object.keys(loadConfig().checks).sort());
    expect(ids).toHaveLength(44);
    expect(fs.existsSync(path.join(POLARIS_DIR, 'checks', 'LICENSE'))).toBe(true);
    expect(fs.readFileSync(path.join(POLARIS_DIR, 'README.md'), 'utf8')).toMatch(/10\.2/);
    expect(loadConfig().checks.runAsRootAllowed).toBe('danger');
    expect(loadConfig().checks.linuxHardening).toBe('warning');
  });

  it('reads linuxHardening\'s FailureMessage (Go decodes field names case-insensitively)', () => {
    expect(loadChecks().find((c) => c.id === 'linuxHardening')!.failureMessage).toMatch(/^Use one of AppArmor/);
  });

  it('documents every skipped check', () => {
    expect(Object.keys(SKIPPED_CHECKS).sort()).toEqual(
      ['hpaMaxAvailability', 'pdbMinAvailableGreaterThanHPAMinReplicas'].sort(),
    );
    const ran = new Set(runPolaris([deployment('web', goodPodSpec())]).map((r) => r.checkId));
    for (const id of Object.keys(SKIPPED_CHECKS)) expect(ran.has(id)).toBe(false);
  });
});

describe('a hardened Deployment', () => {
  const pdb: KubeObject = { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web', namespace: NS }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'web' } } } } as any;
  const objs = [deployment('web', goodPodSpec()), serviceAccount('app', false), netpol({ app: 'web' }), pdb];
  const results = runPolaris(objs);

  it('passes every check', () => {
    expect(polarisFailures(results)).toEqual([]);
    expect(results.every((r) => !r.exempt)).toBe(true);
  });

  it('runs controller, pod and per-container checks with default.yaml severities', () => {
    expect(only(results, 'deploymentMissingReplicas')).toMatchObject({ kind: 'Deployment', namespace: NS, name: 'web', passed: true, severity: 'warning' });
    expect(only(results, 'hostNetworkSet')).toMatchObject({ severity: 'danger', passed: true, message: 'Host network is not configured' });
    expect(only(results, 'runAsRootAllowed')).toMatchObject({ container: 'app', severity: 'danger', category: 'Security' });
    expect(only(results, 'hostNetworkSet').container).toBeUndefined();
  });
});

describe('container security checks: good vs bad Deployment', () => {
  const good = [deployment('good', goodPodSpec())];

  it('runAsRootAllowed', () => {
    const bad = deployment('bad', withContainer((c) => {
      c.securityContext = { ...c.securityContext, runAsNonRoot: false, runAsUser: 0 } as typeof c.securityContext;
    }));
    const [g, b] = goodAndBad('runAsRootAllowed', good, [bad]);
    expect(g.passed).toBe(true);
    expect(b).toMatchObject({ passed: false, severity: 'danger', message: 'Should not be allowed to run as root' });
    // pod-level runAsNonRoot counts, unless a container overrides it
    const podLevel = { ...goodPodSpec(), securityContext: { runAsNonRoot: true }, containers: [{ name: 'c', image: 'x:1' }] };
    expect(only(runPolaris([deployment('pod', podLevel)], { only: ['runAsRootAllowed'] }), 'runAsRootAllowed').passed).toBe(true);
    const overridden = { ...podLevel, containers: [{ name: 'c', image: 'x:1', securityContext: { runAsNonRoot: false } }] };
    expect(only(runPolaris([deployment('pod', overridden)], { only: ['runAsRootAllowed'] }), 'runAsRootAllowed').passed).toBe(false);
  });

  it('privilegeEscalationAllowed (a pod-level allowPrivilegeEscalation does not exist and is ignored, as in Polaris)', () => {
    const bad = deployment('bad', withContainer((c) => {
      delete (c.securityContext as Record<string, unknown>).allowPrivilegeEscalation;
    }));
    const [g, b] = goodAndBad('privilegeEscalationAllowed', good, [bad]);
    expect(g.passed).toBe(true);
    expect(b.passed).toBe(false);
    const podLevel = { containers: [{ name: 'c', image: 'x:1' }], securityContext: { allowPrivilegeEscalation: false } };
    expect(only(runPolaris([deployment('p', podLevel)], { only: ['privilegeEscalationAllowed'] }), 'privilegeEscalationAllowed').passed).toBe(false);
  });

  it('dangerousCapabilities (case-insensitive, Go (?i) patterns)', () => {
    for (const cap of ['SYS_ADMIN', 'net_admin', 'ALL']) {
      const bad = deployment('bad', withContainer((c) => {
        (c.securityContext.capabilities as Record<string, unknown>).add = ['CHOWN', cap];
      }));
      const [g, b] = goodAndBad('dangerousCapabilities', good, [bad]);
      expect(g.passed).toBe(true);
      expect(b.passed, cap).toBe(false);
    }
    const harmless = deployment('ok', withContainer((c) => {
      (c.securityContext.capabilities as Record<string, unknown>).add = ['NET_BIND_SERVICE'];
    }));
    expect(only(runPolaris([harmless], { only: ['dangerousCapabilities'] }), 'dangerousCapabilities').passed).toBe(true);
  });

  it('sensitiveContainerEnvVar: a literal value under a *TOKEN* name fails, valueFrom passes', () => {
    const bad = deployment('bad', withContainer((c) => {
      c.env = [{ name: 'DISCORD_BOT_TOKEN', value: 'abc123' } as (typeof c.env)[number]];
    }));
    const [g, b] = goodAndBad('sensitiveContainerEnvVar', good, [bad]);
    expect(g.passed).toBe(true); // good has API_TOKEN from a secretKeyRef
    expect(b).toMatchObject({ passed: false, severity: 'danger' });
    const privateKey = deployment('bad', withContainer((c) => {
      c.env = [{ name: 'CONFIG', value: '-----BEGIN RSA PRIVATE KEY-----\nMII' } as (typeof c.env)[number]];
    }));
    expect(only(runPolaris([privateKey], { only: ['sensitiveContainerEnvVar'] }), 'sensitiveContainerEnvVar').passed).toBe(false);
  });

  it('tagNotSpecified: :latest and untagged images fail', () => {
    for (const image of ['nginx:latest', 'nginx', 'registry.example.com/team/app:latest']) {
      const bad = deployment('bad', withContainer((c) => {
        c.image = image;
      }));
      const [g, b] = goodAndBad('tagNotSpecified', good, [bad]);
      expect(g.passed).toBe(true);
      expect(b.passed, image).toBe(false);
    }
    const digest = deployment('d', withContainer((c) => {
      c.image = 'nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';
    }));
    expect(only(runPolaris([digest], { only: ['tagNotSpecified'] }), 'tagNotSpecified').passed).toBe(true);
  });

  it('hostNetworkSet', () => {
    const bad = deployment('bad', { ...goodPodSpec(), hostNetwork: true });
    const [g, b] = goodAndBad('hostNetworkSet', good, [bad]);
    expect(g.passed).toBe(true);
    expect(b).toMatchObject({ passed: false, severity: 'danger', message: 'Host network should not be configured' });
    expect(only(runPolaris([deployment('f', { ...goodPodSpec(), hostNetwork: false })], { only: ['hostNetworkSet'] }), 'hostNetworkSet').passed).toBe(true);
  });

  it('reports per container, init containers included unless the check excludes them', () => {
    const spec = { ...goodPodSpec(), initContainers: [{ ...goodContainer(), name: 'init', image: 'busybox' }] };
    const results = runPolaris([deployment('web', spec)], { only: ['tagNotSpecified', 'livenessProbeMissing'] });
    expect(results.filter((r) => r.checkId === 'tagNotSpecified').map((r) => [r.container, r.passed])).toEqual([
      ['init', false],
      ['app', true],
    ]);
    expect(results.filter((r) => r.checkId === 'livenessProbeMissing').map((r) => r.container)).toEqual(['app']);
  });

  it('finds the pod spec of CronJobs, Jobs, StatefulSets, DaemonSets and Pods', () => {
    const podSpec = { ...goodPodSpec(), hostPID: true };
    const objs: KubeObject[] = [
      { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'cj', namespace: NS }, spec: { schedule: '@daily', jobTemplate: { spec: { template: { spec: podSpec } } } } },
      { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'job', namespace: NS }, spec: { template: { spec: podSpec } } },
      { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'sts', namespace: NS }, spec: { template: { spec: podSpec } } },
      { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'ds', namespace: NS }, spec: { template: { spec: podSpec } } },
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'pod', namespace: NS }, spec: podSpec },
    ];
    const results = runPolaris(objs, { only: ['hostPIDSet', 'livenessProbeMissing', 'deploymentMissingReplicas'] });
    expect(results.filter((r) => r.checkId === 'hostPIDSet').map((r) => [r.kind, r.passed])).toEqual([
      ['CronJob', false],
      ['Job', false],
      ['StatefulSet', false],
      ['DaemonSet', false],
      ['Pod', false],
    ]);
    // controllers.exclude: [Job, CronJob]; deploymentMissingReplicas only includes Deployment
    expect(results.filter((r) => r.checkId === 'livenessProbeMissing').map((r) => r.kind)).toEqual(['StatefulSet', 'DaemonSet', 'Pod']);
    expect(results.filter((r) => r.checkId === 'deploymentMissingReplicas')).toEqual([]);
  });
});

describe('linuxHardening (templated on .Polaris.PodSpec / .Polaris.Container / .Polaris.PodTemplate)', () => {
  const run = (spec: Spec, templateAnnotations?: Record<string, string>) => {
    const d = deployment('web', spec);
    if (templateAnnotations) ((d.spec as Spec).template as { metadata: Spec }).metadata.annotations = templateAnnotations;
    return only(runPolaris([d], { only: ['linuxHardening'] }), 'linuxHardening').passed;
  };
  const bare = (sc?: Spec): Spec => ({ containers: [{ name: 'app', image: 'x:1', ...(sc ? { securityContext: sc } : {}) }] });

  it('passes with a pod seccomp profile, container seccomp, SELinux options, dropped capabilities or AppArmor', () => {
    expect(run({ ...bare(), securityContext: { seccompProfile: { type: 'RuntimeDefault' } } })).toBe(true);
    expect(run(bare({ seccompProfile: { type: 'Localhost', localhostProfile: 'p.json' } }))).toBe(true);
    expect(run(bare({ seLinuxOptions: { level: 's0:c123,c456' } }))).toBe(true);
    expect(run({ ...bare(), securityContext: { seLinuxOptions: { type: 'spc_t' } } })).toBe(true);
    expect(run(bare({ capabilities: { drop: ['NET_RAW'] } }))).toBe(true);
    expect(run(bare(), { 'container.apparmor.security.beta.kubernetes.io/app': 'runtime/default' })).toBe(true);
  });

  it('fails without any, or when a container re-opens Unconfined or adds ALL', () => {
    expect(run(bare())).toBe(false);
    expect(run(bare(), { 'container.apparmor.security.beta.kubernetes.io/other': 'runtime/default' })).toBe(false);
    expect(run({ ...bare(), securityContext: { seccompProfile: { type: 'Unconfined' } } })).toBe(false);
    expect(run({ ...bare({ seccompProfile: { type: 'Unconfined' } }), securityContext: { seccompProfile: { type: 'RuntimeDefault' } } })).toBe(false);
    expect(run(bare({ seLinuxOptions: {} }))).toBe(false);
    expect(run(bare({ capabilities: { drop: ['NET_RAW'], add: ['all'] } }))).toBe(false);
  });
});

describe('automountServiceAccountToken (templated ServiceAccount lookup)', () => {
  const spec = (extra: Spec): Spec => ({ ...goodPodSpec(), ...extra });
  const run = (objs: KubeObject[]) => only(runPolaris(objs, { only: ['automountServiceAccountToken'] }), 'automountServiceAccountToken').passed;
  const noAutomount = (s: Spec) => {
    const x = { ...s };
    delete x.automountServiceAccountToken;
    return x;
  };

  it('passes when the pod spec opts out', () => {
    expect(run([deployment('web', spec({ automountServiceAccountToken: false }))])).toBe(true);
  });

  it('otherwise needs the ServiceAccount, in scope, to opt out', () => {
    expect(run([deployment('web', noAutomount(goodPodSpec())), serviceAccount('app', false)])).toBe(true);
    expect(run([deployment('web', noAutomount(goodPodSpec())), serviceAccount('app', true)])).toBe(false);
    expect(run([deployment('web', noAutomount(goodPodSpec())), serviceAccount('app')])).toBe(false);
    expect(run([deployment('web', noAutomount(goodPodSpec()))])).toBe(false);
    const elsewhere = { ...serviceAccount('app', false), metadata: { name: 'app', namespace: 'other' } };
    expect(run([deployment('web', noAutomount(goodPodSpec())), elsewhere])).toBe(false);
  });

  it('fails when the pod spec sets it to true', () => {
    expect(run([deployment('web', spec({ automountServiceAccountToken: true })), serviceAccount('app', false)])).toBe(false);
  });
});

describe('missingNetworkPolicy (templated NetworkPolicy lookup)', () => {
  const run = (objs: KubeObject[]) => only(runPolaris(objs, { only: ['missingNetworkPolicy'] }), 'missingNetworkPolicy');

  it('fails without a NetworkPolicy selecting the pod labels with ingress and egress rules', () => {
    expect(run([deployment('web', goodPodSpec())])).toMatchObject({ passed: false, severity: 'warning' });
    expect(run([deployment('web', goodPodSpec()), netpol({ app: 'other' })]).passed).toBe(false);
    expect(run([deployment('web', goodPodSpec()), netpol({ app: 'web' }, { egress: [] })]).passed).toBe(false);
    expect(run([deployment('web', goodPodSpec()), netpol({ app: 'web' }, { policyTypes: ['Ingress'] })]).passed).toBe(false);
    const otherNs = { ...netpol({ app: 'web' }), metadata: { name: 'np', namespace: 'other' } };
    expect(run([deployment('web', goodPodSpec()), otherNs]).passed).toBe(false);
  });

  it('passes with one', () => {
    expect(run([deployment('web', goodPodSpec()), netpol({ app: 'web' })])).toMatchObject({ passed: true, message: 'A NetworkPolicy matches pod labels and contains egress and ingress rules' });
  });

  it('keeps Polaris\' oneOf quirk: matchLabels must match exactly one of the pod labels', () => {
    const d = deployment('web', goodPodSpec());
    ((d.spec as Spec).template as { metadata: { labels: Record<string, string> } }).metadata.labels = { app: 'web', tier: 'api' };
    expect(run([d, netpol({ app: 'web' })]).passed).toBe(true);
    expect(run([d, netpol({ app: 'web', tier: 'api' })]).passed).toBe(false);
  });
});

describe('RBAC checks', () => {
  const clusterRole = (name: string, rules: unknown[], annotations?: Record<string, string>): KubeObject => ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name, ...(annotations ? { annotations } : {}) },
    rules,
  });
  const role = (name: string, rules: unknown[]): KubeObject => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name, namespace: NS }, rules });
  const binding = (kind: 'ClusterRoleBinding' | 'RoleBinding', name: string, refKind: string, refName: string): KubeObject => ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind,
    metadata: kind === 'RoleBinding' ? { name, namespace: NS } : { name },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: refKind, name: refName },
    subjects: [{ kind: 'ServiceAccount', name: 'agent', namespace: NS }],
  });
  const execRule = { apiGroups: [''], resources: ['pods/exec'], verbs: ['create'] };
  const readRule = { apiGroups: [''], resources: ['pods', 'pods/log'], verbs: ['get', 'list', 'watch'] };
  const wildcard = { apiGroups: ['*'], resources: ['*'], verbs: ['*'] };

  it('clusterrolePodExecAttach: pods/exec create in a ClusterRole fails', () => {
    const [g, b] = goodAndBad('clusterrolePodExecAttach', [clusterRole('reader', [readRule])], [clusterRole('bad', [readRule, execRule])]);
    expect(g.passed).toBe(true);
    expect(b).toMatchObject({ kind: 'ClusterRole', name: 'bad', namespace: '', passed: false, severity: 'danger' });
    // default ClusterRoles are not alerted on
    expect(only(runPolaris([clusterRole('system:exec', [execRule])], { only: ['clusterrolePodExecAttach'] }), 'clusterrolePodExecAttach').passed).toBe(true);
  });

  it('rolePodExecAttach', () => {
    const [g, b] = goodAndBad('rolePodExecAttach', [role('reader', [readRule])], [role('bad', [{ apiGroups: [''], resources: ['pods/attach'], verbs: ['get'] }])]);
    expect([g.passed, b.passed]).toEqual([true, false]);
  });

  it('clusterrolebindingPodExecAttach: the referenced ClusterRole must exist and not allow exec/attach', () => {
    const run = (objs: KubeObject[]) => only(runPolaris(objs, { only: ['clusterrolebindingPodExecAttach'] }), 'clusterrolebindingPodExecAttach').passed;
    expect(run([clusterRole('reader', [readRule]), binding('ClusterRoleBinding', 'b', 'ClusterRole', 'reader')])).toBe(true);
    expect(run([clusterRole('exec', [execRule]), clusterRole('reader', [readRule]), binding('ClusterRoleBinding', 'b', 'ClusterRole', 'exec')])).toBe(false);
    expect(run([clusterRole('reader', [readRule]), binding('ClusterRoleBinding', 'b', 'ClusterRole', 'missing')])).toBe(false);
  });

  it('rolebindingRolePodExecAttach / rolebindingClusterRolePodExecAttach', () => {
    const rr = (objs: KubeObject[]) => only(runPolaris(objs, { only: ['rolebindingRolePodExecAttach'] }), 'rolebindingRolePodExecAttach').passed;
    expect(rr([role('reader', [readRule]), binding('RoleBinding', 'b', 'Role', 'reader')])).toBe(true);
    expect(rr([role('exec', [execRule]), binding('RoleBinding', 'b', 'Role', 'exec')])).toBe(false);
    expect(rr([role('reader', [readRule]), binding('RoleBinding', 'b', 'ClusterRole', 'exec')])).toBe(true); // not its business
    const rc = (objs: KubeObject[]) => only(runPolaris(objs, { only: ['rolebindingClusterRolePodExecAttach'] }), 'rolebindingClusterRolePodExecAttach').passed;
    expect(rc([clusterRole('exec', [execRule]), binding('RoleBinding', 'b', 'ClusterRole', 'exec')])).toBe(false);
    expect(rc([clusterRole('reader', [readRule]), binding('RoleBinding', 'b', 'ClusterRole', 'reader')])).toBe(true);
  });

  it('clusterrolebindingClusterAdmin: cluster-admin or a wildcard ClusterRole fails', () => {
    const run = (objs: KubeObject[]) => only(runPolaris(objs, { only: ['clusterrolebindingClusterAdmin'] }), 'clusterrolebindingClusterAdmin').passed;
    expect(run([binding('ClusterRoleBinding', 'b', 'ClusterRole', 'cluster-admin')])).toBe(false);
    expect(run([clusterRole('god', [wildcard]), binding('ClusterRoleBinding', 'b', 'ClusterRole', 'god')])).toBe(false);
    const allVerbs = { apiGroups: ['*'], resources: ['*'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] };
    expect(run([clusterRole('god', [allVerbs]), binding('ClusterRoleBinding', 'b', 'ClusterRole', 'god')])).toBe(false);
    expect(run([clusterRole('reader', [readRule]), binding('ClusterRoleBinding', 'b', 'ClusterRole', 'reader')])).toBe(true);
  });

  it('keeps the quirk that rolebindingClusterAdminRole needs some Role in scope even for a binding to a ClusterRole', () => {
    const run = (objs: KubeObject[]) => only(runPolaris(objs, { only: ['rolebindingClusterAdminRole'] }), 'rolebindingClusterAdminRole').passed;
    expect(run([clusterRole('reader', [readRule]), binding('RoleBinding', 'b', 'ClusterRole', 'reader')])).toBe(false);
    expect(run([role('any', [readRule]), clusterRole('reader', [readRule]), binding('RoleBinding', 'b', 'ClusterRole', 'reader')])).toBe(true);
  });
});

describe('exemptions', () => {
  const exec = { apiGroups: [''], resources: ['pods/exec'], verbs: ['create'] };

  it('polaris.fairwinds.com/<checkId>-exempt skips that check only', () => {
    const cr: KubeObject = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'agent-exec', annotations: { 'polaris.fairwinds.com/clusterrolePodExecAttach-exempt': 'true' } },
      rules: [exec],
    };
    const r = only(runPolaris([cr], { only: ['clusterrolePodExecAttach'] }), 'clusterrolePodExecAttach');
    expect(r).toMatchObject({ exempt: true, passed: true });
    expect(polarisFailures(runPolaris([cr]))).toEqual([]);
    const other = { ...cr, metadata: { name: 'agent-exec', annotations: { 'polaris.fairwinds.com/rolePodExecAttach-exempt': 'true' } } };
    expect(only(runPolaris([other], { only: ['clusterrolePodExecAttach'] }), 'clusterrolePodExecAttach')).toMatchObject({ exempt: false, passed: false });
    expect(only(runPolaris([cr], { only: ['clusterrolePodExecAttach'], annotationExemptions: false }), 'clusterrolePodExecAttach').passed).toBe(false);
  });

  it('polaris.fairwinds.com/exempt: "true" (any case) skips every check', () => {
    const bad = deployment('bad', { containers: [{ name: 'c', image: 'x:latest' }], hostNetwork: true }, { 'polaris.fairwinds.com/exempt': 'TRUE' });
    const results = runPolaris([bad]);
    expect(results.length).toBeGreaterThan(20);
    expect(results.every((r) => r.exempt && r.passed)).toBe(true);
    expect(polarisFailures(results)).toEqual([]);
  });

  it('applies default.yaml\'s exemptions (controller name prefixes) unless disabled', () => {
    const certManager = deployment('cert-manager-webhook', withContainer((c) => {
      delete (c.securityContext as Record<string, unknown>).runAsNonRoot;
      delete (c.securityContext as Record<string, unknown>).runAsUser;
    }));
    expect(only(runPolaris([certManager], { only: ['runAsRootAllowed'] }), 'runAsRootAllowed')).toMatchObject({ exempt: true, passed: true });
    expect(only(runPolaris([certManager], { only: ['runAsRootAllowed'], configExemptions: false }), 'runAsRootAllowed')).toMatchObject({ exempt: false, passed: false });
  });
});

describe('kind-targeted checks', () => {
  it('sensitiveConfigmapContent and tlsSettingsMissing', () => {
    const cm = (data: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', namespace: NS }, data });
    expect(only(runPolaris([cm({ 'config.yaml': 'a: 1' })], { only: ['sensitiveConfigmapContent'] }), 'sensitiveConfigmapContent').passed).toBe(true);
    expect(only(runPolaris([cm({ DB_PASSWORD: 'x' })], { only: ['sensitiveConfigmapContent'] }), 'sensitiveConfigmapContent').passed).toBe(false);
    const ing = (tls?: unknown[]): KubeObject => ({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'i', namespace: NS }, spec: { rules: [], ...(tls ? { tls } : {}) } });
    expect(only(runPolaris([ing([{ hosts: ['a.example.com'], secretName: 's' }])], { only: ['tlsSettingsMissing'] }), 'tlsSettingsMissing').passed).toBe(true);
    expect(only(runPolaris([ing()], { only: ['tlsSettingsMissing'] }), 'tlsSettingsMissing').passed).toBe(false);
  });

  it('places namespace-less objects in defaultNamespace when asked', () => {
    const d = deployment('web', goodPodSpec());
    delete d.metadata!.namespace;
    const np = netpol({ app: 'web' });
    delete np.metadata!.namespace;
    expect(only(runPolaris([d, np], { only: ['missingNetworkPolicy'], defaultNamespace: NS }), 'missingNetworkPolicy')).toMatchObject({ namespace: NS, passed: true });
  });

  it('the templated checks fail without the instance label and the PodDisruptionBudget', () => {
    const bare = deployment('web', goodPodSpec());
    delete (bare.metadata as any).labels;
    const results = runPolaris([bare], { only: ['missingPodDisruptionBudget', 'metadataAndInstanceMismatched'] });
    expect(results.map((r) => [r.checkId, r.passed])).toEqual([
      ['metadataAndInstanceMismatched', false],
      ['missingPodDisruptionBudget', false],
    ]);
  });
});

describe('engine pieces', () => {
  it('goRegExp translates Go\'s (?i) flag', () => {
    expect(goRegExp('^(?i)ALL$', 'u').test('all')).toBe(true);
    expect(goRegExp('(?i)token', 'u').test('API_TOKEN')).toBe(true);
    expect(goRegExp('^ALL$', 'u').test('all')).toBe(false);
    expect(() => goRegExp('a(?i)b', 'u')).toThrow(/unsupported/);
  });

  it('normalizePodSpec approximates the corev1 typed round trip', () => {
    const spec = normalizePodSpec({
      hostNetwork: false,
      serviceAccountName: '',
      securityContext: { runAsNonRoot: true, privileged: true },
      containers: [{ name: 'c', securityContext: null, env: [{ name: 'A', value: '' }], ports: [{ containerPort: 80, hostPort: 0 }], resources: { limits: { cpu: 1 } } }],
      volumes: [],
    });
    expect(spec).toEqual({
      securityContext: { runAsNonRoot: true },
      containers: [{ name: 'c', env: [{ name: 'A' }], ports: [{ containerPort: 80 }], resources: { limits: { cpu: '1' } } }],
    });
  });

  it('renders Go templates: trim markers, if/else, range, variables, missing keys, functions', () => {
    const data = { a: { b: 'x' }, labels: { z: '1', a: '2' }, n: 3, t: true, empty: {} };
    expect(renderGoTemplate('v={{ .a.b }} m={{ .a.missing }} n={{ .n }}', data)).toBe('v=x m=<no value> n=3');
    expect(renderGoTemplate('{{ if .t }}yes{{ else }}no{{ end }}|{{ if .empty }}yes{{ else if .n }}n{{ else }}no{{ end }}', data)).toBe('yes|n');
    expect(renderGoTemplate('{{ range $k, $v := .labels }}{{ $k }}={{ $v }};{{ end }}', data)).toBe('a=2;z=1;');
    expect(renderGoTemplate('{{ range .missing }}x{{ else }}none{{ end }}', data)).toBe('none');
    expect(renderGoTemplate('a  \n  {{- " b " -}}  \n  c', data)).toBe('a b c');
    expect(renderGoTemplate('{{/* a\ncomment */}}x{{- /* c */ -}}  y', data)).toBe('xy');
    expect(renderGoTemplate('{{ $x := false }}{{ if .t }}{{ $x = index . "a" "b" }}{{ end }}{{ $x }}', data)).toBe('x');
    expect(renderGoTemplate('{{ if and (ne .a.b "y") (not (hasPrefix .a.b "sys")) (eq .missing nil) }}ok{{ end }}', data)).toBe('ok');
    expect(renderGoTemplate('{{ or .missing .a.b }} {{ and .t .n }} {{ print "p/" .a.b }}', data)).toBe('x 3 p/x');
    expect(renderGoTemplate('{{ if not (eq .missing false) }}unset{{ end }}', data)).toBe('unset');
    expect(() => renderGoTemplate('{{ hasPrefix .missing "x" }}', data)).toThrow(/expected string/);
    expect(() => renderGoTemplate('{{ eq .a.b 3 }}', data)).toThrow(/incompatible/);
    expect(() => renderGoTemplate('{{ .a.b.c }}', data)).toThrow(/can't evaluate field/);
    expect(() => renderGoTemplate('{{ if .t }}x', data)).toThrow(/missing end/);
  });

  it('compiles every check against a varied object set without errors', () => {
    const objects = parse(`
- apiVersion: v1
  kind: Pod
  metadata: {name: p, namespace: app, annotations: {a: b}}
  spec:
    initContainers: [{name: i, image: busybox}]
    containers: [{name: c, image: nginx, ports: [{containerPort: 80, hostPort: 8080}], resources: {limits: {cpu: 0.5}}}]
    volumes: [{name: h, hostPath: {path: /}}]
- apiVersion: policy/v1
  kind: PodDisruptionBudget
  metadata: {name: pdb, namespace: app}
  spec: {maxUnavailable: 0}
- apiVersion: autoscaling/v2
  kind: HorizontalPodAutoscaler
  metadata: {name: hpa, namespace: app}
  spec: {minReplicas: 1, maxReplicas: 1}
- apiVersion: v1
  kind: Namespace
  metadata: {name: app}
`) as KubeObject[];
    const results = runPolaris(objects, { skip: [] });
    const ids = new Set(results.map((r) => r.checkId));
    for (const id of ['hostPortSet', 'hostPathSet', 'pdbDisruptionsIsZero', 'hpaMinAvailability', 'hpaMaxAvailability', 'cpuLimitsMissing']) {
      expect(results.find((r) => r.checkId === id && r.container !== 'i'), id).toMatchObject({ passed: id === 'cpuLimitsMissing' });
    }
    expect(ids.size).toBeGreaterThan(30);
  });
});
