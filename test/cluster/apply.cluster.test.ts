// Item 1 of the cluster suite: every object synth writes applies to a real kube-apiserver 1.35 with server-side
// apply, in ArgoCD's sync-wave order, after the CRDs it needs, without an error or a warning the project did not
// ask for; and applying again changes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyInWaves, ensureNamespaces, foreignNamespaces, installCrds, startCluster, VARIANTS, VARIANT_NAMES, variantObjects, type Cluster } from './cluster';
import type { KubeObject } from '../helpers';

/** kubectl's reference to one object: kind.group/name, with its namespace flag. */
function ref(o: KubeObject): string[] {
  const group = o.apiVersion.includes('/') ? `.${o.apiVersion.split('/')[0]}` : '';
  return [`${o.kind.toLowerCase()}${group}/${o.metadata.name}`, ...(o.metadata.namespace ? ['-n', o.metadata.namespace] : [])];
}

/**
 * The one warning the project asks for: in the root start the namespace warns at "restricted", and the gateway
 * container (root, two added capabilities) does not meet it. Nothing else may warn.
 */
function expectedWarnings(objects: KubeObject[]): RegExp[] {
  const ns = objects.find((o) => o.kind === 'Namespace')!;
  const labels = ns.metadata.labels ?? {};
  if (labels['pod-security.kubernetes.io/warn'] === labels['pod-security.kubernetes.io/enforce']) return [];
  return [/^Warning: would violate PodSecurity "restricted:latest": .*container "hermes".*$/];
}

describe.each(VARIANT_NAMES)('apply on a real API server (%s)', (variant) => {
  const objects = variantObjects(VARIANTS[variant]());
  let cluster: Cluster;
  let firstRuns: ReturnType<typeof applyInWaves>;

  beforeAll(async () => {
    cluster = await startCluster(`apply-${variant}`);
    installCrds(cluster);
    ensureNamespaces(cluster, foreignNamespaces(objects));
    firstRuns = applyInWaves(cluster, objects);
  });
  afterAll(() => cluster?.stop());

  it('applies every wave, in order, without an error', () => {
    for (const { wave, run } of firstRuns) expect(run.status, `wave ${wave}: ${run.stderr}`).toBe(0);
    expect(firstRuns.map((r) => r.wave)).toEqual([...firstRuns.map((r) => r.wave)].sort((a, b) => (a === 'hooks' ? 1 : b === 'hooks' ? -1 : Number(a) - Number(b))));
  });

  const expected = expectedWarnings(objects);
  const unexpected = (stderr: string) => stderr.split('\n').filter((l) => l.trim() !== '' && !expected.some((re) => re.test(l)));

  it('draws no warning from the server but the Pod Security one the root start asks for', () => {
    const stderr = firstRuns.map(({ run }) => run.stderr).join('\n');
    expect(unexpected(stderr)).toEqual([]);
    for (const re of expected) expect(stderr.split('\n').some((l) => re.test(l)), `missing warning ${re}`).toBe(true);
  });

  it('stores every object it applied', () => {
    for (const o of objects) expect(cluster.kubectl(['get', ...ref(o), '-o', 'name']).status, ref(o).join(' ')).toBe(0);
  });

  it('is in sync after the apply: a server-side diff of every object finds nothing, as ArgoCD would see it', () => {
    // kubectl diff exits 0 when the server's dry-run apply of the object equals what is stored. (Not resourceVersion:
    // kube-apiserver 1.35 bumps a PersistentVolumeClaim's resourceVersion on an identical apply.)
    const input = objects.map((o) => JSON.stringify(o)).join('\n');
    const diff = cluster.kubectl(['diff', '--server-side', '--field-manager=argocd-controller', '-f', '-'], { input });
    expect(unexpected(diff.stderr)).toEqual([]);
    expect(diff.stdout).toBe('');
    expect(diff.status).toBe(0);
  });

  it('and the diff can fail: a changed object is reported', () => {
    const changed = objects.map((o) => (o.kind === 'ConfigMap' ? { ...o, data: { ...(o as any).data, extra: 'x' } } : o));
    const diff = cluster.kubectl(['diff', '--server-side', '--field-manager=argocd-controller', '-f', '-'], { input: changed.map((o) => JSON.stringify(o)).join('\n') });
    expect(diff.status).toBe(1);
    expect(diff.stdout).toContain('+  extra: x');
  });
});
