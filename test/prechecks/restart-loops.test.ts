/** restart_loops.py: CrashLoopBackOff / ImagePullBackOff per workload, remediation eligibility, log excerpt. */
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupTemp, makeStateDir, readFixture, runPrecheck, writeScenario } from './harness';

const SCRIPT = 'restart_loops.py';
const at = (iso: string) => ({ now: iso });
const text = (calls: string[][]) => calls.map((c) => c.join(' '));

/** The crashloop pod list with the web pod's container status changed by `edit`. */
function crashloopVariant(edit: (pod: any) => void): string {
  const pods = readFixture('crashloop', 'pods.json');
  edit(pods.items.find((p: any) => p.metadata.name === 'web-7d9c6b5f4-x2x9k'));
  return writeScenario({ base: 'crashloop', files: { 'pods.json': pods }, calls: { 'get pods -A -o json': 'pods.json' } });
}

afterAll(cleanupTemp);

describe('restart_loops.py', () => {
  it('reports a deployment-owned pod in CrashLoopBackOff with owner, restarts, last exit, log excerpt and "remediation: allowed"', () => {
    const r = runPrecheck(SCRIPT, 'crashloop');
    expect(r.lastLine.wakeAgent).toBe(true);
    const e = r.evidence;
    expect(e).toContain('[new] deployment apps/web: CrashLoopBackOff in web (1 pod)');
    expect(e).toContain('owner: Deployment/web via ReplicaSet/web-7d9c6b5f4, node: pi-worker-1');
    expect(e).toContain(
      'pod web-7d9c6b5f4-x2x9k container web: CrashLoopBackOff, restarts 14, last exit 1 (Error) at 2026-11-23T09:56:43Z (3m ago), not ready since 2026-11-23T08:47:15Z (1h12m ago)',
    );
    expect(e).toContain('remediation: allowed (rollout restart deployment/web -n apps)');
    expect(e).toContain('previous log of web (last 5 of 5 lines):');
    expect(e).toContain('| 2026-11-23T09:56:43.118Z ERROR pq: password authentication failed for user "web"');
    // Log lines are cut to ~200 characters.
    for (const line of e.split('\n').filter((l) => l.startsWith('  | '))) expect(line.length).toBeLessThanOrEqual(4 + 200);
    expect(text(r.calls)).toEqual([
      'get pods -A -o json',
      'get replicaset -n apps web-7d9c6b5f4 -o json',
      'get deployment -n apps web -o json',
      'logs -n apps web-7d9c6b5f4-x2x9k -c web --previous --tail=20',
    ]);
  });

  it('a silent tick costs no log or workload reads', () => {
    const stateDir = makeStateDir();
    runPrecheck(SCRIPT, 'crashloop', { stateDir });
    const again = runPrecheck(SCRIPT, 'crashloop', { stateDir, ...at('2026-11-23T10:10:00Z') });
    expect(again.stdout).toBe('{"wakeAgent": false}\n');
    expect(text(again.calls)).toEqual(['get pods -A -o json', 'get replicaset -n apps web-7d9c6b5f4 -o json']);
  });

  it('protected namespace -> notify only', () => {
    const r = runPrecheck(SCRIPT, 'crashloop-protected');
    expect(r.evidence).toContain('[new] deployment kube-system/metrics-server: CrashLoopBackOff in metrics-server (1 pod)');
    expect(r.evidence).toContain('remediation: notify only (namespace kube-system is protected)');
    expect(r.evidence).not.toContain('remediation: allowed');
  });

  it('protectedNamespaces comes from the settings', () => {
    const r = runPrecheck(SCRIPT, 'crashloop', { settings: { protectedNamespaces: ['apps'] } });
    expect(r.evidence).toContain('remediation: notify only (namespace apps is protected)');
  });

  it('a pod without a controller -> flagged "no controller: do not delete", notify only', () => {
    const r = runPrecheck(SCRIPT, 'crashloop-bare-pod');
    expect(r.evidence).toContain('[new] pod default/debug-shell: CrashLoopBackOff in shell (1 pod)');
    expect(r.evidence).toContain('owner: none (no controller: do not delete), node: pi-worker-1');
    expect(r.evidence).toContain('remediation: notify only (no controller: do not delete)');
    expect(r.evidence).toContain("| sh: can't open '/scripts/debug.sh': No such file or directory");
  });

  it('restarted within restartIntervalMinutes -> notify only; after the interval -> allowed', () => {
    const r = runPrecheck(SCRIPT, 'crashloop-recent-restart');
    expect(r.evidence).toContain('remediation: notify only (restarted 20m ago at 2026-11-23T09:40:00Z; restartIntervalMinutes is 60)');
    const later = runPrecheck(SCRIPT, 'crashloop-recent-restart', { now: '2026-11-23T10:41:00Z' });
    expect(later.evidence).toContain('remediation: allowed (rollout restart deployment/web -n apps)');
    const shorter = runPrecheck(SCRIPT, 'crashloop-recent-restart', { settings: { restartIntervalMinutes: 15 } });
    expect(shorter.evidence).toContain('remediation: allowed (rollout restart deployment/web -n apps)');
  });

  it('ImagePullBackOff -> notify only, with the image and the pull error, no log read', () => {
    const r = runPrecheck(SCRIPT, 'imagepull');
    expect(r.evidence).toContain('[new] deployment apps/web: ImagePullBackOff in web (1 pod)');
    expect(r.evidence).toContain('image git.rogi.casa/roger/web:v2.3.1-rc, Back-off pulling image "git.rogi.casa/roger/web:v2.3.1-rc"');
    expect(r.evidence).toContain('remediation: notify only (ImagePullBackOff: a restart does not fix an image pull)');
    expect(text(r.calls).filter((c) => c.startsWith('logs') || c.startsWith('get deployment'))).toEqual([]);
  });

  it('ErrImagePull <-> ImagePullBackOff flapping is the same incident', () => {
    const stateDir = makeStateDir();
    runPrecheck(SCRIPT, 'imagepull', { stateDir });
    const pods = readFixture('imagepull', 'pods.json');
    pods.items[pods.items.length - 1].status.containerStatuses[0].state.waiting.reason = 'ErrImagePull';
    const flipped = writeScenario({ base: 'imagepull', files: { 'pods.json': pods }, calls: { 'get pods -A -o json': 'pods.json' } });
    expect(runPrecheck(SCRIPT, flipped, { stateDir, ...at('2026-11-23T10:10:00Z') }).stdout).toBe('{"wakeAgent": false}\n');
  });

  it('a crash-looping container caught Running between back-offs keeps its incident open (no resolve + re-open)', () => {
    const stateDir = makeStateDir();
    runPrecheck(SCRIPT, 'crashloop', { stateDir });
    const running = crashloopVariant((pod) => {
      pod.status.containerStatuses[0].state = { running: { startedAt: '2026-11-23T10:08:10Z' } };
      pod.status.containerStatuses[0].restartCount = 15;
    });
    expect(runPrecheck(SCRIPT, running, { stateDir, ...at('2026-11-23T10:10:00Z') }).stdout).toBe('{"wakeAgent": false}\n');
    expect(runPrecheck(SCRIPT, 'crashloop', { stateDir, ...at('2026-11-23T10:20:00Z') }).stdout).toBe('{"wakeAgent": false}\n');
    // Running for more than 10 minutes: resolved, and a later loop is new.
    expect(runPrecheck(SCRIPT, running, { stateDir, ...at('2026-11-23T10:30:00Z') }).stdout).toBe('{"wakeAgent": false}\n');
    expect(runPrecheck(SCRIPT, 'crashloop', { stateDir, ...at('2026-11-23T10:40:00Z') }).lastLine.wakeAgent).toBe(true);
  });

  it('a single restart of a healthy pod is not an incident', () => {
    const restarted = crashloopVariant((pod) => {
      pod.status.containerStatuses[0].state = { running: { startedAt: '2026-11-23T09:58:00Z' } };
      pod.status.containerStatuses[0].restartCount = 1;
    });
    expect(runPrecheck(SCRIPT, restarted).stdout).toBe('{"wakeAgent": false}\n');
  });

  it('a rollout restart (new pod name, same deployment) is the same incident', () => {
    const stateDir = makeStateDir();
    runPrecheck(SCRIPT, 'crashloop', { stateDir });
    const renamed = crashloopVariant((pod) => {
      pod.metadata.name = 'web-7d9c6b5f4-q8zr4';
    });
    expect(runPrecheck(SCRIPT, renamed, { stateDir, ...at('2026-11-23T10:10:00Z') }).stdout).toBe('{"wakeAgent": false}\n');
  });

  it('once per incident: silent while unchanged, wakes when the reason changes, reminder after reminderHours', () => {
    const stateDir = makeStateDir();
    expect(runPrecheck(SCRIPT, 'crashloop', { stateDir }).lastLine.wakeAgent).toBe(true);
    expect(runPrecheck(SCRIPT, 'crashloop', { stateDir, ...at('2026-11-23T10:10:00Z') }).lastLine.wakeAgent).toBe(false);
    const pulling = crashloopVariant((pod) => {
      pod.status.containerStatuses[0].state = { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "git.rogi.casa/roger/web:v2.3.0"' } };
    });
    const changed = runPrecheck(SCRIPT, pulling, { stateDir, ...at('2026-11-23T10:20:00Z') });
    expect(changed.lastLine.wakeAgent).toBe(true);
    expect(changed.evidence).toContain('[changed, was: web=CrashLoopBackOff] deployment apps/web: ImagePullBackOff in web (1 pod)');
    expect(runPrecheck(SCRIPT, pulling, { stateDir, ...at('2026-11-24T10:10:00Z') }).lastLine.wakeAgent).toBe(false);
    expect(runPrecheck(SCRIPT, pulling, { stateDir, ...at('2026-11-24T10:20:00Z') }).lastLine.wakeAgent).toBe(true);
  });

  it('a missing previous log does not hide the incident', () => {
    const noLogs = writeScenario({
      base: 'crashloop',
      calls: {
        'logs -n apps web-7d9c6b5f4-x2x9k -c web --previous --tail=20': {
          exit: 1,
          stderr: 'Error from server (BadRequest): previous terminated container "web" in pod "web-7d9c6b5f4-x2x9k" not found',
        },
      },
    });
    const r = runPrecheck(SCRIPT, noLogs);
    expect(r.lastLine.wakeAgent).toBe(true);
    expect(r.evidence).toContain('log excerpt of web unavailable: exit 1: Error from server (BadRequest): previous terminated container "web"');
    expect(r.evidence).toContain('remediation: allowed (rollout restart deployment/web -n apps)');
  });

  it('a failed owner lookup wakes with the error and keeps the state as it was', () => {
    const noRs = writeScenario({ base: 'crashloop', calls: { 'get replicaset -n apps web-7d9c6b5f4 -o json': { exit: 1, stderr: 'Error from server (Forbidden): replicasets.apps "web-7d9c6b5f4" is forbidden' } } });
    const r = runPrecheck(SCRIPT, noRs);
    expect(r.lastLine.wakeAgent).toBe(true);
    expect(r.evidence).toContain('ERROR kubectl get replicaset -n apps web-7d9c6b5f4 -o json: exit 1: Error from server (Forbidden)');
    expect(r.evidence).toContain('owner: ReplicaSet/web-7d9c6b5f4 (owner lookup failed)');
    expect(r.evidence).toContain('remediation: notify only (owned by ReplicaSet/web-7d9c6b5f4, not a Deployment, StatefulSet or DaemonSet)');
  });
});
