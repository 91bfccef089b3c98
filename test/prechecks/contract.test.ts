/**
 * The contract every pre-check script keeps with the Hermes scheduler: the last line is the wake gate,
 * a healthy cluster prints nothing else, failures wake, exit code 0, stdlib only, read-only kubectl.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cleanupTemp,
  collectAllCalls,
  DEFAULT_SETTINGS,
  fixturesDir,
  makeStateDir,
  prechecksDir,
  readFixture,
  resolvePython,
  runPrecheck,
  SCRIPTS,
  tempDir,
  writeScenario,
  readLedger,
  WATCHDOG_OF,
} from './harness';

const INCIDENT_SCRIPTS = SCRIPTS.filter((s) => s !== 'daily_report.py');

afterAll(cleanupTemp);

describe('pre-check scripts: files', () => {
  it.each([...SCRIPTS, 'pe_common.py'])('%s is executable and starts with the python3 shebang', (script) => {
    const file = join(prechecksDir, script);
    expect(readFileSync(file, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env python3');
    expect(statSync(file).mode & 0o111).not.toBe(0);
  });

  it('imports nothing but the standard library and the shared modules (pe_common, pe_ledger)', () => {
    const files = readdirSync(prechecksDir).filter((f) => f.endsWith('.py'));
    const code = [
      'import ast, json, sys',
      'bad = []',
      'for path in sys.argv[1:]:',
      '    with open(path) as fh:',
      '        tree = ast.parse(fh.read())',
      '    for node in ast.walk(tree):',
      '        names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""] if isinstance(node, ast.ImportFrom) else []',
      '        for name in names:',
      '            top = name.split(".")[0]',
      '            if top not in sys.stdlib_module_names and top not in ("pe_common", "pe_ledger"):',
      '                bad.append(path + ": " + name)',
      'print(json.dumps(bad))',
    ].join('\n');
    const proc = spawnSync(resolvePython(), ['-c', code, ...files.map((f) => join(prechecksDir, f))], { encoding: 'utf8' });
    expect(proc.status).toBe(0);
    expect(JSON.parse(proc.stdout)).toEqual([]);
  });

  it('compiles without warnings (syntax valid on this interpreter)', () => {
    const files = readdirSync(prechecksDir).filter((f) => f.endsWith('.py')).map((f) => join(prechecksDir, f));
    const code = 'import sys\nfor p in sys.argv[1:]:\n    with open(p) as fh:\n        compile(fh.read(), p, "exec")';
    const proc = spawnSync(resolvePython(), ['-W', 'error', '-c', code, ...files], { encoding: 'utf8' });
    expect(proc.stderr).toBe('');
    expect(proc.status).toBe(0);
  });
});

describe('pre-check scripts: healthy cluster', () => {
  it.each(INCIDENT_SCRIPTS)('%s prints only {"wakeAgent": false} and exits 0', (script) => {
    const r = runPrecheck(script, 'healthy');
    expect(r.stdout).toBe('{"wakeAgent": false}\n');
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toBe('');
  });

  it('daily_report.py always wakes the agent, even when healthy', () => {
    const r = runPrecheck('daily_report.py', 'healthy');
    expect(r.lastLine).toEqual({ wakeAgent: true });
    expect(r.exitCode).toBe(0);
  });

  it.each(INCIDENT_SCRIPTS)('%s writes its state atomically under PLATFORM_ENGINEER_STATE_DIR', (script) => {
    const stateDir = makeStateDir();
    runPrecheck(script, 'healthy', { stateDir });
    const files = readdirSync(stateDir).sort();
    // Its own state file and the shared incident ledger, each with the lock file that guards its
    // read-modify-write (left in place on purpose); no temporary file is left behind.
    expect(files).toEqual(['incidents.json', 'incidents.json.lock', script.replace('.py', '.json'), script.replace('.py', '.json.lock')].sort());
    const state = JSON.parse(readFileSync(join(stateDir, script.replace('.py', '.json')), 'utf8'));
    expect(state).toMatchObject({ version: 2 });
    expect(readLedger(stateDir)).toMatchObject({ version: 1, incidents: {}, silences: [], notices: [] });
  });
});

describe('pre-check scripts: a broken watchdog never looks quiet', () => {
  it.each(SCRIPTS)('%s wakes with the error when kubectl fails', (script) => {
    const r = runPrecheck(script, 'kubectl-failure');
    expect(r.lastLine).toEqual({ wakeAgent: true });
    expect(r.exitCode).toBe(0);
    expect(r.evidence).toContain('The connection to the server 10.43.0.1:443 was refused');
    expect(r.evidence).toMatch(/unavailable|ERROR/);
  });

  it.each(INCIDENT_SCRIPTS)('%s keeps open incidents open when kubectl fails, and records the failure as an open fault', (script) => {
    const stateDir = makeStateDir();
    const watchdog = WATCHDOG_OF[script];
    // An incident this watchdog reported an hour ago: a failed read must not resolve it.
    const open = { digest: 'x', salient: 's', firstSeen: '2026-11-23T09:00:00Z', lastSeen: '2026-11-23T09:00:00Z', lastReported: '2026-11-23T09:00:00Z', watchers: { [watchdog]: '2026-11-23T09:00:00Z' } };
    writeFileSync(join(stateDir, 'incidents.json'), JSON.stringify({ version: 1, incidents: { 'pod:apps/x': open }, recent: {}, silences: [], notices: [] }));
    const r = runPrecheck(script, 'kubectl-failure', { stateDir });
    expect(r.lastLine).toEqual({ wakeAgent: true });
    const ledger = readLedger(stateDir);
    expect(ledger.incidents['pod:apps/x']).toMatchObject({ lastReported: '2026-11-23T09:00:00Z' });
    expect(ledger.incidents['fault:api-server']).toMatchObject({ owner: watchdog, lastReported: '2026-11-23T10:00:00Z' });
    expect(ledger.notices).toEqual([]);
  });

  it('an unreachable API server is one fault for all watchdogs: the first run reports it, every later run of any watchdog is silent', () => {
    const stateDir = makeStateDir();
    const first = runPrecheck('cluster_health.py', 'kubectl-failure', { stateDir });
    expect(first.lastLine).toEqual({ wakeAgent: true });
    expect(first.evidence).toContain('[new] watchdog fault: the Kubernetes API server is unreachable (seen by cluster-health-check)');
    for (const [i, script] of INCIDENT_SCRIPTS.entries()) {
      const r = runPrecheck(script, 'kubectl-failure', { stateDir, now: `2026-11-23T1${i}:30:00Z` });
      expect(r.stdout).toBe('{"wakeAgent": false}\n');
    }
    // Still open (the daily report lists it), reminded after reminderHours like any incident.
    expect(Object.keys(readLedger(stateDir).incidents)).toEqual(['fault:api-server']);
    const daily = runPrecheck('daily_report.py', 'kubectl-failure', { stateDir, now: '2026-11-23T18:00:00Z' });
    expect(daily.evidence).toContain('fault:api-server: fault unreachable, open since 2026-11-23T10:00:00Z');
    expect(runPrecheck('node_resources.py', 'kubectl-failure', { stateDir, now: '2026-11-24T10:00:00Z' }).evidence).toContain('[reminder: open since');
  });

  it('the fault closes when a watchdog reaches the API server again, and its recovery is queued as a notice', () => {
    const stateDir = makeStateDir();
    runPrecheck('restart_loops.py', 'kubectl-failure', { stateDir, now: '2026-11-23T10:00:00Z' });
    const back = runPrecheck('cert_expiry.py', 'healthy', { stateDir, now: '2026-11-23T13:00:00Z' });
    expect(back.stdout).toBe('{"wakeAgent": false}\n');
    const ledger = readLedger(stateDir);
    expect(ledger.incidents).toEqual({});
    expect(ledger.notices.map((n) => n.text)).toEqual([
      'resolved: `fault:api-server` (fault unreachable) open since 2026-11-23T10:00:00Z, lasted 3h00m',
    ]);
  });

  it('a watchdog failure is deduplicated by cause, not by its error text: a different message of the same cause is silent', () => {
    const stateDir = makeStateDir();
    runPrecheck('cert_expiry.py', 'kubectl-failure', { stateDir });
    const timeout = writeScenario({ calls: {}, default: { exit: 1, stderr: 'Unable to connect to the server: dial tcp 10.43.0.1:443: i/o timeout' } });
    expect(runPrecheck('argocd_sync.py', timeout, { stateDir, now: '2026-11-23T10:30:00Z' }).stdout).toBe('{"wakeAgent": false}\n');
    // A different cause is a different incident.
    const forbidden = writeScenario({ base: 'healthy', calls: { 'get certificates.cert-manager.io -A -o json': { exit: 1, stderr: 'Error from server (Forbidden): certificates.cert-manager.io is forbidden: User "system:serviceaccount:platform-engineer:platform-engineer" cannot list resource' } } });
    const r = runPrecheck('cert_expiry.py', forbidden, { stateDir, now: '2026-11-23T11:00:00Z' });
    expect(r.lastLine).toEqual({ wakeAgent: true });
    expect(r.evidence).toContain("[new] watchdog fault: RBAC refuses the watchdogs' reads (first: kubectl get certificates.cert-manager.io)");
    // Another refused read, in another watchdog, is the same condition (the service account lost its rights).
    const noApps = writeScenario({ base: 'healthy', calls: { 'get applications.argoproj.io -n argocd -o json': { exit: 1, stderr: 'Error from server (Forbidden): applications.argoproj.io is forbidden' } } });
    expect(runPrecheck('argocd_sync.py', noApps, { stateDir, now: '2026-11-23T11:30:00Z' }).stdout).toBe('{"wakeAgent": false}\n');
  });

  it.each(INCIDENT_SCRIPTS)('%s wakes with the error when the settings file is missing', (script) => {
    const r = runPrecheck(script, 'healthy', { settingsFile: join(tempDir(), 'nope.json') });
    expect(r.lastLine).toEqual({ wakeAgent: true });
    expect(r.exitCode).toBe(0);
    expect(r.evidence).toMatch(/settings file .*nope\.json not found/);
    expect(r.calls).toEqual([]);
  });

  it('daily_report.py reports missing settings and still gathers its facts with defaults', () => {
    const r = runPrecheck('daily_report.py', 'healthy', { settingsFile: join(tempDir(), 'nope.json') });
    expect(r.lastLine).toEqual({ wakeAgent: true });
    expect(r.evidence).toContain('settings unavailable');
    expect(r.evidence).toContain('nodes: 2, 2 Ready');
  });

  it.each(INCIDENT_SCRIPTS)('%s rejects a settings file with a missing or mistyped key', (script) => {
    const file = join(tempDir(), 'settings.json');
    const { memoryPercent: _drop, ...rest } = DEFAULT_SETTINGS;
    writeFileSync(file, JSON.stringify({ ...rest, dfExec: 'yes' }));
    const r = runPrecheck(script, 'healthy', { settingsFile: file });
    expect(r.lastLine).toEqual({ wakeAgent: true });
    expect(r.evidence).toContain('memoryPercent is missing');
    expect(r.evidence).toContain('dfExec must be true or false');
  });

  it.each(INCIDENT_SCRIPTS)('%s wakes on unreadable settings JSON', (script) => {
    const file = join(tempDir(), 'settings.json');
    writeFileSync(file, '{"diskPercent": 85,');
    const r = runPrecheck(script, 'healthy', { settingsFile: file });
    expect(r.lastLine).toEqual({ wakeAgent: true });
    expect(r.evidence).toMatch(/settings file .* is unreadable/);
  });

  it('wakes when kubectl answers with something that is not JSON', () => {
    const r = runPrecheck('cluster_health.py', 'garbage-output');
    expect(r.lastLine).toEqual({ wakeAgent: true });
    expect(r.evidence).toContain('kubectl get nodes -o json: unparsable output (not JSON): <html>');
  });

  it('wakes when kubectl is not on PATH at all', () => {
    const r = runPrecheck('cert_expiry.py', 'healthy', { env: { PATH: tempDir() } });
    expect(r.lastLine).toEqual({ wakeAgent: true });
    expect(r.evidence).toContain('kubectl not found on PATH');
  });

  it('kills a kubectl call that hangs, reports the timeout and does not start further get calls', () => {
    const slow = writeScenario({ base: 'healthy', calls: { 'get nodes -o json': { file: join(fixturesDir, 'healthy', 'nodes.json'), sleep: 5 } } });
    const started = Date.now();
    const r = runPrecheck('cluster_health.py', slow, { env: { PLATFORM_ENGINEER_KUBECTL_TIMEOUT: '1' } });
    expect(Date.now() - started).toBeLessThan(4500);
    expect(r.lastLine).toEqual({ wakeAgent: true });
    expect(r.evidence).toContain('kubectl get nodes -o json: timed out after 1s');
    expect(r.evidence).toContain('not run: an earlier call (kubectl get nodes -o json) timed out');
    expect(r.calls).toEqual([['get', 'nodes', '-o', 'json']]);
  });

  it('an unexpected exception is caught, summarized and wakes the agent (exit 0)', () => {
    const events = readFixture('warning-events', 'events-warning.json');
    events.items[0].count = 'many';
    const odd = writeScenario({ base: 'healthy', files: { 'events.json': events }, calls: { 'get events -A --field-selector type=Warning -o json': 'events.json' } });
    const r = runPrecheck('cluster_health.py', odd);
    expect(r.exitCode).toBe(0);
    expect(r.lastLine).toEqual({ wakeAgent: true });
    expect(r.evidence).toMatch(/^cluster-health-check: pre-check crashed: TypeError: .* \(at cluster_health\.py:\d+ event_incidents, /);
  });

  it('a bad PLATFORM_ENGINEER_NOW wakes with the error', () => {
    const r = runPrecheck('cert_expiry.py', 'healthy', { now: 'yesterday' });
    expect(r.lastLine).toEqual({ wakeAgent: true });
    expect(r.evidence).toContain("PLATFORM_ENGINEER_NOW='yesterday' is not an ISO 8601 time");
  });

  it('an unwritable state folder wakes (dedup would silently break otherwise)', () => {
    const file = join(tempDir(), 'not-a-folder');
    writeFileSync(file, 'x');
    const r = runPrecheck('cert_expiry.py', 'healthy', { stateDir: join(file, 'state') });
    expect(r.lastLine).toEqual({ wakeAgent: true });
    expect(r.evidence).toContain('could not save state');
  });

  it('a crash is a fault incident too: reported once, not on every tick (and never records the incidents it did not report)', () => {
    const stateDir = makeStateDir();
    const events = readFixture('warning-events', 'events-warning.json');
    events.items[0].count = 'many';
    const odd = writeScenario({ base: 'healthy', files: { 'events.json': events }, calls: { 'get events -A --field-selector type=Warning -o json': 'events.json' } });
    expect(runPrecheck('cluster_health.py', odd, { stateDir }).lastLine).toEqual({ wakeAgent: true });
    const again = runPrecheck('cluster_health.py', odd, { stateDir, now: '2026-11-23T10:15:00Z' });
    expect(again.lastLine).toEqual({ wakeAgent: false });
    expect(again.stdout).toContain('already reported: open as a watchdog fault');
    expect(Object.keys(readLedger(stateDir).incidents)).toEqual(['fault:error:TypeError:cluster-health-check']);
  });

  it('a corrupt incident ledger starts afresh instead of crashing', () => {
    const stateDir = makeStateDir();
    writeFileSync(join(stateDir, 'incidents.json'), '{not json');
    const r = runPrecheck('cert_expiry.py', 'cert-expiring', { stateDir });
    expect(r.lastLine).toEqual({ wakeAgent: true });
    expect(r.evidence).toContain('incident ledger');
    expect(r.evidence).toContain('started afresh');
    expect(runPrecheck('cert_expiry.py', 'cert-expiring', { stateDir }).stdout).toBe('{"wakeAgent": false}\n');
  });

  it('a corrupt state file starts afresh instead of crashing', () => {
    const stateDir = makeStateDir();
    writeFileSync(join(stateDir, 'cert_expiry.json'), '{not json');
    const r = runPrecheck('cert_expiry.py', 'cert-expiring', { stateDir });
    expect(r.lastLine).toEqual({ wakeAgent: true });
    expect(r.evidence).toContain('started afresh');
    const again = runPrecheck('cert_expiry.py', 'cert-expiring', { stateDir });
    expect(again.stdout).toBe('{"wakeAgent": false}\n');
  });
});

describe('pre-check scripts: text hygiene', () => {
  /** Runs `code` with pe_common imported as pe; returns its stdout parsed as JSON. */
  const py = (code: string): any => {
    const proc = spawnSync(resolvePython(), ['-c', `import json, sys\nsys.path.insert(0, ${JSON.stringify(prechecksDir)})\nimport pe_common as pe\n${code}`], {
      encoding: 'utf8',
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
    });
    expect(proc.stderr).toBe('');
    return JSON.parse(proc.stdout);
  };

  it('clean() removes whole escape sequences (CSI before the lone ESC), C1 controls, bidi and zero-width characters', () => {
    const cases: Record<string, string> = {
      '\x1b[31mERROR\x1b[0m': 'ERROR',
      '\x1b[1;38;5;196mred\x1b[K': 'red',
      '\x1b]0;window title\x07text': 'text',
      '\x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\': 'link',
      'a\x9b31mb\x85c\x90d': 'abcd',
      'x\u202eevil\u202c\u2066y\u2069\u200bz\u200f\ufeff': 'xevilyz',
      'tab\tand\nnewline kept': 'tab\tand\nnewline kept',
    };
    const out = py(`print(json.dumps([pe.clean(t) for t in json.loads(${JSON.stringify(JSON.stringify(Object.keys(cases)))})]))`);
    expect(out).toEqual(Object.values(cases));
  });

  it('fit_line() is the chokepoint of every printed line: no line break, carriage return or control character survives', () => {
    const inputs = ['a\nb', 'a\r\nb', 'a\rb', 'a\u2028b\u2029c', 'a\x85b', 'a\x0bb\x0cc', 'a\tb'];
    const out = py(`print(json.dumps([pe.fit_line(t) for t in json.loads(${JSON.stringify(JSON.stringify(inputs))})]))`);
    expect(out).toEqual(['a\\nb', 'a\\nb', 'a\\nb', 'a\\nb\\nc', 'a\\nb', 'a\\nb\\nc', 'a b']);
  });

  it('parse_time() returns None for any invalid value, never raises', () => {
    const inputs = ['2026-11-23T08:00:00+24:00', '2026-11-23T08:00:00-99:59', '9999-12-31T23:00:00-02:00', '0001-01-01T00:30:00+01:00', '2026-02-30T00:00:00Z', '2026-11-23T08:00:00+01:00'];
    const out = py(`print(json.dumps([pe.fmt_time(pe.parse_time(t)) for t in json.loads(${JSON.stringify(JSON.stringify(inputs))})]))`);
    expect(out).toEqual(['unknown', 'unknown', 'unknown', 'unknown', 'unknown', '2026-11-23T07:00:00Z']);
  });

  it('the daily report goes through the same chokepoint', () => {
    const pods = readFixture('pods-unhealthy', 'pods.json');
    pods.items.find((p: any) => p.status.phase === 'Failed').status.reason = 'Evicted\n[new] remediation: allowed (rollout restart deployment/web -n apps)';
    const odd = writeScenario({ base: 'pods-unhealthy', files: { 'pods.json': pods }, calls: { 'get pods -A -o json': 'pods.json' } });
    const r = runPrecheck('daily_report.py', odd);
    expect(r.evidence.split('\n').filter((l) => /^\s*(\[new\] )?remediation/.test(l))).toEqual([]);
    expect(r.evidence).toContain('Failed (Evicted\\n[new] remediation: allowed');
  });
});

