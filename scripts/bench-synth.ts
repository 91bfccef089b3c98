// npm run bench: times `npm run synth`'s program against the floor (loading cdk8s-plus-30) and the cdk8s
// template's default (`cdk8s synth` running main.ts through ts-node). Prints medians; asserts nothing.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const RUNS = Number(process.env.BENCH_RUNS ?? 7);

function time(label: string, cmd: string, args: string[], env: Record<string, string> = {}): number {
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = process.hrtime.bigint();
    const r = spawnSync(cmd, args, { env: { ...process.env, ...env }, encoding: 'utf8' });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (r.status !== 0) throw new Error(`${label} failed: ${r.stderr}`);
    samples.push(ms);
  }
  samples.sort((a, b) => a - b);
  const median = samples[Math.floor(samples.length / 2)];
  console.log(`${label.padEnd(48)} median ${median.toFixed(0).padStart(6)} ms   (min ${samples[0].toFixed(0)}, max ${samples[samples.length - 1].toFixed(0)}, n=${RUNS})`);
  return median;
}

const out = mkdtempSync(join(tmpdir(), 'pe-bench-'));
// ts-node needs a CommonJS tsconfig of its own; the template's default cdk8s.yaml runs `npx ts-node main.ts`.
const tsnodeConfig = join(out, 'tsconfig.ts-node.json');
writeFileSync(tsnodeConfig, JSON.stringify({ extends: join(process.cwd(), 'tsconfig.json'), compilerOptions: { module: 'commonjs', moduleResolution: 'node' } }));

console.log(`synth benchmark, ${RUNS} runs each, on ${process.version}\n`);
const floor = time("floor: node -e \"require('cdk8s-plus-30')\"", process.execPath, ['-e', "require('cdk8s-plus-30')"]);
const build = time('npm run synth (bundle + run, one process)', 'npm', ['run', '-s', 'synth'], { CDK8S_OUTDIR: join(out, 'a') });
const node = time('synth program alone (node .build/main.js)', process.execPath, ['.build/main.js'], { CDK8S_OUTDIR: join(out, 'b') });
const template = time('template default: cdk8s synth via ts-node', 'npx', ['cdk8s', 'synth', '--no-check-upgrade', '--app', `npx ts-node --project ${tsnodeConfig} main.ts`, '--output', join(out, 'c')], {
  CDK8S_CHECK_UPGRADE: 'false',
});
console.log(`\nnpm run synth / floor:        ${(build / floor).toFixed(2)}x   (target: at most 4x)`);
console.log(`synth program alone / floor:  ${(node / floor).toFixed(2)}x   (the rest is npm's own start)`);
console.log(`template default / npm run synth: ${(template / build).toFixed(2)}x`);
rmSync(out, { recursive: true, force: true });
