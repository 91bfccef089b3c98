/**
 * Watchdog cost benchmark: how many agent (LLM) runs do the seven cron watchdogs cost per day?
 *
 * Replays 24 hours of scheduler ticks (every 15m, 10m, 30m, 1h, daily 09:00, 30m, daily 08:00) over scripted
 * cluster timelines. For every tick it writes the cluster state of that moment as a fake-kubectl scenario,
 * runs the real pre-check script (src/hermes/prechecks) with PLATFORM_ENGINEER_NOW set to the tick, and
 * counts an agent run when the script's last line says {"wakeAgent": true}. The plan's design runs the agent
 * on every tick (362 a day).
 *
 *   npm run bench:watchdogs        (tsx scripts/bench-watchdogs.ts, or the esbuild bundle in .build/)
 *
 * Plain node:child_process; no test framework. Prints one markdown table per timeline and the wall time.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { delimiter, join } from 'node:path';
import { fakeBinDir, fixturesDir, prechecksDir, resolvePython, tempDir, writeSettings } from '../test/prechecks/harness';

// --------------------------------------------------------------------------------------------- schedule

interface WatchdogSpec {
  name: string;
  script: string;
  schedule: string;
  /** Minutes after midnight of every tick in the day. */
  ticks: number[];
}

const every = (minutes: number) => Array.from({ length: (24 * 60) / minutes }, (_, i) => i * minutes);
const WATCHDOGS: WatchdogSpec[] = [
  { name: 'cluster-health-check', script: 'cluster_health.py', schedule: 'every 15m', ticks: every(15) },
  { name: 'pod-restart-loop', script: 'restart_loops.py', schedule: 'every 10m', ticks: every(10) },
  { name: 'pvc-pressure', script: 'pvc_pressure.py', schedule: 'every 30m', ticks: every(30) },
  { name: 'argocd-sync-health', script: 'argocd_sync.py', schedule: 'every 1h', ticks: every(60) },
  { name: 'cert-expiry', script: 'cert_expiry.py', schedule: '0 9 * * *', ticks: [9 * 60] },
  { name: 'node-resource-drift', script: 'node_resources.py', schedule: 'every 30m', ticks: every(30) },
  { name: 'daily-cluster-report', script: 'daily_report.py', schedule: '0 8 * * *', ticks: [8 * 60] },
];