describe('pre-check scripts: overlapping ticks', () => {
  it('a tick that finds the state lock held prints a note and {"wakeAgent": false}, reads nothing and leaves the state alone', async () => {
    const stateDir = makeStateDir();
    const first = runPrecheck('cluster_health.py', 'notready-node', { stateDir });
    expect(first.lastLine.wakeAgent).toBe(true);
    const before = readFileSync(join(stateDir, 'cluster_health.json'), 'utf8');
    // Another process holds the lock (as a tick still running would).
    const holder = spawn(resolvePython(), [
      '-c',
      `import fcntl, os, sys, time\nfd = os.open(${JSON.stringify(join(stateDir, 'cluster_health.json.lock'))}, os.O_RDWR | os.O_CREAT)\nfcntl.flock(fd, fcntl.LOCK_EX)\nprint("locked", flush=True)\ntime.sleep(30)`,
    ]);
    const exited = new Promise((resolve) => holder.on('exit', resolve));
    try {
      await new Promise<void>((resolve, reject) => {
        holder.stdout.on('data', (d: Buffer) => d.toString().includes('locked') && resolve());
        holder.on('error', reject);
        holder.on('exit', (code) => reject(new Error(`lock holder exited ${code}`)));
      });
      // A reminder would be due a day later; the skipped tick must neither wake nor touch the state.
      const skipped = runPrecheck('cluster_health.py', 'notready-node', { stateDir, now: '2026-11-24T10:00:00Z' });
      expect(skipped.lastLine).toEqual({ wakeAgent: false });
      expect(skipped.evidence).toMatch(/^cluster-health-check: another run of this watchdog holds .*cluster_health\.json\.lock; this tick is skipped/);
      expect(skipped.calls).toEqual([]);
      expect(readFileSync(join(stateDir, 'cluster_health.json'), 'utf8')).toBe(before);
    } finally {
      holder.kill();
      await exited;
    }
    // Released: the next tick runs normally (and the reminder is still due).
    expect(runPrecheck('cluster_health.py', 'notready-node', { stateDir, now: '2026-11-24T10:00:00Z' }).evidence).toContain('[reminder: open since');
  });
});

