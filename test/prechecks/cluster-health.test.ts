/** cluster_health.py: NotReady nodes, pods not Running/Succeeded, recent Warning events; once per incident. */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupTemp, fixturesDir, makeStateDir, readFixture, runPrecheck, writeScenario } from './harness';

const SCRIPT = 'cluster_health.py';
const at = (iso: string) => ({ now: iso });

afterAll(cleanupTemp);

describe('cluster_health.py', () => {
  it('reads nodes, pods and Warning events with -o json', () => {
    const r = runPrecheck(SCRIPT, 'healthy');
    expect(r.calls).toEqual([
      ['get', 'nodes', '-o', 'json'],
      ['get', 'pods', '-A', '-o', 'json'],
      ['get', 'events', '-A', '--field-selector', 'type=Warning', '-o', 'json'],
    ]);
    // The healthy fixture holds a Warning event from 07:41, older than 20 minutes: ignored.
    expect(r.stdout).toBe('{"wakeAgent": false}\n');
  });

  it('wakes for a NotReady node with its condition, reason and since when', () => {
    const r = runPrecheck(SCRIPT, 'notready-node');
    expect(r.lastLine.wakeAgent).toBe(true);
    expect(r.evidence).toContain(
      '[new] node pi-worker-1 NotReady (Ready=Unknown, NodeStatusUnknown) since 2026-11-23T09:41:07Z (18m ago): Kubelet stopped posting node status.',
    );
  });

  it('reports a pod Pending for more than 5 minutes and a Failed (Evicted) pod, not a fresh Pending pod or a Completed job pod', () => {
    const r = runPrecheck(SCRIPT, 'pods-unhealthy');
    expect(r.lastLine.wakeAgent).toBe(true);
    expect(r.evidence).toContain('[new] pod apps/worker-7c8d9e6f5-ljx4q Pending since 2026-11-23T09:30:00Z (30m ago); Unschedulable: 0/2 nodes are available');
    expect(r.evidence).toContain('[new] pod apps/web-7d9c6b5f4-8kq2w Failed (Evicted) since 2026-11-23T09:20:00Z (40m ago): The node was low on resource: ephemeral-storage');
    expect(r.evidence).toContain('owner: ReplicaSet/web-7d9c6b5f4, node: pi-worker-1');
    expect(r.evidence).not.toContain('worker-7c8d9e6f5-zz9k2');
    expect(r.evidence).not.toContain('backup-29412345');
    expect(r.evidence).toContain('2 incidents to report (2 new); 2 open in total.');
  });

  it('the fresh Pending pod is reported once it has waited more than 5 minutes', () => {
    const stateDir = makeStateDir();
    runPrecheck(SCRIPT, 'pods-unhealthy', { stateDir });
    const later = runPrecheck(SCRIPT, 'pods-unhealthy', { stateDir, ...at('2026-11-23T10:04:00Z') });
    expect(later.lastLine.wakeAgent).toBe(true);
    expect(later.evidence).toContain('[new] pod apps/worker-7c8d9e6f5-zz9k2 Pending since 2026-11-23T09:58:00Z (6m ago)');
    expect(later.evidence).toContain('already reported and unchanged (2): pod:apps/worker-7c8d9e6f5-ljx4q, pod:apps/web-7d9c6b5f4-8kq2w');
  });

  it('reports Warning events of the last 20 minutes (lastTimestamp or series.lastObservedTime) with count, source and message', () => {
    const r = runPrecheck(SCRIPT, 'warning-events');
    expect(r.lastLine.wakeAgent).toBe(true);
    expect(r.evidence).toContain(
      '[new] event Warning FailedMount platform-engineer Pod/hermes-0 x6, last 2026-11-23T09:58:12Z (1m ago), from kubelet: MountVolume.SetUp failed for volume "prechecks" : configmap "hermes-prechecks" not found',
    );
    expect(r.evidence).toContain('[new] event Warning Unhealthy apps Pod/postgres-0 x5, last 2026-11-23T09:52:30Z (7m ago)');
    expect(r.evidence).not.toContain('InvalidDiskCapacity');
  });

  it('events age out after 20 minutes: the incident resolves without waking', () => {
    const stateDir = makeStateDir();
    expect(runPrecheck(SCRIPT, 'warning-events', { stateDir }).lastLine.wakeAgent).toBe(true);
    expect(runPrecheck(SCRIPT, 'warning-events', { stateDir, ...at('2026-11-23T10:15:00Z') }).stdout).toBe('{"wakeAgent": false}\n');
    expect(runPrecheck(SCRIPT, 'warning-events', { stateDir, ...at('2026-11-23T10:30:00Z') }).stdout).toBe('{"wakeAgent": false}\n');
  });

  it('a crash loop shows up as a BackOff Warning event', () => {
    const r = runPrecheck(SCRIPT, 'crashloop');
    expect(r.evidence).toContain('[new] event Warning BackOff apps Pod/web-7d9c6b5f4-x2x9k x41');
  });

  describe('once per incident', () => {
    const changed = () => {
      const nodes = readFixture('notready-node', 'nodes.json');
      const ready = nodes.items[1].status.conditions.find((c: any) => c.type === 'Ready');
      Object.assign(ready, { status: 'False', reason: 'KubeletNotReady', message: 'container runtime network not ready: NetworkReady=false' });
      return writeScenario({ base: 'notready-node', files: { 'nodes.json': nodes }, calls: { 'get nodes -o json': 'nodes.json' } });
    };

    it('new -> silent while unchanged -> wakes when changed -> silent once resolved -> wakes when back', () => {
      const stateDir = makeStateDir();
      const first = runPrecheck(SCRIPT, 'notready-node', { stateDir, ...at('2026-11-23T10:00:00Z') });
      expect(first.lastLine.wakeAgent).toBe(true);
      expect(first.evidence).toContain('[new] node pi-worker-1 NotReady');

      const same = runPrecheck(SCRIPT, 'notready-node', { stateDir, ...at('2026-11-23T10:15:00Z') });
      expect(same.stdout).toBe('{"wakeAgent": false}\n');

      const diff = runPrecheck(SCRIPT, changed(), { stateDir, ...at('2026-11-23T10:30:00Z') });
      expect(diff.lastLine.wakeAgent).toBe(true);
      expect(diff.evidence).toContain('[changed, was: Ready=Unknown reason=NodeStatusUnknown] node pi-worker-1 NotReady (Ready=False, KubeletNotReady)');

      expect(runPrecheck(SCRIPT, 'healthy', { stateDir, ...at('2026-11-23T10:45:00Z') }).stdout).toBe('{"wakeAgent": false}\n');

      const back = runPrecheck(SCRIPT, 'notready-node', { stateDir, ...at('2026-11-23T11:00:00Z') });
      expect(back.lastLine.wakeAgent).toBe(true);
      expect(back.evidence).toContain('[new] node pi-worker-1 NotReady');
    });

    it('reminds after reminderHours, not before', () => {
      const stateDir = makeStateDir();
      expect(runPrecheck(SCRIPT, 'notready-node', { stateDir, ...at('2026-11-23T10:00:00Z') }).lastLine.wakeAgent).toBe(true);
      expect(runPrecheck(SCRIPT, 'notready-node', { stateDir, ...at('2026-11-24T09:45:00Z') }).lastLine.wakeAgent).toBe(false);
      const reminder = runPrecheck(SCRIPT, 'notready-node', { stateDir, ...at('2026-11-24T10:00:00Z') });
      expect(reminder.lastLine.wakeAgent).toBe(true);
      expect(reminder.evidence).toContain('[reminder: open since 2026-11-23T10:00:00Z (24h00m ago)] node pi-worker-1 NotReady');
      expect(runPrecheck(SCRIPT, 'notready-node', { stateDir, ...at('2026-11-24T10:15:00Z') }).lastLine.wakeAgent).toBe(false);
    });

    it('reminderHours comes from the settings', () => {
      const stateDir = makeStateDir();
      const settings = { reminderHours: 2 };
      runPrecheck(SCRIPT, 'notready-node', { stateDir, settings, ...at('2026-11-23T10:00:00Z') });
      expect(runPrecheck(SCRIPT, 'notready-node', { stateDir, settings, ...at('2026-11-23T11:00:00Z') }).lastLine.wakeAgent).toBe(false);
      expect(runPrecheck(SCRIPT, 'notready-node', { stateDir, settings, ...at('2026-11-23T12:00:00Z') }).lastLine.wakeAgent).toBe(true);
    });

    it('a new incident beside an open one wakes and lists the open one as already reported', () => {
      const stateDir = makeStateDir();
      runPrecheck(SCRIPT, 'notready-node', { stateDir });
      const both = writeScenario({ base: 'notready-node', calls: { 'get pods -A -o json': { file: join(fixturesDir, 'pods-unhealthy', 'pods.json') } } });
      const r = runPrecheck(SCRIPT, both, { stateDir, ...at('2026-11-23T10:15:00Z') });
      expect(r.lastLine.wakeAgent).toBe(true);
      expect(r.evidence).toContain('3 incidents to report (3 new); 4 open in total.');
      expect(r.evidence).toContain('already reported and unchanged (1): node:pi-worker-1:NotReady');
      expect(r.evidence).not.toContain('[new] node pi-worker-1');
    });
  });
});