/** The replayed day (after the fixtures' recording time, so their timestamps lie in the past). */
const DAY = Date.parse('2026-11-24T00:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
const at = (hh: number, mm = 0) => DAY + (hh * 60 + mm) * 60_000;
const clock = (minutes: number) => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

// --------------------------------------------------------------------------------------------- cluster states

type Json = any;
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
const fixture = (scenario: string, file: string): Json => JSON.parse(readFileSync(join(fixturesDir, scenario, file), 'utf8'));
const fixturePath = (scenario: string, file: string) => join(fixturesDir, scenario, file);
const list = (items: Json[]) => ({ apiVersion: 'v1', items, kind: 'List', metadata: { resourceVersion: '' } });

const HEALTHY_PODS = fixture('healthy', 'pods.json');
const HEALTHY_NODES = fixture('healthy', 'nodes.json');
const HEALTHY_CERTS = fixture('healthy', 'certificates.json');
const CRASH_WEB = fixture('crashloop', 'pods.json').items.find((p: Json) => p.metadata.name === 'web-7d9c6b5f4-x2x9k');
const BACKOFF_EVENT = fixture('crashloop', 'events-warning.json').items[0];
const HEALTHY_TOP_NODES = readFileSync(fixturePath('healthy', 'top-nodes.txt'), 'utf8');

/** What a scenario answers differently from the healthy fixture: argv -> file content, or an existing file. */
type Overrides = Record<string, { content: string } | { path: string }>;
const json = (v: unknown) => ({ content: `${JSON.stringify(v)}\n` });

interface Timeline {
  id: string;
  title: string;
  notes: string[];
  state(t: number): Overrides;
}

/** (b) web crash-loops from 10:00 to 13:00; the container is caught Running between back-offs now and then. */
function crashLoop(t: number): Overrides {
  const start = at(10);
  const end = at(13);
  if (t < start) return {};
  const pods = clone(HEALTHY_PODS);
  const idx = pods.items.findIndex((p: Json) => p.metadata.name === 'web-7d9c6b5f4-x2x9k');
  const web = clone(CRASH_WEB);
  const cs = web.status.containerStatuses[0];
  const minutes = Math.floor((Math.min(t, end) - start) / 60_000);
  cs.restartCount = 1 + Math.floor(minutes / 5);
  const lastCrash = Math.min(t, end) - 60_000;
  cs.lastState.terminated.startedAt = iso(lastCrash - 3_000);
  cs.lastState.terminated.finishedAt = iso(lastCrash);
  for (const c of web.status.conditions) if (c.status === 'False') c.lastTransitionTime = iso(start);
  const overrides: Overrides = {
    'get replicaset -n apps web-7d9c6b5f4 -o json': { path: fixturePath('crashloop', 'rs-web.json') },
    'get deployment -n apps web -o json': { path: fixturePath('crashloop', 'deploy-web.json') },
    'logs -n apps web-7d9c6b5f4-x2x9k -c web --previous --tail=20 --limit-bytes=65536': { path: fixturePath('crashloop', 'logs-web.txt') },
  };
  if (t < end) {
    if (minutes % 30 === 20) {
      // Between two back-offs the container runs for a few seconds.
      cs.state = { running: { startedAt: iso(t - 20_000) } };
    }
  } else {
    // Fixed at 13:00 (a new database password): running since then, restart count and last crash remain.
    cs.state = { running: { startedAt: iso(end) } };
    cs.ready = true;
    cs.started = true;
    for (const c of web.status.conditions) if (c.status === 'False') Object.assign(c, { status: 'True', lastTransitionTime: iso(end), reason: undefined, message: undefined });
  }
  pods.items[idx] = web;
  overrides['get pods -A -o json'] = json(pods);
  const event = clone(BACKOFF_EVENT);
  event.firstTimestamp = iso(start + 60_000);
  event.lastTimestamp = iso(Math.min(t, end) - 30_000);
  event.count = Math.max(1, Math.floor((Math.min(t, end) - start) / 150_000));
  overrides['get events -A --field-selector type=Warning -o json'] = json(list([event]));
  return overrides;
}

/** (c) two certificates enter the 21-day window during the day: one at 06:00, one at 14:00. */
function certificates(): Overrides {
  const certs = clone(HEALTHY_CERTS);
  const early = certs.items[0];
  early.status.notAfter = iso(at(6) + 21 * 86_400_000);
  const late = clone(early);
  late.metadata.namespace = 'apps';
  late.metadata.name = 'web-tls';
  late.spec.dnsNames = ['web.rogi.casa'];
  late.spec.secretName = 'web-tls';
  late.status.notAfter = iso(at(14) + 21 * 86_400_000);
  certs.items.push(late);
  return { 'get certificates.cert-manager.io -A -o json': json(certs) };
}

/** (d) pi-worker-1 NotReady 02:00-02:40, 03:20-04:00 and 04:40-05:20 (Ready in between and after). */
const FLAPS: Array<[number, number]> = [
  [at(2), at(2, 40)],
  [at(3, 20), at(4)],
  [at(4, 40), at(5, 20)],
];
function flappingNode(t: number): Overrides {
  const down = FLAPS.find(([s, e]) => t >= s && t < e);
  const lastUp = [...FLAPS].reverse().find(([, e]) => e <= t);
  if (!down && !lastUp) return {};
  const nodes = clone(HEALTHY_NODES);
  const pi = nodes.items.find((n: Json) => n.metadata.name === 'pi-worker-1');
  for (const c of pi.status.conditions) {
    if (down) {
      Object.assign(c, { status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastTransitionTime: iso(down[0]) });
    } else if (c.type === 'Ready') {
      Object.assign(c, { lastTransitionTime: iso((lastUp as [number, number])[1]) });
    }
  }
  const overrides: Overrides = { 'get nodes -o json': json(nodes) };
  if (down) {
    overrides['top nodes --no-headers'] = {
      content: HEALTHY_TOP_NODES.replace(/^pi-worker-1 .*$/m, 'pi-worker-1           <unknown>   <unknown>   <unknown>   <unknown>'),
    };
  }
  return overrides;
}

const TIMELINES: Timeline[] = [
  { id: 'a', title: '(a) healthy day', notes: [], state: () => ({}) },
  {
    id: 'b',
    title: '(b) one pod crash-looping from 10:00 to 13:00',
    notes: [
      'deployment apps/web in CrashLoopBackOff 10:00-13:00 (caught Running between back-offs at some ticks), with its BackOff Warning event; fixed at 13:00',
    ],
    state: crashLoop,
  },
  {
    id: 'c',
    title: '(c) certificates entering the 21-day window during the day',
    notes: [
      'platform-engineer/hermes-tls enters the window at 06:00 and wakes cert-expiry at its 09:00 run',
      'apps/web-tls enters the window at 14:00: cert-expiry runs only at 09:00, so it is first reported the next morning (09:00, ~19 h later); the 08:00 daily report lists it then too',
    ],
    state: certificates,
  },
  {
    id: 'd',
    title: '(d) a flapping node',
    notes: [
      'pi-worker-1 NotReady 02:00-02:40, 03:20-04:00, 04:40-05:20: each episode is a new incident for cluster-health-check and node-resource-drift (a resolved incident is forgotten, so it wakes again when it comes back)',
    ],
    state: flappingNode,
  },
];

// --------------------------------------------------------------------------------------------- scenarios on disk

const workDir = tempDir('bench');
const blobDir = join(workDir, 'blobs');
mkdirSync(blobDir, { recursive: true });
const scenarioCache = new Map<string, string>();
const healthyDir = join(fixturesDir, 'healthy');

function blob(content: string): string {
  const hash = createHash('sha256').update(content).digest('hex').slice(0, 20);
  const path = join(blobDir, hash);
  if (!existsSync(path)) writeFileSync(path, content);
  return path;
}

/** A scenario folder for a cluster state (identical states share a folder). */
function scenarioFor(overrides: Overrides): string {
  const calls: Record<string, { file: string }> = {};
  for (const key of Object.keys(overrides).sort()) {
    const o = overrides[key];
    calls[key] = { file: 'path' in o ? o.path : blob(o.content) };
  }
  const spec = JSON.stringify({ extends: healthyDir, calls });
  const id = createHash('sha256').update(spec).digest('hex').slice(0, 16);
  let dir = scenarioCache.get(id);
  if (dir === undefined) {
    dir = join(workDir, 'scenarios', id);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'calls.json'), spec);
    scenarioCache.set(id, dir);
  }
  return dir;
}

