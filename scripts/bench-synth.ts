// npm run bench: times `npm run synth`'s program against the floor (loading cdk8s-plus-30) and the cdk8s
// template's default (`cdk8s synth` running main.ts through ts-node), and how fast the worst site files are
// refused (each must exit 1). Prints medians and the machine; asserts nothing.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';

const RUNS = Number(process.env.BENCH_RUNS ?? 7);

function time(label: string, cmd: string, args: string[], env: Record<string, string> = {}, expectedStatus = 0): number {
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = process.hrtime.bigint();
    const r = spawnSync(cmd, args, { env: { ...process.env, ...env }, encoding: 'utf8' });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (r.status !== expectedStatus) throw new Error(`${label}: exit ${r.status}, expected ${expectedStatus}: ${r.stderr}`);
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

const cpu = cpus();
console.log(`synth benchmark, ${RUNS} runs each, Node ${process.version}, ${cpu.length} x ${cpu[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Linux ${release()}\n`);
const floor = time("floor: node -e \"require('cdk8s-plus-30')\"", process.execPath, ['-e', "require('cdk8s-plus-30')"]);
const build = time('npm run synth (bundle + run, one process)', 'npm', ['run', '-s', 'synth'], { CDK8S_OUTDIR: join(out, 'a') });
const node = time('synth program alone (node .build/main.js)', process.execPath, ['.build/main.js'], { CDK8S_OUTDIR: join(out, 'b') });
const template = time('template default: cdk8s synth via ts-node', 'npx', ['cdk8s', 'synth', '--no-check-upgrade', '--app', `npx ts-node --project ${tsnodeConfig} main.ts`, '--output', join(out, 'c')], {
  CDK8S_CHECK_UPGRADE: 'false',
});

// Hostile site files at the size cap: each is refused (exit 1) by the synth program.
const discord = 'discord: {homeChannel: "100000000000000001", allowedUsers: ["100000000000000002"]}\n';
const hostile: [string, string][] = [
  ['a 5 MB site file', `${discord}llm: {model: ${'q'.repeat(5 * 2 ** 20)}}\n`],
  ['32 KB of nesting', `a: ${'['.repeat(16_000)}${']'.repeat(16_000)}\n`],
  ['a 32 KB flow list', `${discord}x: [${Array(16_000).fill('a').join(',')}]\n`],
  ['a 32 KB CPU quantity', `${discord}resources: {limits: {memory: 2Gi, cpu: "0.${'0'.repeat(32_000)}x"}}\n`],
  ['an alias bomb', `${discord}x0: &x0 [a, a, a, a, a, a, a, a, a]\n${Array.from({ length: 9 }, (_, i) => `x${i + 1}: &x${i + 1} [${Array(9).fill(`*x${i}`).join(', ')}]`).join('\n')}\n`],
];
let slowest = 0;
for (const [label, text] of hostile) {
  const file = join(out, 'hostile.yaml');
  writeFileSync(file, text.slice(0, label.startsWith('a 5 MB') ? undefined : 32 * 1024 - 1));
  slowest = Math.max(slowest, time(`refused: ${label}`, process.execPath, ['.build/main.js'], { PLATFORM_ENGINEER_SITE: file, CDK8S_OUTDIR: join(out, 'h') }, 1));
}
console.log(`\nslowest refusal:              ${slowest.toFixed(0)} ms   (target: well under 2,000 ms)`);
console.log(`npm run synth / floor:        ${(build / floor).toFixed(2)}x   (target: at most 4x)`);
console.log(`synth program alone / floor:  ${(node / floor).toFixed(2)}x   (the rest is npm's own start)`);
console.log(`template default / npm run synth: ${(template / build).toFixed(2)}x`);
rmSync(out, { recursive: true, force: true });
