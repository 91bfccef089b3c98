/**
 * Runs the platform-engineer pre-check scripts (src/hermes/prechecks/*.py) against recorded cluster states.
 *
 * A fake `kubectl` (test/prechecks/fake_kubectl.py) is put on PATH; it answers from the scenario folders
 * under test/fixtures/clusters/<scenario>/ (calls.json maps a normalized argv to a file) and logs every
 * argv it was called with, so tests can assert on what the scripts asked the cluster.
 *
 * Plain node:child_process and node:fs: no vitest import, so the RBAC test and the benchmark can use it too.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, isAbsolute, join } from 'node:path';

/** The project root: the first folder above `starts` (this file's, then the working directory) with src/hermes. */
function findRoot(...starts: string[]): string {
  for (const start of starts) {
    let dir = start;
    for (;;) {
      if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'src', 'hermes', 'prechecks'))) return dir;
      const up = dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  }
  throw new Error(`cannot find the project root (a folder with src/hermes/prechecks) above ${starts.join(' or ')}`);
}

// __dirname is test/prechecks under vitest and tsx, or .build/scripts in the esbuild bundle of the benchmark.
export const repoRoot = findRoot(__dirname, process.cwd());
/** Absolute path of src/hermes/prechecks (the scripts, pe_common.py). */
export const prechecksDir = join(repoRoot, 'src', 'hermes', 'prechecks');
/** Absolute path of test/fixtures/clusters (one folder per scenario). */
export const fixturesDir = join(repoRoot, 'test', 'fixtures', 'clusters');
export const fakeKubectlPath = join(repoRoot, 'test', 'prechecks', 'fake_kubectl.py');

/** The time the fixtures were recorded at ("now" for every run unless a test says otherwise). */
export const DEFAULT_NOW = '2026-11-23T10:00:00Z';

/** settings.json as the scripts read it (all keys present). */
export interface Settings {
  diskPercent: number;
  cpuPercent: number;
  memoryPercent: number;
  sustainedTicks: number;
  certificateDays: number;
  reminderHours: number;
  protectedNamespaces: string[];
  argocdNamespace: string;
  restartIntervalMinutes: number;
  dfExec: boolean;
}

export const DEFAULT_SETTINGS: Readonly<Settings> = Object.freeze({
  diskPercent: 85,
  cpuPercent: 90,
  memoryPercent: 90,
  sustainedTicks: 3,
  certificateDays: 21,
  reminderHours: 24,
  protectedNamespaces: ['kube-system', 'argocd'],
  argocdNamespace: 'argocd',
  restartIntervalMinutes: 60,
  dfExec: true,
});

/** The seven pre-check scripts, in watchdog order. */
export const SCRIPTS = [
  'cluster_health.py',
  'restart_loops.py',
  'pvc_pressure.py',
  'argocd_sync.py',
  'cert_expiry.py',
  'node_resources.py',
  'daily_report.py',
] as const;
export type ScriptName = (typeof SCRIPTS)[number];

export interface RunOptions {
  /** PLATFORM_ENGINEER_NOW (ISO 8601); default DEFAULT_NOW. */
  now?: string;
  /** PLATFORM_ENGINEER_STATE_DIR; default a fresh empty folder (no memory of earlier runs). */
  stateDir?: string;
  /** Merged over DEFAULT_SETTINGS and written to a settings file. */
  settings?: Partial<Settings>;
  /** Use this settings file instead (e.g. a missing or broken one). */
  settingsFile?: string;
  /** Extra environment for the script (e.g. KUBECONFIG for a real API server). */
  env?: Record<string, string>;
  /**
   * The folder put first on PATH (holding `kubectl` and `python3`); default the fake kubectl's (fakeBinDir()).
   * The cluster suite passes one with the real kubectl.
   */
  binDir?: string;
  timeoutMs?: number;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  exitCode: number | null;
  /** The parsed last line of stdout. */
  lastLine: { wakeAgent: boolean };
  /** stdout without the last line (the evidence the agent would see). */
  evidence: string;
  /** Every kubectl argv the script ran, in order. */
  calls: string[][];
  stateDir: string;
}

let workRoot: string | undefined;
function work(): string {
  if (workRoot === undefined) {
    workRoot = mkdtempSync(join(tmpdir(), 'prechecks-'));
    process.once('exit', cleanupTemp);
  }
  return workRoot;
}

/**
 * Removes the temporary folders of this process (state, scenarios, logs, the fake bin). Test files call it
 * in afterAll: a test worker may be stopped without an 'exit' event.
 */