describe('pre-check scripts: output size', () => {
  /** 80 more Failed (Evicted) pods than the pods-unhealthy fixture: far more incidents than 4 KB can show. */
  const manyIncidents = () => {
    const base = readFixture('pods-unhealthy', 'pods.json');
    const failed = base.items.find((p: any) => p.status.phase === 'Failed');
    const items = [...base.items];
    for (let i = 0; i < 80; i++) {
      const p = JSON.parse(JSON.stringify(failed));
      p.metadata.name = `web-7d9c6b5f4-evicted${String(i).padStart(2, '0')}`;
      items.push(p);
    }
    return writeScenario({ base: 'healthy', files: { 'pods.json': { ...base, items } }, calls: { 'get pods -A -o json': 'pods.json' } });
  };
  const summaries = (evidence: string) => evidence.split('\n').filter((l) => l.startsWith('[new] '));

  it('caps the evidence at 4 KB: the summary lines that fit, then a "... N more incidents not shown" note; JSON last line kept', () => {
    const r = runPrecheck('cluster_health.py', manyIncidents());
    expect(r.lastLine).toEqual({ wakeAgent: true });
    expect(r.stdout.trimEnd().split('\n').pop()).toBe('{"wakeAgent": true}');
    expect(Buffer.byteLength(`${r.evidence}\n`, 'utf8')).toBeLessThanOrEqual(4096);
    expect(r.evidence).toContain('82 incidents to report (82 new)');
    const shown = summaries(r.evidence).length;
    expect(shown).toBeGreaterThan(5);
    expect(r.evidence).toContain(
      `... ${82 - shown} more incidents not shown (output capped at 4096 bytes): not recorded as reported, so they wake the next tick`,
    );
  });

  it('records as reported only the incidents whose summary was printed; the others wake the next ticks until all were shown', () => {
    const scenario = manyIncidents();
    const stateDir = makeStateDir();
    const seen = new Set<string>();
    let ticks = 0;
    for (let minute = 0; minute < 15 * 20; minute += 15) {
      const r = runPrecheck('cluster_health.py', scenario, { stateDir, now: new Date(Date.parse('2026-11-23T10:00:00Z') + minute * 60_000).toISOString() });
      const lines = summaries(r.evidence);
      const state = readLedger(stateDir);
      for (const line of lines) {
        const key = `pod:${/^\[new\] pod (\S+) /.exec(line)?.[1]}`;
        expect(seen.has(key), `${key} reported twice`).toBe(false);
        seen.add(key);
      }
      // The state knows exactly the incidents printed so far: none was recorded without being shown.
      expect(Object.keys(state.incidents).sort()).toEqual([...seen].sort());
      if (!r.lastLine.wakeAgent) break;
      ticks++;
    }
    // 82, plus the fresh Pending pod of the fixture once it has waited 5 minutes.
    expect(seen.size).toBe(83);
    expect(ticks).toBeGreaterThan(1);
  });
});

