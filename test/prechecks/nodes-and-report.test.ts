/** node_resources.py (sustained samples, NotReady, metrics API) and daily_report.py (always wakes, partial failures). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupTemp, makeStateDir, runPrecheck, writeScenario, readLedger,
} from './harness';

const halfHour = (i: number) => new Date(Date.parse('2026-11-23T10:00:00Z') + i * 30 * 60_000).toISOString().replace('.000Z', 'Z');

afterAll(cleanupTemp);

describe('node_resources.py', () => {
  const SCRIPT = 'node_resources.py';

  it('reads top nodes --no-headers and get nodes', () => {
    const r = runPrecheck(SCRIPT, 'healthy');
    expect(r.calls).toEqual([
      ['top', 'nodes', '--no-headers'],
      ['get', 'nodes', '-o', 'json'],
    ]);
    expect(r.stdout).toBe('{"wakeAgent": false}\n');
  });

  it('one memory spike is silent', () => {
    const stateDir = makeStateDir();
    for (const [i, scenario] of (['healthy', 'node-memory-high', 'healthy', 'healthy'] as const).entries()) {
      expect(runPrecheck(SCRIPT, scenario, { stateDir, now: halfHour(i) }).stdout).toBe('{"wakeAgent": false}\n');
    }
  });

  it('memory over 90% for three consecutive ticks wakes once, with the samples', () => {
    const stateDir = makeStateDir();
    const seq = ['healthy', 'node-memory-high', 'node-memory-high', 'node-memory-high', 'node-memory-high'];
    const wakes = seq.map((scenario, i) => runPrecheck(SCRIPT, scenario, { stateDir, now: halfHour(i) }));
    expect(wakes.map((r) => r.lastLine.wakeAgent)).toEqual([false, false, false, true, false]);
    expect(wakes[3].evidence).toContain(
      '[new] node roger-nucbox-evo-x2 memory 93% (>= 90%) for 3 consecutive samples: 93%, 93%, 93% since 2026-11-23T10:30:00Z (1h00m ago); now CPU 2310m (14%), memory 29480Mi (93%)',
    );
    const state = JSON.parse(readFileSync(join(stateDir, 'node_resources.json'), 'utf8'));
    expect(state.samples['roger-nucbox-evo-x2']).toHaveLength(3);
    expect(Object.keys(readLedger(stateDir).incidents)).toEqual(['node-memory:roger-nucbox-evo-x2']);
  });

  it('two high, one normal, two high: never three consecutive, never wakes', () => {
    const stateDir = makeStateDir();
    const seq = ['node-memory-high', 'node-memory-high', 'healthy', 'node-memory-high', 'node-memory-high'];
    expect(seq.map((s, i) => runPrecheck(SCRIPT, s, { stateDir, now: halfHour(i) }).lastLine.wakeAgent)).toEqual([false, false, false, false, false]);
  });

  it('samples more than 90 minutes apart are not consecutive', () => {
    const stateDir = makeStateDir();
    expect(runPrecheck(SCRIPT, 'node-memory-high', { stateDir, now: halfHour(0) }).lastLine.wakeAgent).toBe(false);
    expect(runPrecheck(SCRIPT, 'node-memory-high', { stateDir, now: halfHour(1) }).lastLine.wakeAgent).toBe(false);
    expect(runPrecheck(SCRIPT, 'node-memory-high', { stateDir, now: halfHour(6) }).lastLine.wakeAgent).toBe(false);
  });

  it('sustainedTicks and memoryPercent come from the settings', () => {
    expect(runPrecheck(SCRIPT, 'node-memory-high', { settings: { sustainedTicks: 1 } }).lastLine.wakeAgent).toBe(true);
    expect(runPrecheck(SCRIPT, 'healthy', { settings: { sustainedTicks: 1, memoryPercent: 35 } }).evidence).toContain(
      'node roger-nucbox-evo-x2 memory 38% (>= 35%) for 1 consecutive sample',
    );
    expect(runPrecheck(SCRIPT, 'healthy', { settings: { sustainedTicks: 1, cpuPercent: 7 } }).evidence).toContain('node pi-worker-1 CPU 7% (>= 7%)');
  });

  it('a NotReady node wakes at once; its <unknown> metrics are not a parse error', () => {
    const r = runPrecheck(SCRIPT, 'notready-node');
    expect(r.lastLine.wakeAgent).toBe(true);
    expect(r.evidence).toContain('[new] node pi-worker-1 NotReady (Ready=Unknown, NodeStatusUnknown) since 2026-11-23T09:41:07Z (18m ago)');
    expect(r.evidence).not.toContain('ERROR');
  });

  it('metrics API unavailable wakes once with the error, then stays open as a watchdog fault (never a quiet watchdog)', () => {
    const stateDir = makeStateDir();
    const r = runPrecheck(SCRIPT, 'metrics-unavailable', { stateDir, now: halfHour(0) });
    expect(r.lastLine.wakeAgent).toBe(true);
    expect(r.evidence).toContain('ERROR kubectl top nodes --no-headers: exit 1: error: Metrics API not available (metrics-server is missing or not ready');
    expect(r.evidence).toContain('[new] watchdog fault: the metrics API (metrics-server) is not available');
    const next = runPrecheck(SCRIPT, 'metrics-unavailable', { stateDir, now: halfHour(1) });
    expect(next.stdout).toBe('{"wakeAgent": false}\n');
    expect(readLedger(stateDir).incidents['fault:metrics-api']).toMatchObject({ owner: 'node-resource-drift', firstSeen: halfHour(0) });
    // Back: closed, and its recovery is queued for the notices job.
    runPrecheck(SCRIPT, 'healthy', { stateDir, now: halfHour(2) });
    expect(readLedger(stateDir).incidents).toEqual({});
    expect(readLedger(stateDir).notices.map((n) => n.text)).toEqual([`resolved: \`fault:metrics-api\` (fault unavailable) open since ${halfHour(0)}, lasted 1h00m`]);
  });

  it('unparsable top output wakes', () => {
    const odd = writeScenario({ base: 'healthy', calls: { 'top nodes --no-headers': { stdout: 'roger-nucbox-evo-x2 lots\n' } } });
    const r = runPrecheck(SCRIPT, odd);
    expect(r.lastLine.wakeAgent).toBe(true);
    expect(r.evidence).toContain('kubectl top nodes --no-headers: unparsable output: unexpected line');
  });
});

describe('daily_report.py', () => {
  const SCRIPT = 'daily_report.py';

  it('always wakes with nodes, top 5 pods by CPU and memory, pods not running, ArgoCD and certificate counts', () => {
    const r = runPrecheck(SCRIPT, 'healthy');
    expect(r.lastLine).toEqual({ wakeAgent: true });
    expect(r.evidence.split('\n')).toEqual([
      'daily-cluster-report facts at 2026-11-23T10:00:00Z:',
      'nodes: 2, 2 Ready',
      '  roger-nucbox-evo-x2: Ready, control-plane,master, v1.31.4+k3s1',
      '  pi-worker-1: Ready, worker, v1.31.4+k3s1',
      'top 5 pods by CPU: platform-engineer/hermes-0 122m, apps/postgres-0 57m, apps/web-7d9c6b5f4-x2x9k 38m, kube-system/metrics-server-54fd9b65b-lq4vz 9m, argocd/argocd-server-7c9d8b7f4-2bq8s 4m',
      'top 5 pods by memory: platform-engineer/hermes-0 734Mi, apps/postgres-0 412Mi, apps/web-7d9c6b5f4-x2x9k 144Mi, argocd/argocd-server-7c9d8b7f4-2bq8s 61Mi, kube-system/metrics-server-54fd9b65b-lq4vz 28Mi',
      'pods: 7 in total, 0 not Running/Succeeded, 0 container restarts (all time)',
      'argocd applications: 2, 0 OutOfSync, 0 Degraded',
      'certificates: 1, 0 expiring within 21 days, 0 not Ready',
      'open incidents: 0 (0 watchdog faults)',
      'active silences: 0',
    ]);
    expect(r.calls.map((c) => c.join(' '))).toEqual([
      'get nodes -o json',
      'top pods -A --no-headers',
      'get pods -A -o json',
      'get applications.argoproj.io -n argocd -o json',
      'get certificates.cert-manager.io -A -o json',
    ]);
  });

  it('counts what is wrong', () => {
    expect(runPrecheck(SCRIPT, 'argocd-degraded').evidence).toContain('argocd applications: 4, 1 OutOfSync, 1 Degraded\n  OutOfSync: platform-engineer\n  Degraded: homelab');
    expect(runPrecheck(SCRIPT, 'cert-expiring').evidence).toContain(
      'certificates: 3, 1 expiring within 21 days, 1 not Ready\n  expiring: platform-engineer/hermes-tls in 10.0 days (2026-12-03T10:00:00Z)\n  not Ready: apps/web-tls (DoesNotExist)',
    );
    expect(runPrecheck(SCRIPT, 'pods-unhealthy').evidence).toContain('pods: 10 in total, 3 not Running/Succeeded');
    expect(runPrecheck(SCRIPT, 'notready-node').evidence).toContain('nodes: 2, 1 Ready\n  roger-nucbox-evo-x2: Ready, control-plane,master, v1.31.4+k3s1\n  pi-worker-1: NotReady (Ready=Unknown NodeStatusUnknown)');
    expect(runPrecheck(SCRIPT, 'storage-trouble').evidence).toContain('pi-worker-1: Ready, worker, v1.31.4+k3s1, DiskPressure');
  });

  it('tolerates partial failures: a failed section says "unavailable: <error>"', () => {
    const r = runPrecheck(SCRIPT, 'metrics-unavailable');
    expect(r.lastLine).toEqual({ wakeAgent: true });
    expect(r.evidence).toContain('top pods: unavailable: kubectl top pods -A --no-headers: exit 1: error: Metrics API not available');
    expect(r.evidence).toContain('nodes: 2, 2 Ready');
    expect(runPrecheck(SCRIPT, 'argocd-missing-crd').evidence).toContain(
      'argocd applications: unavailable: kubectl get applications.argoproj.io -n argocd -o json: exit 1: error: the server doesn\'t have a resource type "applications"',
    );
  });

  it('keeps no state', () => {
    const stateDir = makeStateDir();
    runPrecheck(SCRIPT, 'healthy', { stateDir });
    expect(runPrecheck(SCRIPT, 'healthy', { stateDir }).lastLine.wakeAgent).toBe(true);
  });
});
