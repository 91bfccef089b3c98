/**
 * The shared incident ledger (pe_ledger.py): one condition, one message across watchdogs and ticks; silences
 * from Discord (silence.py) and from git (maintenance windows); recoveries delivered by notices.py.
 */
import { spawn, spawnSync } from 'node:child_process';
import { delimiter, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  cleanupTemp,
  fakeBinDir,
  makeStateDir,
  prechecksDir,
  readFixture,
  readLedger,
  resolvePython,
  runPrecheck,
  scenarioDir,
  writeScenario,
  writeSettings,
} from './harness';

afterAll(cleanupTemp);

/** Runs silence.py or notices.py on a state folder. */
function tool(script: string, args: string[], stateDir: string, now = '2026-11-23T10:00:00Z') {
  const r = spawnSync(resolvePython(), [join(prechecksDir, script), ...args], {
    cwd: prechecksDir,
    encoding: 'utf8',
    env: { ...process.env, PLATFORM_ENGINEER_STATE_DIR: stateDir, PLATFORM_ENGINEER_NOW: now, PLATFORM_ENGINEER_SETTINGS: writeSettings() },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('one condition, one message across watchdogs', () => {
  it('a NotReady node seen by cluster-health-check and node-resource-drift wakes the agent once', () => {
    const stateDir = makeStateDir();
    expect(runPrecheck('node_resources.py', 'notready-node', { stateDir }).lastLine.wakeAgent).toBe(true);
    const other = runPrecheck('cluster_health.py', 'notready-node', { stateDir, now: '2026-11-23T10:15:00Z' });
    expect(other.stdout).toBe('{"wakeAgent": false}\n');
    expect(readLedger(stateDir).incidents['node:pi-worker-1:NotReady']).toMatchObject({
      owner: 'node-resource-drift',
      watchers: { 'node-resource-drift': '2026-11-23T10:00:00Z', 'cluster-health-check': '2026-11-23T10:15:00Z' },
    });
  });

  it('two watchdogs that tick at the same moment: exactly one of them reports the shared incident', async () => {
    for (let round = 0; round < 3; round++) {
      const stateDir = makeStateDir();
      const settings = writeSettings();
      const run = (script: string) =>
        new Promise<string>((resolve, reject) => {
          const child = spawn(resolvePython(), [join(prechecksDir, script)], {
            cwd: prechecksDir,
            env: {
              ...process.env,
              PATH: `${fakeBinDir()}${delimiter}${process.env.PATH ?? ''}`,
              PLATFORM_ENGINEER_STATE_DIR: stateDir,
              PLATFORM_ENGINEER_SETTINGS: settings,
              PLATFORM_ENGINEER_NOW: '2026-11-23T10:00:00Z',
              FAKE_KUBECTL_SCENARIO: scenarioDir('kubectl-failure'),
            },
          });
          let out = '';
          child.stdout.on('data', (d: Buffer) => (out += d.toString()));
          child.on('error', reject);
          child.on('close', () => resolve(out));
        });
      const outs = await Promise.all(['cluster_health.py', 'restart_loops.py', 'pvc_pressure.py', 'cert_expiry.py'].map(run));
      expect(outs.filter((o) => o.trimEnd().endsWith('{"wakeAgent": true}'))).toHaveLength(1);
      expect(Object.keys(readLedger(stateDir).incidents)).toEqual(['fault:api-server']);
    }
  });
});

describe('an ArgoCD Application degraded by a crash-looping Deployment is the same condition', () => {
  it('whichever watchdog reports first owns it; the other stays silent while it is open', () => {
    const both = writeScenario({ base: 'crashloop', calls: { 'get applications.argoproj.io -n argocd -o json': { file: join(scenarioDir('argocd-degraded'), 'applications.json') } } });
    const stateDir = makeStateDir();
    expect(runPrecheck('restart_loops.py', both, { stateDir }).lastLine.wakeAgent).toBe(true);
    const argo = runPrecheck('argocd_sync.py', both, { stateDir });
    // homelab (Degraded because of deployment apps/web) is held; platform-engineer (OutOfSync only) is news.
    expect(argo.evidence).not.toContain('[new] application homelab');
    expect(readLedger(stateDir).incidents['argocd:homelab'].held).toBe('part of restart:apps/Deployment/web');
    const other = makeStateDir();
    expect(runPrecheck('argocd_sync.py', both, { stateDir: other }).lastLine.wakeAgent).toBe(true);
    expect(runPrecheck('restart_loops.py', both, { stateDir: other }).stdout).toBe('{"wakeAgent": false}\n');
  });
});

describe('recoveries are announced without the agent (notices.py)', () => {
  it('delivers each queued "resolved" line once; an empty queue is a silent tick (empty output)', () => {
    const stateDir = makeStateDir();
    runPrecheck('cluster_health.py', 'notready-node', { stateDir });
    expect(tool('notices.py', [], stateDir).stdout).toBe('');
    runPrecheck('cluster_health.py', 'healthy', { stateDir, now: '2026-11-23T13:15:00Z' });
    // Settling for 10 minutes first (it might come back).
    expect(tool('notices.py', [], stateDir, '2026-11-23T13:20:00Z').stdout).toBe('');
    const out = tool('notices.py', [], stateDir, '2026-11-23T13:25:00Z');
    expect(out.stdout).toBe(
      'Platform engineer: 1 notice\n- resolved: `node:pi-worker-1:NotReady` (Ready=Unknown reason=NodeStatusUnknown) open since 2026-11-23T10:00:00Z, lasted 3h15m\n',
    );
    expect(tool('notices.py', [], stateDir, '2026-11-23T13:35:00Z').stdout).toBe('');
    // Back after its recovery was announced: news again.
    expect(runPrecheck('cluster_health.py', 'notready-node', { stateDir, now: '2026-11-23T13:45:00Z' }).lastLine.wakeAgent).toBe(true);
  });

  it('an incident that comes back while its "resolved" notice settles is the same incident: no wake, no notice', () => {
    const stateDir = makeStateDir();
    runPrecheck('cluster_health.py', 'notready-node', { stateDir });
    runPrecheck('cluster_health.py', 'healthy', { stateDir, now: '2026-11-23T10:15:00Z' });
    expect(readLedger(stateDir).notices).toHaveLength(1);
    const back = runPrecheck('node_resources.py', 'notready-node', { stateDir, now: '2026-11-23T10:20:00Z' });
    expect(back.stdout).toBe('{"wakeAgent": false}\n');
    expect(readLedger(stateDir).notices).toEqual([]);
    expect(readLedger(stateDir).incidents['node:pi-worker-1:NotReady']).toMatchObject({ firstSeen: '2026-11-23T10:00:00Z', lastReported: '2026-11-23T10:00:00Z' });
    expect(tool('notices.py', [], stateDir, '2026-11-23T10:40:00Z').stdout).toBe('');
  });

  it('a crash of a watchdog that saw the incident does not close it (no false "resolved")', () => {
    const stateDir = makeStateDir();
    runPrecheck('cluster_health.py', 'notready-node', { stateDir });
    runPrecheck('cluster_health.py', 'kubectl-failure', { stateDir, now: '2026-11-23T10:15:00Z' });
    expect(Object.keys(readLedger(stateDir).incidents).sort()).toEqual(['fault:api-server', 'node:pi-worker-1:NotReady']);
    expect(readLedger(stateDir).notices).toEqual([]);
  });
});

describe('silences from Discord (silence.py)', () => {
  it('validates every argument and never repeats the value it refuses', () => {
    const stateDir = makeStateDir();
    const bad: Array<[string[], RegExp]> = [
      [['add', '--object', 'deployment/apps/web', '--for', '8d', '--by', 'roger'], /--for must be at most 7d/],
      [['add', '--object', 'deployment/apps/web', '--for', 'forever', '--by', 'roger'], /--for must be a number followed by m, h or d/],
      [['add', '--object', 'deployment/apps/web$(id)', '--for', '1h', '--by', 'roger'], /--object must be KIND\/NAMESPACE\/NAME/],
      [['add', '--namespace', 'Apps_1', '--for', '1h', '--by', 'roger'], /--namespace must be a namespace name/],
      [['add', '--watchdog', 'daily-cluster-report', '--for', '1h', '--by', 'roger'], /--watchdog must be one of/],
      [['add', '--incident', 'fault:api-server', '--for', '1h', '--by', 'roger'], /a watchdog fault cannot be silenced/],
      [['add', '--incident', 'pod:apps/x', '--namespace', 'apps', '--for', '1h', '--by', 'roger'], /exactly one of/],
      [['add', '--incident', 'pod:apps/x', '--for', '1h', '--by', 'rm -rf /;'], /--by must name who asked/],
      [['lift', 's1; rm'], /ID must be a silence id/],
    ];
    for (const [args, message] of bad) {
      const r = tool('silence.py', args, stateDir);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
      for (const value of ['8d', 'forever', '$(id)', 'Apps_1', 'rm -rf', 's1; rm']) if (args.some((a) => a.includes(value))) expect(r.stderr).not.toContain(value);
    }
    expect(readLedger(stateDir).silences).toEqual([]);
  });

  it('records who asked and until when; list shows it; lift removes it', () => {
    const stateDir = makeStateDir();
    const add = tool('silence.py', ['add', '--object', 'Deployment/apps/web', '--for', '4h', '--by', 'roger', '--reason', 'db migration'], stateDir);
    expect(add.status).toBe(0);
    expect(add.stdout).toBe('silenced: s1 object=deployment/apps/web until 2026-11-23T14:00:00Z (by roger; db migration)\n');
    expect(readLedger(stateDir).silences).toEqual([
      { id: 's1', target: { type: 'object', value: 'deployment/apps/web' }, until: '2026-11-23T14:00:00Z', by: 'roger', created: '2026-11-23T10:00:00Z', reason: 'db migration' },
    ]);
    expect(tool('silence.py', ['list'], stateDir).stdout).toContain('- s1 object=deployment/apps/web until 2026-11-23T14:00:00Z (by roger; db migration)');
    expect(tool('silence.py', ['list'], stateDir, '2026-11-23T14:00:00Z').stdout).toBe('active silences: 0\n');
    expect(tool('silence.py', ['lift', 's1', '--by', 'roger'], stateDir).stdout).toBe('lifted silence s1\n');
    expect(readLedger(stateDir).silences).toEqual([]);
  });

  it('a silenced incident does not wake; the silence expires and the incident, still open, wakes then', () => {
    const stateDir = makeStateDir();
    tool('silence.py', ['add', '--object', 'deployment/apps/web', '--for', '1h', '--by', 'roger'], stateDir, '2026-11-23T09:55:00Z');
    const r = runPrecheck('restart_loops.py', 'crashloop', { stateDir });
    expect(r.stdout).toBe('{"wakeAgent": false}\n');
    expect(readLedger(stateDir).incidents['restart:apps/Deployment/web'].held).toBe('silence s1 until 2026-11-23T10:55:00Z');
    expect(runPrecheck('restart_loops.py', 'crashloop', { stateDir, now: '2026-11-23T10:50:00Z' }).lastLine.wakeAgent).toBe(false);
    const after = runPrecheck('restart_loops.py', 'crashloop', { stateDir, now: '2026-11-23T11:00:00Z' });
    expect(after.lastLine.wakeAgent).toBe(true);
    expect(after.evidence).toContain('[new, held until now: silence s1 until 2026-11-23T10:55:00Z] deployment apps/web');
  });

  it('an incident silence holds that incident as it is: a change on the same key, or another incident on the object, wakes', () => {
    const stateDir = makeStateDir();
    runPrecheck('cluster_health.py', 'notready-node', { stateDir });
    tool('silence.py', ['add', '--incident', 'node:pi-worker-1:NotReady', '--for', '2d', '--by', 'roger'], stateDir);
    expect(runPrecheck('cluster_health.py', 'notready-node', { stateDir, now: '2026-11-24T10:00:00Z' }).stdout).toBe('{"wakeAgent": false}\n');
    const nodes = readFixture('notready-node', 'nodes.json');
    const ready = nodes.items[1].status.conditions.find((c: any) => c.type === 'Ready');
    Object.assign(ready, { status: 'False', reason: 'KubeletNotReady' });
    const changed = writeScenario({ base: 'notready-node', files: { 'nodes.json': nodes }, calls: { 'get nodes -o json': 'nodes.json' } });
    const r = runPrecheck('cluster_health.py', changed, { stateDir, now: '2026-11-24T10:15:00Z' });
    expect(r.lastLine.wakeAgent).toBe(true);
    expect(r.evidence).toContain('[changed, was: Ready=Unknown reason=NodeStatusUnknown] node pi-worker-1 NotReady');
  });

  it('a silence never hides a watchdog fault', () => {
    const stateDir = makeStateDir();
    tool('silence.py', ['add', '--watchdog', 'cert-expiry', '--for', '7d', '--by', 'roger'], stateDir);
    const r = runPrecheck('cert_expiry.py', 'kubectl-failure', { stateDir });
    expect(r.lastLine.wakeAgent).toBe(true);
    expect(r.evidence).toContain('[new] watchdog fault: the Kubernetes API server is unreachable');
    // ...while it does hold what that watchdog reports about the cluster.
    expect(runPrecheck('cert_expiry.py', 'cert-expiring', { stateDir, now: '2026-11-23T11:00:00Z' }).stdout).toBe('{"wakeAgent": false}\n');
  });

  it('the daily report lists open incidents (faults first) and active silences', () => {
    const stateDir = makeStateDir();
    runPrecheck('node_resources.py', 'metrics-unavailable', { stateDir });
    tool('silence.py', ['add', '--namespace', 'apps', '--for', '3h', '--by', 'roger', '--reason', 'upgrading'], stateDir);
    const r = runPrecheck('daily_report.py', 'metrics-unavailable', { stateDir, now: '2026-11-23T11:00:00Z' });
    expect(r.evidence).toContain('open incidents: 1 (1 watchdog faults)\n  fault:metrics-api: fault unavailable, open since 2026-11-23T10:00:00Z (1h00m ago), reported by node-resource-drift');
    expect(r.evidence).toContain('active silences: 1\n  s1: namespace apps until 2026-11-23T13:00:00Z, by roger; upgrading');
  });
});

describe('maintenance windows (site.yaml, via settings.json)', () => {
  const window = { name: 'pi-reboots', schedule: '0 3 * * 0', durationMinutes: 30, scope: { nodes: ['pi-worker-1'] } };

  it('hold the incidents in scope while open (2026-11-22 is a Sunday); still open after the window: reported', () => {
    const stateDir = makeStateDir();
    const settings = { maintenanceWindows: [window] } as never;
    expect(runPrecheck('cluster_health.py', 'notready-node', { stateDir, settings, now: '2026-11-22T03:10:00Z' }).stdout).toBe('{"wakeAgent": false}\n');
    expect(readLedger(stateDir).incidents['node:pi-worker-1:NotReady'].held).toBe('maintenance window pi-reboots until 2026-11-22T03:30:00Z');
    const after = runPrecheck('cluster_health.py', 'notready-node', { stateDir, settings, now: '2026-11-22T03:30:00Z' });
    expect(after.lastLine.wakeAgent).toBe(true);
    // Not on a Monday, and never a fault.
    expect(runPrecheck('cluster_health.py', 'notready-node', { settings, now: '2026-11-23T03:10:00Z' }).lastLine.wakeAgent).toBe(true);
    expect(runPrecheck('cluster_health.py', 'kubectl-failure', { settings, now: '2026-11-22T03:10:00Z' }).lastLine.wakeAgent).toBe(true);
  });

  it('are read in the configured time zone', () => {
    const settings = { maintenanceWindows: [window], timezone: 'Europe/Madrid' } as never;
    // 03:10 in Madrid on Sunday 22 November is 02:10 UTC.
    expect(runPrecheck('cluster_health.py', 'notready-node', { settings, now: '2026-11-22T02:10:00Z' }).stdout).toBe('{"wakeAgent": false}\n');
    expect(runPrecheck('cluster_health.py', 'notready-node', { settings, now: '2026-11-22T03:10:00Z' }).lastLine.wakeAgent).toBe(true);
  });

  it('an invalid window in settings.json is a settings fault, named by field', () => {
    const r = runPrecheck('cluster_health.py', 'healthy', { settings: { maintenanceWindows: [{ ...window, schedule: '0 3 * * sun', durationMinutes: 0 }] } as never });
    expect(r.lastLine.wakeAgent).toBe(true);
    expect(r.evidence).toContain('maintenanceWindows[0].schedule: field');
    expect(r.evidence).toContain('maintenanceWindows[0].durationMinutes must be a whole number from 1 to 1440');
  });
});

describe('fault causes', () => {
  it('a 503 from the metrics API is the metrics API, not the API server; an unknown time zone is a settings fault', () => {
    const unavailable = writeScenario({
      base: 'healthy',
      calls: { 'top nodes --no-headers': { exit: 1, stderr: 'Error from server (ServiceUnavailable): the server is currently unable to handle the request (get nodes.metrics.k8s.io)' } },
    });
    const stateDir = makeStateDir();
    runPrecheck('node_resources.py', unavailable, { stateDir });
    expect(Object.keys(readLedger(stateDir).incidents)).toEqual(['fault:metrics-api']);
    const r = runPrecheck('cluster_health.py', 'healthy', { settings: { timezone: 'Mars/Olympus_Mons' } as never });
    expect(r.lastLine.wakeAgent).toBe(true);
    expect(r.evidence).toContain("is not in this container's time zone database");
    expect(Object.keys(readLedger(r.stateDir).incidents)).toEqual(['fault:settings']);
  });
});