// --------------------------------------------------------------------------------------------- running

interface TickResult {
  minute: number;
  wake: boolean;
  firstLine: string;
}

interface JobResult {
  timeline: Timeline;
  watchdog: WatchdogSpec;
  ticks: TickResult[];
  kubectlCalls: number;
}

const python = resolvePython();
const bin = fakeBinDir();
const settingsFile = writeSettings();

function runTick(script: string, scenario: string, now: string, stateDir: string, log: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, [join(prechecksDir, script)], {
      cwd: prechecksDir,
      env: {
        PATH: `${bin}${delimiter}${process.env.PATH ?? ''}`,
        HOME: process.env.HOME ?? workDir,
        // Bytecode goes to the run's temporary folder, never into src/.
        PYTHONPYCACHEPREFIX: join(workDir, 'pycache'),
        PLATFORM_ENGINEER_SETTINGS: settingsFile,
        PLATFORM_ENGINEER_STATE_DIR: stateDir,
        PLATFORM_ENGINEER_NOW: now,
        FAKE_KUBECTL_SCENARIO: scenario,
        FAKE_KUBECTL_LOG: log,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (err += d.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`${script} at ${now} exited ${code}: ${err}${out}`));
      else resolve(out);
    });
  });
}

async function runJob(timeline: Timeline, watchdog: WatchdogSpec, scenarios: Map<number, string>): Promise<JobResult> {
  const stateDir = join(workDir, 'state', timeline.id);
  const log = join(workDir, 'logs', `${timeline.id}-${watchdog.script}.jsonl`);
  mkdirSync(stateDir, { recursive: true });
  mkdirSync(join(workDir, 'logs'), { recursive: true });
  const ticks: TickResult[] = [];
  for (const minute of watchdog.ticks) {
    const now = DAY + minute * 60_000;
    const out = await runTick(watchdog.script, scenarios.get(minute) as string, iso(now), stateDir, log);
    const lines = out.trimEnd().split('\n');
    const gate = JSON.parse(lines[lines.length - 1]) as { wakeAgent: boolean };
    ticks.push({ minute, wake: gate.wakeAgent, firstLine: lines.length > 1 ? lines[0] : '' });
  }
  const kubectlCalls = existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter((l) => l !== '').length : 0;
  return { timeline, watchdog, ticks, kubectlCalls };
}

