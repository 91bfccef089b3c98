// dist/ is replaced atomically: complete or not at all, never a mix, and no stale file survives a synth.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeDist } from '../src/synth/write-dist';
import { snapshotTree, tempDir, writeTree } from './cli';

describe('writeDist', () => {
  it('replaces the whole folder: new files in, stale files gone', () => {
    const dist = join(tempDir(), 'dist');
    writeTree(dist, { 'ns/old.yaml': 'stale\n', 'ns/keep.yaml': 'v1\n' });
    writeDist(dist, new Map([['ns/keep.yaml', 'v2\n'], ['argocd/app.yaml', 'app\n']]));
    expect(Object.keys(snapshotTree(dist)).sort()).toEqual(['argocd/app.yaml', 'ns/keep.yaml']);
  });

  it('leaves dist/ byte for byte as it was when writing fails half way, and cleans up', () => {
    const parent = tempDir();
    const dist = join(parent, 'dist');
    writeTree(dist, { 'ns/a.yaml': 'previous\n' });
    const before = snapshotTree(dist);
    // "x" is written as a file first, so "x/y" cannot be created under it: the write fails after a file landed.
    expect(() => writeDist(dist, new Map([['x', 'first\n'], ['x/y', 'second\n']]))).toThrow();
    expect(snapshotTree(dist)).toEqual(before);
    expect(readdirSync(parent)).toEqual(['dist']);
  });

  it('creates dist/ when there is none', () => {
    const dist = join(tempDir(), 'dist');
    writeDist(dist, new Map([['a.yaml', 'a\n']]));
    expect(existsSync(join(dist, 'a.yaml'))).toBe(true);
  });
});
