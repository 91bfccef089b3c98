// The cluster suite's set-up: find or build the real binaries once, hand their paths to the test files, and make
// sure every process a test file starts is stopped by PID at the end, on failure, and on Ctrl-C or SIGTERM.
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { ensureBinaries, type Binaries } from './binaries';
import { stopAll } from './control-plane';

declare module 'vitest' {
  export interface ProvidedContext {
    binaries: Binaries;
    runRoot: string;
  }
}

export default function setup(project: TestProject): () => void {
  // The synth program, built exactly as `npm run synth` builds it, for the tests that run it.
  execFileSync('npm', ['run', '-s', 'build'], { stdio: 'inherit' });
  const started = Date.now();
  const binaries = ensureBinaries();
  const version = spawnSync(binaries.kubeApiserver, ['--version'], { encoding: 'utf8' }).stdout.trim();
  console.log(`[cluster] ${version} (kube-apiserver), kubectl ${binaries.versions.kubernetes}, etcd ${binaries.versions.etcd}, kubeseal ${binaries.versions.kubeseal}; binaries ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(binaries.polaris ? `[cluster] Polaris ${binaries.versions.polaris}: ${binaries.polaris}` : '[cluster] Polaris: not found (TEST_ASSET_POLARIS); the real-Polaris comparison is skipped (README, "Cluster suite")');

  mkdirSync(tmpdir(), { recursive: true });
  const runRoot = mkdtempSync(join(tmpdir(), 'pe-cluster-'));
  project.provide('binaries', binaries);
  project.provide('runRoot', runRoot);

  let done = false;
  const teardown = () => {
    if (done) return;
    done = true;
    for (const run of readdirSync(runRoot)) stopAll(join(runRoot, run));
    if (!process.env.KEEP_CLUSTER_RUN) rmSync(runRoot, { recursive: true, force: true });
  };
  const onSignal = (signal: NodeJS.Signals) => {
    teardown();
    process.kill(process.pid, signal);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.once('exit', teardown);
  return teardown;
}
