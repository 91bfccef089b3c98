// Item 7 of the cluster suite: the real Polaris 10.2.2 CLI over what synth writes agrees, result for result, with
// the Polaris model that `npm test` runs (test/policy/polaris.ts), with and without the exemption annotations.
// The model stays because the Go module proxy does not serve Polaris: on a machine without a Polaris binary this
// comparison is skipped and says so (README, "Cluster suite").
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { runPolaris } from '../policy/polaris';
import { inputs } from '../helpers';
import { REPO_ROOT, VARIANTS, variantObjects, writeVariantDist } from './cluster';

const polaris = inject('binaries').polaris;
const MODES = {
  root: () => inputs(),
  'non-root, no exec': () => inputs({ securityMode: 'non-root', permissions: { podExec: false } as any }),
  'site.yaml': VARIANTS['site.yaml'],
};

type Row = string;

/** Real Polaris' JSON as rows "checkId Kind/name[/container] pass|fail" (exempted checks are absent from its output). */
function realRows(dir: string, disallowExemptions: boolean): Row[] {
  const args = ['audit', '--audit-path', dir, '--config', join(REPO_ROOT, 'test/policy/polaris/default.yaml'), '--format', 'json', ...(disallowExemptions ? ['--disallow-exemptions'] : [])];
  const r = spawnSync(polaris!, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`polaris audit failed: ${r.stderr}`);
  const rows: Row[] = [];
  const add = (results: Record<string, { ID: string; Success: boolean; Severity: string }> | null | undefined, where: string) => {
    // pdbMinAvailableGreaterThanHPAMinReplicas is Go code in Polaris, not a schema the model can run (it passes:
    // the project renders no HorizontalPodAutoscaler).
    for (const res of Object.values(results ?? {})) if (res.Severity !== 'ignore' && res.ID !== 'pdbMinAvailableGreaterThanHPAMinReplicas') rows.push(`${res.ID} ${where} ${res.Success ? 'pass' : 'fail'}`);
  };
  for (const o of JSON.parse(r.stdout).Results) {
    const where = `${o.Kind}/${o.Name}`;
    add(o.Results, where);
    add(o.PodResult?.Results, where);
    for (const c of o.PodResult?.ContainerResults ?? []) add(c.Results, `${where}/${c.Name}`);
  }
  return rows.sort();
}

/** Rows one side has and the other lacks (empty on both sides when they agree). */
function disagreement(model: Row[], real: Row[]) {
  return { onlyInModel: model.filter((r) => !real.includes(r)), onlyInRealPolaris: real.filter((r) => !model.includes(r)) };
}

function modelRows(objects: any[], annotationExemptions: boolean): Row[] {
  return runPolaris(objects, { annotationExemptions })
    .filter((r) => !r.exempt)
    .map((r) => `${r.checkId} ${r.kind}/${r.name}${r.container ? `/${r.container}` : ''} ${r.passed ? 'pass' : 'fail'}`)
    .sort();
}

describe.skipIf(!polaris).each(Object.keys(MODES))('the Polaris model agrees with the real Polaris CLI (%s)', (mode) => {
  const project = MODES[mode as keyof typeof MODES]();
  const dir = writeVariantDist(project, mkdtempSync(join(inject('runRoot'), 'polaris-')));
  const objects = variantObjects(project);

  it('with the exemption annotations honoured', () => {
    const real = realRows(dir, false);
    expect(real.length).toBeGreaterThan(50);
    expect(disagreement(modelRows(objects, true), real)).toEqual({ onlyInModel: [], onlyInRealPolaris: [] });
  });

  it('with every exemption disallowed (the danger findings the annotations hide)', () => {
    const real = realRows(dir, true);
    expect(disagreement(modelRows(objects, false), real)).toEqual({ onlyInModel: [], onlyInRealPolaris: [] });
    expect(real.filter((r) => r.endsWith('fail')).length).toBeGreaterThan(0);
  });
});