async function pool<T>(tasks: Array<() => Promise<T>>, size: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(size, tasks.length) }, async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]();
    }
  });
  await Promise.all(workers);
  return results;
}

// --------------------------------------------------------------------------------------------- report

function table(timeline: Timeline, jobs: JobResult[]): string {
  const rows = [
    '| watchdog | schedule | ticks | plan: agent runs | this design: agent runs | kubectl calls | woke at |',
    '| --- | --- | ---: | ---: | ---: | ---: | --- |',
  ];
  let ticks = 0;
  let wakes = 0;
  let calls = 0;
  for (const job of jobs) {
    const woke = job.ticks.filter((t) => t.wake);
    ticks += job.ticks.length;
    wakes += woke.length;
    calls += job.kubectlCalls;
    rows.push(
      `| ${job.watchdog.name} | ${job.watchdog.schedule} | ${job.ticks.length} | ${job.ticks.length} | ${woke.length} | ${job.kubectlCalls} | ${woke.map((t) => clock(t.minute)).join(', ') || '-'} |`,
    );
  }
  rows.push(`| **total** | | **${ticks}** | **${ticks}** | **${wakes}** | ${calls} | |`);
  return [`### ${timeline.title}`, '', ...timeline.notes.map((n) => `- ${n}`), ...(timeline.notes.length ? [''] : []), ...rows].join('\n');
}

async function main(): Promise<void> {
  const started = Date.now();
  const minutes = [...new Set(WATCHDOGS.flatMap((w) => w.ticks))].sort((a, b) => a - b);
  const tasks: Array<() => Promise<JobResult>> = [];
  for (const timeline of TIMELINES) {
    const scenarios = new Map<number, string>();
    for (const minute of minutes) scenarios.set(minute, scenarioFor(timeline.state(DAY + minute * 60_000)));
    for (const watchdog of WATCHDOGS) tasks.push(() => runJob(timeline, watchdog, scenarios));
  }
  // Each tick mostly waits on short-lived processes: two per core keeps the cores busy.
  const parallel = 2 * (typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length);
  const results = await pool(tasks, parallel);
  const totalRuns = results.reduce((n, r) => n + r.ticks.length, 0);

  const out: string[] = [
    '## Watchdog agent runs per day: plan (every tick runs the agent) vs pre-checks (wake only on a new, changed or reminded incident)',
    '',
    `Replayed ${iso(DAY).slice(0, 10)} 00:00-24:00 UTC; default settings (diskPercent 85, cpu/memoryPercent 90, sustainedTicks 3, certificateDays 21, reminderHours 24).`,
    '',
  ];
  const summary = ['| timeline | plan: agent runs | this design: agent runs |', '| --- | ---: | ---: |'];
  for (const timeline of TIMELINES) {
    const jobs = results.filter((r) => r.timeline === timeline);
    out.push(table(timeline, jobs), '');
    const ticks = jobs.reduce((n, j) => n + j.ticks.length, 0);
    const wakes = jobs.reduce((n, j) => n + j.ticks.filter((t) => t.wake).length, 0);
    summary.push(`| ${timeline.title} | ${ticks} | ${wakes} |`);
  }
  out.push('### Summary', '', ...summary, '');
  const seconds = (Date.now() - started) / 1000;
  out.push(`Script runs: ${totalRuns} (${TIMELINES.length} timelines x ${totalRuns / TIMELINES.length} ticks), ${parallel} in parallel. Total wall time: ${seconds.toFixed(1)} s.`);
  console.log(out.join('\n'));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack ?? err.message : err);
  process.exit(1);
});
