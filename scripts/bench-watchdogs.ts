/**
 * Watchdog cost benchmark: how many agent (LLM) runs and Discord notices do the watchdogs cost per day?
 *
 * Replays 24 hours of scheduler ticks (every 15m, 10m, 30m, 1h, daily 09:00, 30m, daily 08:00, and the
 * script-only incident-notices job every 10m) over scripted cluster timelines. Minute by minute, in order, it
 * writes the cluster state of that moment as a fake-kubectl scenario and runs every job due at that minute AT
 * THE SAME TIME (as Hermes may), all against ONE state folder per timeline (the shared incident ledger on the
 * volume), with PLATFORM_ENGINEER_NOW set to the tick. An agent run is a pre-check whose last line says
 * {"wakeAgent": true}; a notice is a non-empty output of the script-only job. The plan's design runs the
 * agent on every tick (362 a day).
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
/** The script-only job (no agent): its non-empty outputs are delivered notices. */
const NOTICES: WatchdogSpec = { name: 'incident-notices', script: 'notices.py', schedule: 'every 10m', ticks: every(10) };

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

/**
 * What a scenario answers differently from the healthy fixture: argv -> file content, an existing file, or a
 * failure (exit 1 with this stderr). The key '*' replaces the healthy fixture: every other call fails so.
 */
type Overrides = Record<string, { content: string } | { path: string } | { error: string }>;
const REFUSED =
  'E1124 06:00:00.123456   41 memcache.go:265] couldn\'t get current server API group list: Get "https://10.43.0.1:443/api?timeout=32s": dial tcp 10.43.0.1:443: connect: connection refused\nThe connection to the server 10.43.0.1:443 was refused - did you specify the right host or port?';
const json = (v: unknown) => ({ content: `${JSON.stringify(v)}\n` });

interface Timeline {
  id: string;
  title: string;
  notes: string[];
  state(t: number): Overrides;
  /** The goal for agent runs that day, if it sets one. */
  goal?: number;
  /** Extra settings (maintenance windows). */
  settings?: Record<string, unknown>;
  /** Commands run before the watchdogs of a minute (the owner asking the bot for a silence). */
  actions?: Array<{ minute: number; script: string; args: string[] }>;
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

/** The whole API unreachable (connection refused on every call) between `from` and `to`. */
function apiDown(from: number, to: number) {
  return (t: number): Overrides => (t >= from && t < to ? { '*': { error: REFUSED } } : {});
}

/** metrics-server gone: every `kubectl top` fails. */
function metricsDown(): Overrides {
  const error = 'error: Metrics API not available';
  return { 'top nodes --no-headers': { error }, 'top pods -A --no-headers': { error } };
}

/**
 * pi-worker-1 NotReady between `from` and `to`: the node controller marks its pods unready, emits a
 * NodeNotReady Warning for each, evicts them after 5 minutes (the replacement of web stays Pending: the
 * scheduler names the unreachable taint), and `top nodes` has no numbers for it. With `reboot`, the kubelet
 * reports a Rebooted Warning on the node when it is back.
 */
function nodeDown(from: number, to: number, reboot = false) {
  return (t: number): Overrides => {
    const nodes = clone(HEALTHY_NODES);
    const pi = nodes.items.find((n: Json) => n.metadata.name === 'pi-worker-1');
    const down = t >= from && t < to;
    if (t < from) return {};
    for (const c of pi.status.conditions) {
      if (down) Object.assign(c, { status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastTransitionTime: iso(from) });
      else if (c.type === 'Ready') Object.assign(c, { lastTransitionTime: iso(to) });
    }
    const overrides: Overrides = { 'get nodes -o json': json(nodes) };
    const events: Json[] = [];
    if (down) {
      overrides['top nodes --no-headers'] = {
        content: HEALTHY_TOP_NODES.replace(/^pi-worker-1 .*$/m, 'pi-worker-1           <unknown>   <unknown>   <unknown>   <unknown>'),
      };
      const pods = clone(HEALTHY_PODS);
      for (const pod of pods.items) {
        if (pod.spec.nodeName !== 'pi-worker-1' || pod.status.phase !== 'Running') continue;
        for (const c of pod.status.conditions ?? []) if (c.type === 'Ready') Object.assign(c, { status: 'False', lastTransitionTime: iso(from + 60_000) });
        events.push({
          apiVersion: 'v1', kind: 'Event', type: 'Warning', reason: 'NodeNotReady', message: 'Node is not ready', count: 1,
          firstTimestamp: iso(from + 60_000), lastTimestamp: iso(from + 60_000),
          involvedObject: { kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name },
          metadata: { name: `${pod.metadata.name}.nodenotready`, namespace: pod.metadata.namespace },
          source: { component: 'node-controller' },
        });
        if (t >= from + 5 * 60_000) {
          pod.metadata.deletionTimestamp = iso(from + 5 * 60_000);
          const replacement = clone(pod);
          replacement.metadata.name = `${pod.metadata.name.replace(/-[a-z0-9]+$/, '')}-r3pl4`;
          replacement.metadata.creationTimestamp = iso(from + 5 * 60_000);
          delete replacement.metadata.deletionTimestamp;
          delete replacement.spec.nodeName;
          const message = '0/2 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/unreachable: }, 1 node(s) didn\'t match Pod\'s node affinity/selector.';
          replacement.status = {
            phase: 'Pending',
            conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message, lastTransitionTime: iso(from + 5 * 60_000) }],
          };
          pods.items.push(replacement);
          events.push({
            apiVersion: 'v1', kind: 'Event', type: 'Warning', reason: 'FailedScheduling', message, count: 1,
            firstTimestamp: iso(from + 5 * 60_000), lastTimestamp: iso(Math.max(from + 5 * 60_000, t - 120_000)),
            involvedObject: { kind: 'Pod', namespace: replacement.metadata.namespace, name: replacement.metadata.name },
            metadata: { name: `${replacement.metadata.name}.failedscheduling`, namespace: replacement.metadata.namespace },
            source: { component: 'default-scheduler' },
          });
        }
      }
      overrides['get pods -A -o json'] = json(pods);
    } else if (reboot) {
      events.push({
        apiVersion: 'v1', kind: 'Event', type: 'Warning', reason: 'Rebooted', count: 1,
        message: 'Node pi-worker-1 has been rebooted, boot id: 5c2a5c4e-0000-4000-8000-000000000001',
        firstTimestamp: iso(to), lastTimestamp: iso(to),
        involvedObject: { kind: 'Node', name: 'pi-worker-1' },
        metadata: { name: 'pi-worker-1.rebooted', namespace: 'default' },
        source: { component: 'kubelet', host: 'pi-worker-1' },
      });
    }
    overrides['get events -A --field-selector type=Warning -o json'] = json(list(events));
    return overrides;
  };
}