export function cleanupTemp(): void {
  if (workRoot !== undefined) rmSync(workRoot, { recursive: true, force: true });
  workRoot = undefined;
  binDir = undefined;
  allCalls = undefined;
}

let counter = 0;
/** A new empty folder under the run's temporary root. */
export function tempDir(prefix = 'd'): string {
  const dir = join(work(), `${prefix}-${process.pid}-${++counter}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** A state folder to share between runs (the once-per-incident rule lives there). */
export function makeStateDir(): string {
  return tempDir('state');
}

let python: string | undefined;
/**
 * The Python interpreter used to run the scripts: $PRECHECK_PYTHON, else /usr/bin/python3, else python3 on
 * PATH, whichever first is 3.11 or newer. (A version-manager shim on PATH costs tens of milliseconds per
 * start; the fake kubectl starts several times per script run.)
 */
export function resolvePython(): string {
  if (python !== undefined) return python;
  const candidates = [process.env.PRECHECK_PYTHON, '/usr/bin/python3', 'python3'].filter((c): c is string => !!c);
  for (const candidate of candidates) {
    const probe = spawnSync(candidate, ['-c', 'import sys; print(sys.version_info >= (3, 11)); print(sys.executable)'], { encoding: 'utf8' });
    if (probe.status !== 0) continue;
    const [ok, exe] = probe.stdout.trim().split('\n');
    if (ok === 'True' && exe) {
      python = exe;
      return python;
    }
  }
  throw new Error(`no Python 3.11+ found (tried ${candidates.join(', ')}); set PRECHECK_PYTHON`);
}

let binDir: string | undefined;
/** A folder holding `kubectl` (the fake) and `python3` (the resolved interpreter), to put first on PATH. */
export function fakeBinDir(): string {
  if (binDir !== undefined) return binDir;
  const dir = tempDir('bin');
  symlinkSync(fakeKubectlPath, join(dir, 'kubectl'));
  symlinkSync(resolvePython(), join(dir, 'python3'));
  binDir = dir;
  return dir;
}

/** Resolves a scenario name (a folder of test/fixtures/clusters) or an absolute folder. */
export function scenarioDir(scenario: string): string {
  return isAbsolute(scenario) ? scenario : join(fixturesDir, scenario);
}

/** The scenario folders that have a calls.json. */
export function scenarios(): string[] {
  return readdirSync(fixturesDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(fixturesDir, d.name, 'calls.json')))
    .map((d) => d.name)
    .sort();
}

export type CallEntry = string | { file?: string; stdout?: string; stderr?: string; exit?: number; sleep?: number };

/**
 * Writes a scenario made by a test: `files` are written into a new folder (objects as JSON), `calls` maps
 * argv strings to entries, `base` names a scenario (or absolute folder) to fall back to.
 */
export function writeScenario(spec: { files?: Record<string, unknown>; calls?: Record<string, CallEntry>; base?: string; default?: CallEntry }): string {
  const dir = tempDir('scenario');
  for (const [name, content] of Object.entries(spec.files ?? {})) {
    writeFileSync(join(dir, name), typeof content === 'string' ? content : `${JSON.stringify(content, null, 2)}\n`);
  }
  const calls: Record<string, unknown> = { calls: spec.calls ?? {} };
  if (spec.base) calls.extends = scenarioDir(spec.base);
  if (spec.default !== undefined) calls.default = spec.default;
  writeFileSync(join(dir, 'calls.json'), `${JSON.stringify(calls, null, 2)}\n`);
  return dir;
}

/** Reads a fixture file of a scenario as JSON (tests derive variants from it). */
export function readFixture<T = any>(scenario: string, file: string): T {
  return JSON.parse(readFileSync(join(scenarioDir(scenario), file), 'utf8')) as T;
}

/** Writes a settings file (defaults merged with `settings`) and returns its path. */
export function writeSettings(settings: Partial<Settings> = {}): string {
  const file = join(tempDir('settings'), 'settings.json');
  writeFileSync(file, `${JSON.stringify({ ...DEFAULT_SETTINGS, ...settings }, null, 2)}\n`);
  return file;
}

function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('PLATFORM_ENGINEER_') || k.startsWith('FAKE_KUBECTL_') || k === 'KUBECONFIG' || k === 'PYTHONDONTWRITEBYTECODE') continue;
    env[k] = v;
  }
  return env;
}

function parseLastLine(stdout: string, script: string): { wakeAgent: boolean } {
  const lines = stdout.split('\n').filter((l) => l.trim() !== '');
  const last = lines[lines.length - 1];
  let parsed: unknown;
  try {
    parsed = JSON.parse(last ?? '');
  } catch {
    throw new Error(`${script}: last line of stdout is not JSON: ${JSON.stringify(last)}\n--- stdout ---\n${stdout}`);
  }
  if (typeof parsed !== 'object' || parsed === null || typeof (parsed as { wakeAgent?: unknown }).wakeAgent !== 'boolean') {
    throw new Error(`${script}: last line has no boolean wakeAgent: ${last}`);
  }
  return parsed as { wakeAgent: boolean };
}

/**
 * Runs one pre-check script against a scenario (a name under test/fixtures/clusters, an absolute folder,
 * or a list of folders searched in order) and returns its output and the kubectl calls it made.
 */
export function runPrecheck(script: string, scenario: string | string[], opts: RunOptions = {}): RunResult {
  const file = script.endsWith('.py') ? script : `${script}.py`;
  const stateDir = opts.stateDir ?? makeStateDir();
  const log = join(tempDir('log'), 'calls.jsonl');
  const settingsFile = opts.settingsFile ?? writeSettings(opts.settings);
  const folders = (Array.isArray(scenario) ? scenario : [scenario]).map(scenarioDir);
  const env: NodeJS.ProcessEnv = {
    ...cleanEnv(),
    PATH: `${opts.binDir ?? fakeBinDir()}${delimiter}${process.env.PATH ?? ''}`,
    // Bytecode goes to the run's temporary folder, never into src/ (and is reused across runs).
    PYTHONPYCACHEPREFIX: join(work(), 'pycache'),
    PLATFORM_ENGINEER_SETTINGS: settingsFile,
    PLATFORM_ENGINEER_STATE_DIR: stateDir,
    PLATFORM_ENGINEER_NOW: opts.now ?? DEFAULT_NOW,
    FAKE_KUBECTL_SCENARIO: folders.join(delimiter),
    FAKE_KUBECTL_LOG: log,
    ...opts.env,
  };
  const proc = spawnSync(resolvePython(), [join(prechecksDir, file)], {
    env,
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 30_000,
    cwd: prechecksDir,
  });
  if (proc.error) throw proc.error;
  const stdout = proc.stdout ?? '';
  const lastLine = parseLastLine(stdout, file);
  const lines = stdout.replace(/\n+$/, '').split('\n');
  const calls = existsSync(log)
    ? readFileSync(log, 'utf8')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as string[])
    : [];
  return {
    stdout,
    stderr: proc.stderr ?? '',
    exitCode: proc.status,
    lastLine,
    evidence: lines.slice(0, -1).join('\n'),
    calls,
    stateDir,
  };
}

let allCalls: string[][] | undefined;
/**
 * Runs every script over every recorded scenario (fresh state each time, default settings) and returns every
 * distinct kubectl argv they made, sorted. The RBAC test maps each to (verb, resource, namespace) and checks
 * it against the ClusterRole.
 */
export function collectAllCalls(): string[][] {
  if (allCalls !== undefined) return allCalls;
  const seen = new Map<string, string[]>();
  for (const scenario of scenarios()) {
    for (const script of SCRIPTS) {
      for (const call of runPrecheck(script, scenario).calls) seen.set(JSON.stringify(call), call);
    }
  }
  allCalls = [...seen.keys()].sort().map((k) => seen.get(k) as string[]);
  return allCalls;
}

/** The shared incident ledger of a state folder (incidents.json): what every watchdog has open, silences, notices. */
export function readLedger(stateDir: string): { incidents: Record<string, any>; silences: any[]; notices: any[]; recent: Record<string, any> } {
  const file = join(stateDir, 'incidents.json');
  if (!existsSync(file)) return { incidents: {}, silences: [], notices: [], recent: {} };
  return JSON.parse(readFileSync(file, 'utf8'));
}

/** The Hermes job name (the title its pre-check prints) of each pre-check script. */
export const WATCHDOG_OF: Record<string, string> = {
  'cluster_health.py': 'cluster-health-check',
  'restart_loops.py': 'pod-restart-loop',
  'pvc_pressure.py': 'pvc-pressure',
  'argocd_sync.py': 'argocd-sync-health',
  'cert_expiry.py': 'cert-expiry',
  'node_resources.py': 'node-resource-drift',
  'daily_report.py': 'daily-cluster-report',
};
