// dist/ is stable and diffable: golden YAML per chart (a reviewer sees the real output change), byte-identical
// repeated synths, and the committed dist/ equals a fresh `npm run synth`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { renderFiles } from '../src/synth/render';
import { ROOT, runSynth, snapshotTree, tempDir } from './cli';
import { inputs } from './helpers';
import { fakeSealedFile } from './sealed-fixture';

describe('golden YAML', () => {
  const variants = {
    default: inputs(),
    'non-root': inputs({ securityMode: 'non-root' }),
    sealed: inputs({ credentials: { mode: 'sealed' } }, { sealed: fakeSealedFile() }),
  };
  for (const [variant, input] of Object.entries(variants)) {
    for (const [file, text] of renderFiles(input)) {
      // The default variant pins every chart; the others pin only the chart their switch changes.
      if (variant !== 'default' && !file.endsWith('platform-engineer.yaml') && !(variant === 'non-root' && file.endsWith('cluster.yaml'))) continue;
      it(`${variant}: ${file}`, async () => {
        await expect(text).toMatchFileSnapshot(join('golden', variant, file));
      });
    }
  }
});

describe('determinism', () => {
  it('renders byte-identical output twice in one process', () => {
    expect(renderFiles(inputs())).toEqual(renderFiles(inputs()));
  });

  it('writes byte-identical trees from two separate synth runs, and the committed dist/ is one of them', () => {
    const site = join(ROOT, 'site.yaml');
    const a = tempDir();
    const b = tempDir();
    const siteText = readFileSync(site, 'utf8');
    expect(runSynth(siteText, a).status).toBe(0);
    expect(runSynth(siteText, b).status).toBe(0);
    expect(snapshotTree(a)).toEqual(snapshotTree(b));
    expect(snapshotTree(join(ROOT, 'dist')), 'dist/ is stale: run `npm run synth` and commit dist/').toEqual(snapshotTree(a));
  });

  it('depends on no clock and writes no absolute path', () => {
    vi.useFakeTimers({ now: new Date('2020-01-01T00:00:00Z') });
    const then = renderFiles(inputs());
    vi.setSystemTime(new Date('2031-06-15T12:34:56Z'));
    const later = renderFiles(inputs());
    vi.useRealTimers();
    expect(later).toEqual(then);
    for (const text of then.values()) {
      expect(text).not.toContain(ROOT);
      expect(text).not.toMatch(/\/tmp\/[\w.-]+-[A-Za-z0-9]{6}\//); // a mkdtemp folder of the machine that ran synth
    }
  });
});