const TIMELINES: Timeline[] = [
  { id: 'a', title: '(a) healthy day', notes: [], state: () => ({}), goal: 1 },
  {
    id: 'b',
    title: '(b) one pod crash-looping from 10:00 to 13:00',
    notes: [
      'deployment apps/web in CrashLoopBackOff 10:00-13:00 (caught Running between back-offs at some ticks), with its BackOff Warning event; fixed at 13:00',
    ],
    state: crashLoop,
    goal: 2,
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
  {
    id: 'e',
    title: '(e) API server unreachable all day',
    notes: ['every kubectl call is refused all day: one watchdog fault (fault:api-server) for all six watchdogs'],
    state: apiDown(at(0), at(24)),
    goal: 2,
  },
  {
    id: 'f',
    title: '(f) metrics API (metrics-server) down all day',
    notes: ['kubectl top fails all day: one watchdog fault (fault:metrics-api); the daily report says its top-pods section is unavailable'],
    state: metricsDown,
    goal: 2,
  },
  {
    id: 'g',
    title: '(g) API server unreachable for 3 hours (06:00-09:00), then fine',
    notes: ['one fault while it lasts (the 08:00 daily report says every section is unavailable), one "resolved" notice when a watchdog reaches the API again'],
    state: apiDown(at(6), at(9)),
    goal: 2,
  },
  {
    id: 'h',
    title: '(h) a node NotReady for 3 hours (10:00-13:00), its pods unready',
    notes: [
      'pi-worker-1 NotReady: its pod web unready with a NodeNotReady event, evicted after 5 minutes, its replacement Pending (untolerated taint node.kubernetes.io/unreachable) with FailedScheduling events; all of it folded into node:pi-worker-1:NotReady, seen by cluster-health-check and node-resource-drift',
    ],
    state: nodeDown(at(10), at(13)),
    goal: 2,
  },
  {
    id: 'i',
    title: '(i) a silenced incident: web crash-loops 10:00-13:00, silenced from Discord at 09:30',
    notes: ['at 09:30 the owner asks the bot: silence.py add --object deployment/apps/web --for 8h --by roger; the loop never wakes the agent, its recovery is not announced'],
    state: crashLoop,
    actions: [{ minute: 9 * 60 + 30, script: 'silence.py', args: ['add', '--object', 'deployment/apps/web', '--for', '8h', '--by', 'roger', '--reason', 'migrating the database'] }],
    goal: 1,
  },
  {
    id: 'k',
    title: '(k) a crash-looping Deployment that ArgoCD reports Degraded, 10:00-13:00',
    notes: ['as (b), and the homelab Application is Degraded (its deployment apps/web) while the loop lasts: one condition for pod-restart-loop, cluster-health-check and argocd-sync-health'],
    state: (t: number) => {
      const overrides = crashLoop(t);
      if (t >= at(10) && t < at(13)) {
        const apps = fixture('argocd-degraded', 'applications.json');
        apps.items = apps.items.filter((a: Json) => a.metadata.name === 'homelab');
        apps.items[0].status.sync = { status: 'Synced' };
        overrides['get applications.argoproj.io -n argocd -o json'] = json({ ...apps, items: [...fixture('healthy', 'applications.json').items.filter((a: Json) => a.metadata.name !== 'homelab'), ...apps.items] });
      }
      return overrides;
    },
    goal: 2,
  },
  {
    id: 'j',
    title: '(j) a maintenance window covering a planned node reboot',
    notes: [
      'site.yaml maintenanceWindows: pi-reboots, schedule "0 3 * * *", 30 minutes, scope nodes [pi-worker-1]; the node is NotReady 03:00-03:12 (pods unready, evicted, replacement Pending) and reports Rebooted when back',
    ],
    state: nodeDown(at(3), at(3, 12), true),
    settings: { maintenanceWindows: [{ name: 'pi-reboots', schedule: '0 3 * * *', durationMinutes: 30, scope: { nodes: ['pi-worker-1'] } }] },
    goal: 1,
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
  const calls: Record<string, unknown> = {};
  let fallback: unknown;
  for (const key of Object.keys(overrides).sort()) {
    const o = overrides[key];
    const entry = 'error' in o ? { exit: 1, stderr: o.error } : { file: 'path' in o ? o.path : blob(o.content) };
    if (key === '*') fallback = entry;
    else calls[key] = entry;
  }
  const spec = JSON.stringify(fallback ? { calls, default: fallback } : { extends: healthyDir, calls });
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
  watchdog: WatchdogSpec;
  ticks: TickResult[];
  kubectlCalls: number;
}

interface TimelineResult {
  timeline: Timeline;
  jobs: JobResult[];
  /** Non-empty outputs of the script-only notices job: [minute, text]. */
  notices: Array<[number, string]>;
}

const python = resolvePython();
const bin = fakeBinDir();

function runScript(script: string, args: string[], scenario: string, now: string, stateDir: string, settingsFile: string, log: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, [join(prechecksDir, script), ...args], {
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

/** One day of one timeline: minute by minute; the jobs due at a minute run at the same time on one state folder. */
async function runTimeline(timeline: Timeline): Promise<TimelineResult> {
  const stateDir = join(workDir, 'state', timeline.id);
  mkdirSync(stateDir, { recursive: true });
  mkdirSync(join(workDir, 'logs'), { recursive: true });
  const settingsFile = writeSettings(timeline.settings as never);
  const logOf = (w: WatchdogSpec) => join(workDir, 'logs', `${timeline.id}-${w.script}.jsonl`);
  const jobs = new Map<WatchdogSpec, JobResult>(WATCHDOGS.map((w) => [w, { watchdog: w, ticks: [], kubectlCalls: 0 }]));
  const notices: Array<[number, string]> = [];
  const minutes = [...new Set([...WATCHDOGS, NOTICES].flatMap((w) => w.ticks))].sort((a, b) => a - b);
  for (const minute of minutes) {
    const now = iso(DAY + minute * 60_000);
    const scenario = scenarioFor(timeline.state(DAY + minute * 60_000));
    for (const action of timeline.actions ?? []) {
      if (action.minute === minute) await runScript(action.script, action.args, scenario, now, stateDir, settingsFile, join(workDir, 'logs', `${timeline.id}-actions.jsonl`));
    }
    const due = WATCHDOGS.filter((w) => w.ticks.includes(minute));
    await Promise.all(
      due.map(async (w) => {
        const out = await runScript(w.script, [], scenario, now, stateDir, settingsFile, logOf(w));
        const lines = out.trimEnd().split('\n');
        const gate = JSON.parse(lines[lines.length - 1]) as { wakeAgent: boolean };
        // BENCH_DEBUG=1 prints what every agent run would have been given.
        if (gate.wakeAgent && process.env.BENCH_DEBUG) console.error(`--- ${timeline.id} ${clock(minute)} ${w.name}\n${out}`);
        (jobs.get(w) as JobResult).ticks.push({ minute, wake: gate.wakeAgent, firstLine: lines.length > 1 ? lines[0] : '' });
      }),
    );
    // The notices job runs after the watchdogs of its minute (Hermes would run it alongside; it then
    // delivers what they closed at its next tick, ten minutes later).
    if (NOTICES.ticks.includes(minute)) {
      const out = await runScript(NOTICES.script, [], scenario, now, stateDir, settingsFile, logOf(NOTICES));
      if (out.trim() !== '') notices.push([minute, out.trim()]);
    }
  }
  for (const job of jobs.values()) {
    const log = logOf(job.watchdog);
    job.kubectlCalls = existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter((l) => l !== '').length : 0;
  }
  return { timeline, jobs: [...jobs.values()], notices };
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

function table(result: TimelineResult): string {
  const { timeline, jobs } = result;
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
  rows.push(`| ${NOTICES.name} (script only) | ${NOTICES.schedule} | ${NOTICES.ticks.length} | - | 0 | 0 | notices at ${result.notices.map(([m]) => clock(m)).join(', ') || '-'} |`);
  rows.push(`| **total** | | **${ticks}** | **${ticks}** | **${wakes}** | ${calls} | |`);
  const delivered = result.notices.map(([m, text]) => `- notice at ${clock(m)}: ${text.split('\n').slice(1).join(' ').replace(/^- /, '')}`);
  return [`### ${timeline.title}`, '', ...timeline.notes.map((n) => `- ${n}`), ...delivered, ...(timeline.notes.length || delivered.length ? [''] : []), ...rows].join('\n');
}

async function main(): Promise<void> {
  const started = Date.now();
  // Timelines run side by side (each one minute by minute): two per core keeps the cores busy.
  const parallel = 2 * (typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length);
  // BENCH_TIMELINES=a,e runs only those timelines (while working on one).
  const only = (process.env.BENCH_TIMELINES ?? '').split(',').filter((x) => x !== '');
  const chosen = TIMELINES.filter((t) => only.length === 0 || only.includes(t.id));
  const results = await pool(chosen.map((t) => () => runTimeline(t)), parallel);
  const perDay = WATCHDOGS.reduce((n, w) => n + w.ticks.length, 0) + NOTICES.ticks.length;

  const out: string[] = [
    '## Watchdog agent runs and notices per day: plan (every tick runs the agent) vs pre-checks with one shared incident ledger',
    '',
    `Replayed ${iso(DAY).slice(0, 10)} 00:00-24:00 UTC; default settings (diskPercent 85, cpu/memoryPercent 90, sustainedTicks 3, certificateDays 21, reminderHours 24); all jobs of a timeline share one state folder, and the jobs due at the same minute run at the same time.`,
    '',
  ];
  const summary = ['| timeline | plan: agent runs | this design: agent runs | goal | notices delivered (no LLM) |', '| --- | ---: | ---: | ---: | ---: |'];
  for (const result of results) {
    out.push(table(result), '');
    const ticks = result.jobs.reduce((n, j) => n + j.ticks.length, 0);
    const wakes = result.jobs.reduce((n, j) => n + j.ticks.filter((t) => t.wake).length, 0);
    const goal = result.timeline.goal === undefined ? '-' : `<= ${result.timeline.goal}${wakes > result.timeline.goal ? ' **MISSED**' : ''}`;
    summary.push(`| ${result.timeline.title} | ${ticks} | ${wakes} | ${goal} | ${result.notices.length} |`);
  }
  out.push('### Summary', '', ...summary, '');
  const seconds = (Date.now() - started) / 1000;
  out.push(`Script runs: ${perDay * chosen.length} (${chosen.length} timelines x ${perDay} ticks), ${parallel} timelines in parallel. Total wall time: ${seconds.toFixed(1)} s.`);
  console.log(out.join('\n'));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack ?? err.message : err);
  process.exit(1);
});
