/** Runs the built synth (and the other user commands) as a user would, against temporary folders. */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { stringify } from 'yaml';

export const ROOT = join(__dirname, '..');

export function tempDir(prefix = 'pe-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** `npm run synth`'s program with a given site file (an object, YAML text or raw bytes) and output folder. */
export function runSynth(site: unknown, outDir: string, extraEnv: Record<string, string> = {}): RunResult {
  const dir = tempDir('pe-site-');
  const siteFile = join(dir, 'site.yaml');
  writeFileSync(siteFile, typeof site === 'string' || Buffer.isBuffer(site) ? site : stringify(site));
  const r = spawnSync(process.execPath, [join(ROOT, '.build/main.js')], {
    cwd: ROOT,
    env: { ...process.env, PLATFORM_ENGINEER_SITE: siteFile, CDK8S_OUTDIR: outDir, ...extraEnv },
    encoding: 'utf8',
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Every file below `dir` with its bytes, for byte-for-byte comparisons. */
export function snapshotTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out[relative(dir, p)] = readFileSync(p, 'base64');
    }
  };
  walk(dir);
  return out;
}

export function writeTree(dir: string, files: Record<string, string>): void {
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(join(dir, file, '..'), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
}
