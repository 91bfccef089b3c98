/**
 * What a cluster test file works with: its own real control plane (started in beforeAll, stopped in afterAll and
 * by the global teardown), the real kubectl, the site variants the suite proves, and apply in ArgoCD's order.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { inject } from 'vitest';
import { parseAllDocuments } from 'yaml';
import type { ProjectInputs } from '../../src/charts';
import { loadProject } from '../../src/project';
import { renderFiles, renderObjects } from '../../src/synth/render';
import { inputs, type KubeObject } from '../helpers';
import { fakeSealedFile } from '../sealed-fixture';
import { startControlPlane, stopAll, type ClusterAccess } from './control-plane';

export const REPO_ROOT = resolve(__dirname, '..', '..');
export const CRDS_DIR = join(__dirname, 'crds');

export interface Run {
  status: number;
  stdout: string;
  stderr: string;
}

/** The site variants every cluster test proves: the schema defaults, both hardening modes, and the user's own site.yaml. */
export const VARIANTS: Record<string, () => ProjectInputs> = {
  default: () => inputs(),
  'non-root': () => inputs({ securityMode: 'non-root' }),
  sealed: () => inputs({ credentials: { mode: 'sealed' } as any }, { sealed: fakeSealedFile() }),
  'site.yaml': () => loadProject(REPO_ROOT),
};
export const VARIANT_NAMES = Object.keys(VARIANTS);

export function variantObjects(project: ProjectInputs): KubeObject[] {
  return [...renderObjects(project).values()].flat() as KubeObject[];
}

export class Cluster {
  constructor(
    readonly name: string,
    readonly access: ClusterAccess,
    readonly runDir: string,
    private readonly kubectlPath: string,
  ) {}

  /** The real kubectl against this cluster, as admin or impersonating `as`. Never throws: callers assert. */
  kubectl(args: string[], options: { as?: string; input?: string } = {}): Run {
    const argv = ['--kubeconfig', this.access.kubeconfig, ...(options.as ? [`--as=${options.as}`] : []), ...args];
    const r = spawnSync(this.kubectlPath, argv, { input: options.input, encoding: 'utf8', timeout: 60_000 });
    return { status: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? String(r.error ?? '') };
  }

  /** kubectl that must succeed; returns stdout. */
  ok(args: string[], options: { as?: string; input?: string } = {}): string {
    const r = this.kubectl(args, options);
    if (r.status !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
    return r.stdout;
  }

  /** Server-side apply of objects, as ArgoCD's server-side sync would. */
  apply(objects: unknown[], options: { as?: string; dryRun?: boolean } = {}): Run {
    const input = objects.map((o) => JSON.stringify(o)).join('\n');
    return this.kubectl(['apply', '--server-side', '--field-manager=argocd-controller', '-f', '-', ...(options.dryRun ? ['--dry-run=server'] : [])], { input, as: options.as });
  }

  stop(): void {
    stopAll(this.runDir);
  }
}

/** Starts a control plane of this test file's own. */
export async function startCluster(name: string): Promise<Cluster> {
  const binaries = inject('binaries');
  const runDir = mkdtempSync(join(inject('runRoot'), `${name.replace(/[^a-z0-9-]/gi, '-')}-`));
  const access = await startControlPlane({
    kubeApiserver: binaries.kubeApiserver,
    etcd: binaries.etcd,
    runDir,
    // The one controller the suite needs: it type-checks ValidatingAdmissionPolicies into their .status.
    kubeControllerManager: { binary: binaries.kubeControllerManager, controllers: ['validatingadmissionpolicy-status-controller'] },
  });
  return new Cluster(name, access, runDir, binaries.kubectl);
}

/** The vendored CRDs (test/cluster/crds) the rendered objects and fixtures need, established before use. */
export function installCrds(cluster: Cluster): void {
  const files = readdirSync(CRDS_DIR).filter((f) => f.endsWith('.yaml')).sort();
  for (const f of files) cluster.ok(['apply', '--server-side', '-f', join(CRDS_DIR, f)]);
  cluster.ok(['wait', '--for=condition=Established', '--timeout=60s', 'crd', '--all']);
}

export function syncWave(o: KubeObject): number {
  return Number(o.metadata.annotations?.['argocd.argoproj.io/sync-wave'] ?? 0);
}

export function isHook(o: KubeObject): boolean {
  return o.metadata.annotations?.['argocd.argoproj.io/hook'] !== undefined;
}

/** Namespaces outside the project the rendered objects live in (the ArgoCD namespace for the Application). */
export function foreignNamespaces(objects: KubeObject[]): string[] {
  const own = new Set(objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name));
  return [...new Set(objects.map((o) => o.metadata.namespace).filter((n): n is string => !!n && !own.has(n)))].sort();
}

/**
 * Applies every object in ArgoCD's order: by sync wave, hooks (PostSync) last; within a wave, in synth's order
 * (the charts already put namespaces, accounts and configuration before workloads). Returns one Run per wave.
 */
export function applyInWaves(cluster: Cluster, objects: KubeObject[]): Array<{ wave: string; run: Run }> {
  const plain = objects.filter((o) => !isHook(o));
  const waves = [...new Set(plain.map(syncWave))].sort((a, b) => a - b);
  const runs = waves.map((w) => ({ wave: String(w), run: cluster.apply(plain.filter((o) => syncWave(o) === w)) }));
  const hooks = objects.filter(isHook);
  if (hooks.length) runs.push({ wave: 'hooks', run: cluster.apply(hooks) });
  return runs;
}

/** A fresh control plane with the CRDs, the namespaces outside the project, and a variant applied in waves. */
export async function deployVariant(name: string, objects: KubeObject[]): Promise<Cluster> {
  const cluster = await startCluster(name);
  installCrds(cluster);
  ensureNamespaces(cluster, foreignNamespaces(objects));
  for (const { wave, run } of applyInWaves(cluster, objects)) {
    if (run.status !== 0) throw new Error(`applying wave ${wave} of ${name} failed: ${run.stderr}`);
  }
  return cluster;
}

/** Creates namespaces (with a default ServiceAccount, which no controller-manager makes here) as admin. */
export function ensureNamespaces(cluster: Cluster, names: string[], labels: Record<string, string> = {}): void {
  const objects = names.flatMap((name) => [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: name } },
  ]);
  const r = cluster.apply(objects);
  if (r.status !== 0) throw new Error(`creating namespaces ${names.join(', ')} failed: ${r.stderr}`);
}

/** Writes the rendered files of a variant into a folder (for tools that read dist/-shaped folders). */
export function writeVariantDist(project: ProjectInputs, dir: string): string {
  for (const [file, text] of renderFiles(project)) {
    mkdirSync(join(dir, file, '..'), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  return dir;
}

/** Parses a multi-document YAML file into objects. */
export function readObjects(file: string): KubeObject[] {
  return parseAllDocuments(readFileSync(file, 'utf8')).map((d) => d.toJS()).filter(Boolean);
}

/** The service-account user name kubectl --as takes. */
export const serviceAccountUser = (namespace: string, name: string) => `system:serviceaccount:${namespace}:${name}`;
