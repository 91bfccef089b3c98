// Item 4 of the cluster suite: Pod Security, judged by the real PodSecurity admission plugin. The pod templates
// synth writes, created as Pods with --dry-run=server (admission enforces on Pods only), are admitted in the
// namespace the project labels, in both security modes; a privileged pod is refused there; every container but
// the root-start gateway meets "restricted" on its own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployVariant, ensureNamespaces, VARIANTS, variantObjects, type Cluster } from './cluster';
import type { KubeObject } from '../helpers';

const RESTRICTED_NS = 'pod-security-restricted';

function podOf(o: KubeObject, namespace: string, name = o.metadata.name, spec = o.spec.template.spec): object {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace, labels: o.spec.template.metadata?.labels ?? {} }, spec };
}

/** The containers a Pod Security warning or error names ("container \"a\"" or "containers \"a\", \"b\""). */
function namedContainers(message: string): string[] {
  const names = new Set<string>();
  for (const m of message.matchAll(/containers? ((?:"[^"]+"(?:, )?)+)/g)) for (const n of m[1].matchAll(/"([^"]+)"/g)) names.add(n[1]);
  return [...names].sort();
}

describe.each(['default', 'non-root'])('Pod Security on the real API server (%s)', (variant) => {
  const objects = variantObjects(VARIANTS[variant]());
  const ns = objects.find((o) => o.kind === 'Namespace')!;
  const labels = ns.metadata.labels!;
  const rootStart = variant === 'default';
  const workloads = objects.filter((o) => o.kind === 'Deployment' || o.kind === 'Job');
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await deployVariant(`pod-security-${variant}`, objects);
    ensureNamespaces(cluster, [RESTRICTED_NS], { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/warn': 'restricted' });
  });
  afterAll(() => cluster?.stop());

  it('labels the namespace with the strictest level every pod meets', () => {
    expect(labels['pod-security.kubernetes.io/enforce']).toBe(rootStart ? 'baseline' : 'restricted');
    expect(labels['pod-security.kubernetes.io/warn']).toBe('restricted');
    expect(labels['pod-security.kubernetes.io/audit']).toBe('restricted');
  });

  it('admits every pod template as a Pod in the project namespace', () => {
    expect(workloads.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(['Deployment/hermes', 'Job/hermes-cron-seed']);
    for (const o of workloads) {
      const r = cluster.apply([podOf(o, ns.metadata.name)], { dryRun: true });
      expect(r.status, `${o.kind}/${o.metadata.name}: ${r.stderr}`).toBe(0);
      // The only warning: in the root start, "restricted" (warn) is not met by exactly the gateway container.
      const warnings = r.stderr.split('\n').filter((l) => l.startsWith('Warning:'));
      if (rootStart && o.kind === 'Deployment') {
        expect(warnings).toHaveLength(1);
        expect(warnings[0]).toMatch(/would violate PodSecurity "restricted:latest"/);
        expect(namedContainers(warnings[0])).toEqual(['hermes']);
        expect(warnings[0]).toMatch(/runAsNonRoot/);
        expect(warnings[0]).toMatch(/capabilities/);
      } else {
        expect(warnings, `${o.kind}/${o.metadata.name}`).toEqual([]);
      }
    }
  });

  it('keeps every container restricted on its own, except the root-start gateway', () => {
    for (const o of workloads) {
      const spec = o.spec.template.spec;
      for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
        if (rootStart && c.name === 'hermes') continue;
        // The namespace has only its default ServiceAccount (Pod Security does not look at the account).
        const alone = { ...spec, serviceAccountName: 'default', initContainers: [], containers: [c] };
        const r = cluster.apply([podOf(o, RESTRICTED_NS, `${o.metadata.name}-${c.name}`, alone)], { dryRun: true });
        expect(r.status, `${o.metadata.name}/${c.name}: ${r.stderr}`).toBe(0);
        expect(r.stderr, `${o.metadata.name}/${c.name}`).toBe('');
        expect(c.securityContext.readOnlyRootFilesystem, `${o.metadata.name}/${c.name}`).toBe(true);
      }
    }
  });

  it('refuses a privileged container in the project namespace', () => {
    const deployment = workloads.find((o) => o.kind === 'Deployment')!;
    const spec = structuredClone(deployment.spec.template.spec);
    spec.containers[0].securityContext = { ...spec.containers[0].securityContext, privileged: true, allowPrivilegeEscalation: true };
    const r = cluster.apply([podOf(deployment, ns.metadata.name, 'privileged', spec)], { dryRun: true });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/violates PodSecurity "(baseline|restricted):latest": privileged/);
  });

  if (rootStart) {
    it('refuses the root-start gateway where "restricted" is enforced (the label is what admits it)', () => {
      const deployment = workloads.find((o) => o.kind === 'Deployment')!;
      const r = cluster.apply([podOf(deployment, RESTRICTED_NS, 'hermes', { ...deployment.spec.template.spec, serviceAccountName: 'default' })], { dryRun: true });
      expect(r.status).not.toBe(0);
      expect(namedContainers(r.stderr)).toEqual(['hermes']);
    });
  }
});
