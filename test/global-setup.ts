// Builds the synth entry point once, exactly as `npm run synth` does, for the tests that run it as a program.
// Every temporary folder of the run (tests, the scripts they start, their children) goes under one folder that
// is removed at the end: os.tmpdir() follows TMPDIR, which the test workers inherit.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  execFileSync('npm', ['run', '-s', 'build'], { stdio: 'inherit' });
  const previous = process.env.TMPDIR;
  const runDir = mkdtempSync(join(tmpdir(), 'pe-test-run-'));
  process.env.TMPDIR = runDir;
  return () => {
    rmSync(runDir, { recursive: true, force: true });
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
  };
}