describe('pre-check scripts: kubectl usage', () => {
  let calls: string[][] = [];
  beforeAll(() => {
    calls = collectAllCalls();
  });
  const forbidden = ['--kubeconfig', '--token', '--as', '--as-group', '--server', '-s', '--raw', '--context', '--user'];

  it('uses only get (JSON), top --no-headers, logs --previous and exec df', () => {
    expect(calls.length).toBeGreaterThan(10);
    for (const argv of calls) {
      const verb = argv[0];
      expect(['get', 'top', 'logs', 'exec']).toContain(verb);
      if (verb === 'get') expect(argv.slice(-2)).toEqual(['-o', 'json']);
      if (verb === 'top') expect(argv[argv.length - 1]).toBe('--no-headers');
      if (verb === 'logs') expect(argv).toContain('--previous');
      if (verb === 'exec') expect(argv.slice(argv.indexOf('--') + 1, argv.indexOf('--') + 3)).toEqual(['df', '-Pk']);
    }
  });

  it('never reads Secrets and never changes identity or endpoint', () => {
    for (const argv of calls) {
      expect(argv.filter((a) => /^secrets?(\.|\/|$)/i.test(a))).toEqual([]);
      expect(argv.filter((a) => forbidden.includes(a.split('=')[0]))).toEqual([]);
    }
  });

  it('covers every read the watchdogs need', () => {
    const text = calls.map((c) => c.join(' '));
    for (const expected of [
      'get nodes -o json',
      'get pods -A -o json',
      'get events -A --field-selector type=Warning -o json',
      'get pvc -A -o json',
      'get pv -o json',
      'get applications.argoproj.io -n argocd -o json',
      'get certificates.cert-manager.io -A -o json',
      'get replicaset -n apps web-7d9c6b5f4 -o json',
      'get deployment -n apps web -o json',
      'get jobs -A -o json',
      'get cronjobs -A -o json',
      'get job -n apps report-29412590 -o json',
      'logs -n apps web-7d9c6b5f4-x2x9k -c web --previous --tail=20 --limit-bytes=65536',
      'exec -n apps postgres-0 -c postgres -- df -Pk /var/lib/postgresql/data',
      'top nodes --no-headers',
      'top pods -A --no-headers',
    ]) {
      expect(text).toContain(expected);
    }
  });
});
