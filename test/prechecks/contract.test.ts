/**
 * The contract every pre-check script keeps with the Hermes scheduler: the last line is the wake gate,
 * a healthy cluster prints nothing else, failures wake, exit code 0, stdlib only, read-only kubectl.
 */
import { spawnSync } from 'node:child_process';
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
} from './harness';

const INCIDENT_SCRIPTS = SCRIPTS.filter((s) => s !== 'daily_report.py');

afterAll(cleanupTemp);

describe('pre-check scripts: files', () => {
  it.each([...SCRIPTS, 'pe_common.py'])('%s is executable and starts with the python3 shebang', (script) => {
    const file = join(prechecksDir, script);
    expect(readFileSync(file, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env python3');
    expect(statSync(file).mode & 0o111).not.toBe(0);
  });

  it('imports nothing but the standard library and pe_common', () => {
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
      '            if top not in sys.stdlib_module_names and top != "pe_common":',
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
    const files = readdirSync(stateDir);
    expect(files).toEqual([script.replace('.py', '.json')]);
    const state = JSON.parse(readFileSync(join(stateDir, files[0]), 'utf8'));
    expect(state).toMatchObject({ version: 1, incidents: {} });
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

  it.each(INCIDENT_SCRIPTS)('%s does not save state when kubectl fails (open incidents stay open)', (script) => {
    const stateDir = makeStateDir();
    runPrecheck(script, 'kubectl-failure', { stateDir });
    expect(readdirSync(stateDir)).toEqual([]);
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

describe('pre-check scripts: output size', () => {
  it('caps the evidence at 4 KB with a "... N more" note and keeps the JSON last line', () => {
    const base = readFixture('pods-unhealthy', 'pods.json');
    const failed = base.items.find((p: any) => p.status.phase === 'Failed');
    const items = [...base.items];
    for (let i = 0; i < 80; i++) {
      const p = JSON.parse(JSON.stringify(failed));
      p.metadata.name = `web-7d9c6b5f4-evicted${String(i).padStart(2, '0')}`;
      items.push(p);
    }
    const many = writeScenario({ base: 'healthy', files: { 'pods.json': { ...base, items } }, calls: { 'get pods -A -o json': 'pods.json' } });
    const r = runPrecheck('cluster_health.py', many);
    expect(r.lastLine).toEqual({ wakeAgent: true });
    expect(r.stdout.trimEnd().split('\n').pop()).toBe('{"wakeAgent": true}');
    expect(Buffer.byteLength(`${r.evidence}\n`, 'utf8')).toBeLessThanOrEqual(4096);
    expect(r.evidence).toMatch(/\n\.\.\. \d+ more lines \(output capped at 4096 bytes; confirm with kubectl\)$/);
    expect(r.evidence).toContain('82 incidents to report (82 new)');
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
      'logs -n apps web-7d9c6b5f4-x2x9k -c web --previous --tail=20',
      'exec -n apps postgres-0 -c postgres -- df -Pk /var/lib/postgresql/data',
      'top nodes --no-headers',
      'top pods -A --no-headers',
    ]) {
      expect(text).toContain(expected);
    }
  });
});
