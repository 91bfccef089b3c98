// Item 5 of the cluster suite: the pre-check scripts (src/hermes/prechecks) run with the real kubectl 1.35 against
// the real API server, impersonating the agent's ServiceAccount (so the real RBAC applies), over the same recorded
// states the fake kubectl serves (test/fixtures/clusters). Differential: each script runs against the fake
// scenario and against a fresh control plane loaded with that scenario's objects; the wake/silence outcome and the
// evidence must agree, and every place they legitimately differ (no kubelet, no metrics API, times the server sets)
// is asserted as that specific difference.
//
// Loopback only: fixture Nodes lose status.addresses and daemonEndpoints and pods lose hostIP before they are
// created, so a logs or exec request the server lets through has no address to dial ("no preferred addresses").
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  cleanupTemp,
  DEFAULT_NOW,
  resolvePython,
  runPrecheck,
  scenarioDir,
  SCRIPTS,
  writeScenario,
  type CallEntry,
  type RunResult,
  type ScriptName,
} from '../prechecks/harness';
import type { KubeObject } from '../helpers';
import { installCrds, serviceAccountUser, startCluster, VARIANTS, variantObjects, type Cluster } from './cluster';

const AGENT = serviceAccountUser('platform-engineer', 'platform-engineer');
/** Kinds whose status the server keeps only through the status subresource (Application has none: created with it). */
const STATUS_SUBRESOURCE = new Set(['Node', 'Pod', 'PersistentVolume', 'PersistentVolumeClaim', 'Deployment', 'ReplicaSet', 'Certificate']);
/** Creation order: what others name first. */
const ORDER = ['Node', 'PersistentVolume', 'PersistentVolumeClaim', 'Deployment', 'ReplicaSet', 'Pod', 'Event', 'Application', 'Certificate'];
/** The agent's RBAC (and the namespace it lives in, with its Pod Security labels), taken from the default variant. */
const RBAC_KINDS = new Set(['Namespace', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding']);

/** Every object a scenario's `get ... -o json` answers hold (its own calls first, then the scenario it extends). */
function scenarioObjects(scenario: string): KubeObject[] {
  const seen = new Set<string>();
  const objects = new Map<string, KubeObject>();
  const visit = (dir: string) => {
    const spec = JSON.parse(readFileSync(join(dir, 'calls.json'), 'utf8')) as { extends?: string | string[]; calls?: Record<string, CallEntry> };
    for (const [argv, entry] of Object.entries(spec.calls ?? {})) {
      if (seen.has(argv) || !/^get \S+ .*-o json$/.test(argv)) continue;
      seen.add(argv);
      const file = typeof entry === 'string' ? entry : entry.file;
      if (!file) continue;
      const doc = JSON.parse(readFileSync(join(dir, file), 'utf8'));
      for (const o of (doc.kind as string).endsWith('List') ? doc.items : [doc]) {
        const key = `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
        if (!objects.has(key)) objects.set(key, o);
      }
    }
    for (const base of [spec.extends ?? []].flat()) visit(join(dir, '..', base));
  };
  visit(scenarioDir(scenario));
  return [...objects.values()];
}

/** The object as a client would create it: no server-set metadata, and nothing the server could dial. */
function asCreated(o: KubeObject): KubeObject {
  const copy = structuredClone(o) as any;
  for (const k of ['uid', 'resourceVersion', 'creationTimestamp', 'managedFields', 'generation', 'selfLink']) delete copy.metadata[k];
  if (copy.kind === 'Node' && copy.status) {
    delete copy.status.addresses;
    delete copy.status.daemonEndpoints;
  }
  if (copy.kind === 'Pod' && copy.status) {
    delete copy.status.hostIP;
    delete copy.status.hostIPs;
  }
  return copy;
}

/**
 * What a recorded object lacks that the real server requires (each one a gap in the fixture, reported, not an
 * expected difference): returns the completed copy and a note per completion. Fields the scripts read are never
 * changed.
 */
function completeForServer(objects: KubeObject[]): { objects: KubeObject[]; notes: string[] } {
  const notes: string[] = [];
  const out = objects.map((o) => {
    const copy = structuredClone(o) as any;
    // A ReplicaSet always has a pod template (kubectl get rs -o json prints it): take its Deployment's, with the
    // selector's labels (pod-template-hash).
    if (copy.kind === 'ReplicaSet' && !copy.spec?.template) {
      const owner = copy.metadata.ownerReferences?.find((r: any) => r.controller)?.name;
      const deployment = objects.find((d: any) => d.kind === 'Deployment' && d.metadata.name === owner && d.metadata.namespace === copy.metadata.namespace) as any;
      if (!deployment) throw new Error(`ReplicaSet ${copy.metadata.name} has no pod template and no Deployment in the scenario to take one from`);
      const template = structuredClone(deployment.spec.template);
      delete template.metadata.creationTimestamp;
      template.metadata.labels = { ...template.metadata.labels, ...copy.spec.selector.matchLabels };
      copy.spec.template = template;
      notes.push(`ReplicaSet ${copy.metadata.namespace}/${copy.metadata.name}: spec.template missing`);
    }
    // ArgoCD's CRD requires the operation an operationState records; the script reads only phase, message and times.
    if (copy.kind === 'Application' && copy.status?.operationState && !copy.status.operationState.operation) {
      copy.status.operationState.operation = { sync: { revision: copy.status.sync?.revision ?? 'HEAD' } };
      notes.push(`Application ${copy.metadata.namespace}/${copy.metadata.name}: status.operationState.operation missing`);
    }
    return copy as KubeObject;
  });
  return { objects: out, notes };
}

/** Loads a scenario into the cluster as admin: namespaces and the ServiceAccounts pods name, then objects, then their status. */
function loadScenario(cluster: Cluster, objects: KubeObject[]): void {
  const namespaces = [...new Set(objects.map((o) => o.metadata.namespace).filter((n): n is string => !!n))].sort();
  const accounts = new Set(namespaces.map((ns) => `${ns}/default`));
  for (const o of objects) if (o.kind === 'Pod') accounts.add(`${o.metadata.namespace}/${(o as any).spec.serviceAccountName ?? 'default'}`);
  const base = [
    ...namespaces.map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } })),
    ...[...accounts].map((a) => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { namespace: a.split('/')[0], name: a.split('/')[1] } })),
  ];
  // apply, not create: the agent's namespace exists already, with its labels.
  const r = cluster.kubectl(['apply', '--server-side', '--field-manager=fixtures', '-f', '-'], { input: base.map((o) => JSON.stringify(o)).join('\n') });
  if (r.status !== 0) throw new Error(`creating namespaces failed: ${r.stderr}`);
  const sorted = [...objects].sort((a, b) => ORDER.indexOf(a.kind) - ORDER.indexOf(b.kind));
  for (const o of sorted) if (!ORDER.includes(o.kind)) throw new Error(`scenario object of unexpected kind ${o.kind}`);
  const created = sorted.map(asCreated);
  cluster.ok(['create', '-f', '-'], { input: created.map((o) => JSON.stringify(o)).join('\n') });
  for (const o of created as any[]) {
    if (!STATUS_SUBRESOURCE.has(o.kind) || !o.status) continue;
    const ns = o.metadata.namespace ? ['-n', o.metadata.namespace] : [];
    const resource = `${o.kind.toLowerCase()}${o.apiVersion.includes('/') ? `.${o.apiVersion.split('/')[0]}` : ''}`;
    cluster.ok(['patch', resource, o.metadata.name, ...ns, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: o.status })]);
  }
}

/** A kubeconfig whose user is the admin certificate impersonating the agent's ServiceAccount: RBAC applies. */
function agentKubeconfig(cluster: Cluster): string {
  const file = join(cluster.runDir, 'agent.kubeconfig');
  const a = cluster.access;
  writeFileSync(
    file,
    [
      'apiVersion: v1',
      'kind: Config',
      `clusters:\n- name: suite\n  cluster:\n    server: ${a.server}\n    certificate-authority: ${a.ca}`,
      `users:\n- name: agent\n  user:\n    client-certificate: ${a.cert}\n    client-key: ${a.key}\n    as: ${AGENT}`,
      'contexts:\n- name: agent\n  context:\n    cluster: suite\n    user: agent',
      'current-context: agent',
      '',
    ].join('\n'),
  );
  return file;
}

/** The real kubectl with the agent's kubeconfig (what the scripts run). */
function agentKubectl(cluster: Cluster, args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(inject('binaries').kubectl, ['--kubeconfig', agentKubeconfig(cluster), ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** A folder with the real kubectl and the harness's Python, to put first on PATH. */
function realBinDir(cluster: Cluster): string {
  const dir = join(cluster.runDir, 'bin');
  if (!existsSync(dir)) {
    mkdirSync(dir);
    symlinkSync(inject('binaries').kubectl, join(dir, 'kubectl'));
    symlinkSync(resolvePython(), join(dir, 'python3'));
  }
  return dir;
}

/**
 * Runs a script against the real server as the agent. "Now" is the recording's (DEFAULT_NOW): every time the
 * scripts judge (conditions, container states, events, notAfter) is kept from the recording; only creationTimestamp
 * is the server's real now, and the one place that matters is asserted on its own (storage-trouble).
 */
function runReal(cluster: Cluster, script: ScriptName, now = DEFAULT_NOW, binDir = realBinDir(cluster)): RunResult {
  // The scenario argument only satisfies the harness: the real kubectl never reads it.
  return runPrecheck(script, scenarioDir('healthy'), {
    now,
    binDir,
    env: { KUBECONFIG: agentKubeconfig(cluster), KUBECACHEDIR: join(cluster.runDir, 'kube-cache') },
  });
}

/** A fresh control plane with the CRDs, the agent's RBAC from the default variant, and the scenario's objects. */
async function clusterFor(scenario: string): Promise<Cluster> {
  const cluster = await startCluster(`prechecks-${scenario}`);
  installCrds(cluster);
  const rbac = variantObjects(VARIANTS.default()).filter((o) => RBAC_KINDS.has(o.kind));
  const r = cluster.apply(rbac);
  if (r.status !== 0) throw new Error(`applying the agent's RBAC failed: ${r.stderr}`);
  loadScenario(cluster, completeForServer(scenarioObjects(scenario)).objects);
  return cluster;
}


/** The real server's answer to logs and exec here: no kubelet, and fixture Nodes have no address to dial. */
const NO_KUBELET = 'Error from server: no preferred addresses found; known addresses: []';
/** The recorded answer of `kubectl top` without metrics-server (metrics-unavailable); the real kubectl must say the same. */
const NO_METRICS: Record<string, CallEntry> = JSON.parse(readFileSync(join(scenarioDir('metrics-unavailable'), 'calls.json'), 'utf8')).calls;

/** Every argv a scenario's calls.json (and what it extends) answers, the nearest answer first, with its folder. */
function recordedCalls(scenario: string): Map<string, { dir: string; entry: CallEntry }> {
  const out = new Map<string, { dir: string; entry: CallEntry }>();
  const visit = (dir: string) => {
    const spec = JSON.parse(readFileSync(join(dir, 'calls.json'), 'utf8'));
    for (const [argv, entry] of Object.entries(spec.calls ?? {})) if (!out.has(argv)) out.set(argv, { dir, entry: entry as CallEntry });
    for (const base of [spec.extends ?? []].flat()) visit(join(dir, '..', base));
  };
  visit(scenarioDir(scenario));
  return out;
}

const byNamespaceAndName = (a: KubeObject, b: KubeObject) =>
  `${a.metadata.namespace ?? ''}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace ?? ''}/${b.metadata.name}`);

/**
 * The scenario as this control plane serves it, for the fake: the same recorded objects, listed in the server's
 * order (namespace, then name: the recorded files are not), with no metrics API (the recorded metrics-unavailable
 * answers) and no kubelet (every logs and exec gets the server's error). The expected differences, in one place.
 */
function withoutKubeletAndMetrics(scenario: string): string[] {
  const calls: Record<string, CallEntry> = { ...NO_METRICS };
  const files: Record<string, unknown> = {};
  for (const [argv, { dir, entry }] of recordedCalls(scenario)) {
    if (argv.startsWith('logs ') || argv.startsWith('exec ')) calls[argv] = { exit: 1, stderr: NO_KUBELET };
    const file = typeof entry === 'string' ? entry : entry.file;
    if (!file || !argv.startsWith('get ') || !file.endsWith('.json')) continue;
    const doc = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    if (!String(doc.kind).endsWith('List')) continue;
    const sorted = `sorted-${Object.keys(files).length}.json`;
    files[sorted] = { ...doc, items: [...doc.items].sort(byNamespaceAndName) };
    calls[argv] = sorted;
  }
  return [writeScenario({ files, calls }), scenarioDir(scenario)];
}

const lines = (r: RunResult) => r.evidence.split('\n').filter((l) => l !== '');

/** Lines of `a` not in `b` (as multisets). */
function minus(a: string[], b: string[]): string[] {
  const rest = [...b];
  return a.filter((l) => {
    const i = rest.indexOf(l);
    if (i === -1) return true;
    rest.splice(i, 1);
    return false;
  });
}

interface Differential {
  scenario: string;
  /** Completions the real server required of the recorded objects (gaps in the fixtures). */
  fixtureGaps: string[];
  /** Scripts whose wake/silence differs between the recorded scenario and the same state without kubelet and metrics. */
  outcomeChanges: Partial<Record<ScriptName, string>>;
  /** Per script, what the real run must say: the scenario's incident reached the real server (or its stated absence). */
  realSays: Partial<Record<ScriptName, RegExp[]>>;
  /** Per script, evidence lines the real server legitimately drops or adds beyond the kubelet/metrics overlay. */
  serverSet?: Partial<Record<ScriptName, { dropped: RegExp[]; added: RegExp[] }>>;
}

// Without metrics-server, node_resources cannot sample and wakes the agent with the real error text: in every
// scenario where the recorded state had metrics and no node incident.
const NO_METRICS_WAKES = 'no metrics API: node_resources reports "Metrics API not available"';

const DIFFERENTIALS: Differential[] = [
  { scenario: 'healthy', realSays: { 'node_resources.py': [/^ERROR kubectl top nodes --no-headers: exit 1: error: Metrics API not available/], 'daily_report.py': [/^nodes: 2, 2 Ready$/, /^top pods: unavailable: kubectl top pods -A --no-headers: exit 1: error: Metrics API not available$/] }, fixtureGaps: [], outcomeChanges: { 'node_resources.py': NO_METRICS_WAKES } },
  {
    scenario: 'crashloop', realSays: {
      'restart_loops.py': [/^\[new\] deployment apps\/web: CrashLoopBackOff in web \(1 pod\)$/, /^  log excerpt of web unavailable: exit 1: Error from server: no preferred addresses found; known addresses: \[\]$/, /^  remediation: allowed \(rollout restart deployment\/web -n apps\)/],
      // cluster_health.py is silent here: the BackOff events of a pod in a restart loop are left to pod-restart-loop
      // (one condition, one message), and the fake agrees.
    },
    fixtureGaps: ['ReplicaSet apps/web-7d9c6b5f4: spec.template missing'],
    outcomeChanges: { 'node_resources.py': NO_METRICS_WAKES },
  },
  { scenario: 'notready-node', realSays: { 'cluster_health.py': [/^\[new\] node pi-worker-1 NotReady \(Ready=Unknown, NodeStatusUnknown\) since 2026-11-23T09:41:07Z/], 'node_resources.py': [/^\[new\] node pi-worker-1 NotReady/, /^ERROR kubectl top nodes --no-headers: exit 1: error: Metrics API not available/] }, fixtureGaps: [], outcomeChanges: {} },
  {
    scenario: 'storage-trouble', realSays: { 'pvc_pressure.py': [/^\[new\] node pi-worker-1 DiskPressure=True/, /^\[new\] pv pvc-5c4b3a29-loki Failed/, /^not visible: usage unknown for 2 claims: apps\/data-postgres-0 \(df in postgres-0\/postgres failed: exit 1: Error from server: no preferred addresses found/] },
    fixtureGaps: [],
    outcomeChanges: { 'node_resources.py': NO_METRICS_WAKES },
    serverSet: {
      // The Pending claim's age comes from creationTimestamp, which the server sets to the real now: at the
      // recorded time (PLATFORM_ENGINEER_NOW) it is "created in the future", inside the grace period, so not an
      // incident yet. The test below shows it reported once the grace period has passed.
      'pvc_pressure.py': {
        dropped: [/^pvc-pressure at .*: 3 incidents to report \(3 new\); 3 open in total\.$/, /^\[new\] pvc apps\/cache Pending, created /, /^  provisioner: cluster\.local\/nfs-subdir-external-provisioner$/],
        added: [/^pvc-pressure at .*: 2 incidents to report \(2 new\); 2 open in total\.$/],
      },
    },
  },
  {
    scenario: 'pvc-nearly-full', realSays: { 'pvc_pressure.py': [] },
    fixtureGaps: [],
    // Without a kubelet no df runs: the nearly full claim cannot be measured, and a df the server cannot deliver
    // is a blind spot, not a refusal, so the script is silent (reported as a gap of the script).
    outcomeChanges: { 'node_resources.py': NO_METRICS_WAKES, 'pvc_pressure.py': 'no kubelet: df cannot run, the usage incident is not seen' },
  },
  {
    scenario: 'argocd-degraded', realSays: { 'argocd_sync.py': [/^\[new\] app homelab: sync Synced, health Degraded/, /^\[new\] app platform-engineer: sync OutOfSync, health Healthy/, /^  last sync operation Failed at 2026-11-23T09:12:40Z/] },
    fixtureGaps: ['Application argocd/platform-engineer: status.operationState.operation missing'],
    outcomeChanges: { 'node_resources.py': NO_METRICS_WAKES },
  },
  { scenario: 'cert-expiring', realSays: { 'cert_expiry.py': [/^\[new\] certificate platform-engineer\/hermes-tls: notAfter 2026-12-03T10:00:00Z, 10.0 days left/, /^\[new\] certificate apps\/web-tls: notAfter none, never issued/] }, fixtureGaps: [], outcomeChanges: { 'node_resources.py': NO_METRICS_WAKES } },
  // The recorded no-metrics state is what this control plane is: no difference at all.
  { scenario: 'metrics-unavailable', realSays: { 'node_resources.py': [/^ERROR kubectl top nodes --no-headers: exit 1: error: Metrics API not available \(metrics-server is missing or not ready: no CPU\/memory samples\)$/] }, fixtureGaps: [], outcomeChanges: {} },
];

afterAll(() => cleanupTemp());

for (const d of DIFFERENTIALS) {
  describe(`pre-checks on the real server: ${d.scenario}`, () => {
    let cluster: Cluster;
    beforeAll(async () => {
      cluster = await clusterFor(d.scenario);
    });
    afterAll(() => cluster?.stop());

    it('loads the recorded objects, completing only what the real server requires', () => {
      expect(completeForServer(scenarioObjects(d.scenario)).notes).toEqual(d.fixtureGaps);
      // Loopback only: no Node the server could dial.
      const nodes = JSON.parse(cluster.ok(['get', 'nodes', '-o', 'json'])).items;
      for (const n of nodes) expect(n.status.addresses ?? []).toEqual([]);
    });

    if (d.scenario === 'healthy') {
      it('the scripts run as the agent: impersonated ServiceAccount, real RBAC (Secrets denied)', () => {
        const who = JSON.parse(agentKubectl(cluster, ['auth', 'whoami', '-o', 'json']).stdout);
        expect(who.status.userInfo.username).toBe(AGENT);
        const secrets = agentKubectl(cluster, ['get', 'secrets', '-A']);
        expect(secrets.status).not.toBe(0);
        expect(secrets.stderr).toMatch(/secrets is forbidden: User "system:serviceaccount:platform-engineer:platform-engineer" cannot list resource "secrets"/);
      });
    }

    if (d.scenario === 'storage-trouble') {
      it('the Pending claim is reported once its grace period has passed since the creationTimestamp the server set', () => {
        const created: string = JSON.parse(cluster.ok(['get', 'pvc', '-n', 'apps', 'cache', '-o', 'json'])).metadata.creationTimestamp;
        expect(Date.parse(created)).toBeGreaterThan(Date.parse(DEFAULT_NOW));
        const later = new Date(Date.parse(created) + 65 * 60_000).toISOString().replace(/\.\d+Z$/, 'Z');
        const real = runReal(cluster, 'pvc_pressure.py', later);
        const recorded = runPrecheck('pvc_pressure.py', d.scenario).evidence.split('\n').find((l) => l.startsWith('[new] pvc apps/cache'));
        // The recorded line, with the server's creation time in place of the recorded one (both 1h05m before now).
        expect(recorded).toBe('[new] pvc apps/cache Pending, created 2026-11-23T08:55:00Z (1h05m ago), class nfs-client, request 2Gi');
        expect(real.evidence.split('\n')).toContain(recorded!.replace('2026-11-23T08:55:00Z', created));
      });
    }

    it('no kubelet and no metrics API change the outcome only where stated', () => {
      const changed: Partial<Record<ScriptName, string>> = {};
      for (const script of SCRIPTS) {
        const recorded = runPrecheck(script, d.scenario);
        const served = runPrecheck(script, withoutKubeletAndMetrics(d.scenario));
        if (recorded.lastLine.wakeAgent !== served.lastLine.wakeAgent) changed[script] = d.outcomeChanges[script] ?? 'unexpected';
      }
      expect(changed).toEqual(d.outcomeChanges);
    });

    for (const script of SCRIPTS) {
      it(`${script}: the real kubectl and server give the fake's outcome and evidence`, () => {
        const expected = runPrecheck(script, withoutKubeletAndMetrics(d.scenario));
        const real = runReal(cluster, script);
        expect(real.exitCode).toBe(0);
        expect(real.lastLine.wakeAgent).toBe(expected.lastLine.wakeAgent);
        for (const re of d.realSays[script] ?? []) expect(lines(real).some((l) => re.test(l)), `${re} in:\n${real.evidence}`).toBe(true);
        if (d.realSays[script]?.length === 0) expect(real.evidence).toBe('');
        const serverSet = d.serverSet?.[script];
        if (!serverSet) {
          expect(real.evidence).toBe(expected.evidence);
          return;
        }
        const dropped = minus(lines(expected), lines(real));
        const added = minus(lines(real), lines(expected));
        expect(dropped.length, `dropped: ${dropped.join('\n')}`).toBe(serverSet.dropped.length);
        serverSet.dropped.forEach((re) => expect(dropped.some((l) => re.test(l)), `${re} among dropped:\n${dropped.join('\n')}`).toBe(true));
        expect(added.length, `added: ${added.join('\n')}`).toBe(serverSet.added.length);
        serverSet.added.forEach((re) => expect(added.some((l) => re.test(l)), `${re} among added:\n${added.join('\n')}`).toBe(true));
      });
    }
  });
}

// The API server stopped: first mid-run (the kubectl wrapper stops it by PID before the script's second call, so
// a crash: the first call is answered and the rest are refused), then for every script before it starts. The script must
// report the fault (wake the agent with the failing calls), never stay quiet; the fake's kubectl-failure scenario
// records the same fault with the cluster's in-cluster address.
describe('pre-checks on the real server: the API server stopped', () => {
  let cluster: Cluster;
  let port: string;
  beforeAll(async () => {
    cluster = await clusterFor('healthy');
    port = new URL(cluster.access.server).port;
  });
  afterAll(() => cluster?.stop());

  /** The fake's recorded refusal, at this server's address. */
  const refused = () => `The connection to the server 127.0.0.1:${port} was refused - did you specify the right host or port?`;

  it('stopped mid-run: what was read is reported, the calls after the stop are named as failed', () => {
    const pid = readFileSync(join(cluster.runDir, 'pids', 'kube-apiserver.pid'), 'utf8').trim();
    const dir = join(cluster.runDir, 'bin-stop-mid-run');
    mkdirSync(dir);
    symlinkSync(resolvePython(), join(dir, 'python3'));
    const count = join(dir, 'count');
    // Waits until the process is gone or a zombie (its parent, this test, reaps it only after the script).
    writeFileSync(
      join(dir, 'kubectl'),
      [
        '#!/bin/sh',
        `n=$(( $(cat '${count}' 2>/dev/null || echo 0) + 1 )); echo "$n" > '${count}'`,
        `if [ "$n" -eq 2 ]; then kill -KILL ${pid}; i=0; while [ $i -lt 100 ] && [ -e /proc/${pid} ] && ! grep -q '^State:.*Z' /proc/${pid}/status; do i=$((i+1)); sleep 0.05; done; fi`,
        `exec '${inject('binaries').kubectl}' "$@"`,
        '',
      ].join('\n'),
    );
    chmodSync(join(dir, 'kubectl'), 0o755);
    const real = runReal(cluster, 'daily_report.py', DEFAULT_NOW, dir);
    const fake = runPrecheck('daily_report.py', withoutKubeletAndMetrics('healthy'));
    expect(real.lastLine.wakeAgent).toBe(true);
    const [realLines, fakeLines] = [lines(real), lines(fake)];
    // First call (nodes) answered as recorded; every later section names its call and the refusal.
    expect(realLines.slice(0, 4)).toEqual(fakeLines.slice(0, 4));
    expect(realLines.slice(0, 2)).toEqual(['daily-cluster-report facts at 2026-11-23T10:00:00Z:', 'nodes: 2, 2 Ready']);
    // The sections read through kubectl (the ledger's sections, read from the volume, follow them).
    const rest = realLines.slice(4).filter((l) => / unavailable: kubectl /.test(l) || /^(top pods|pods|argocd applications|certificates):/.test(l));
    expect(rest.map((l) => l.split(':')[0])).toEqual(['top pods', 'pods', 'argocd applications', 'certificates']);
    // kubectl says "The connection to the server ... was refused", or (kubectl top, depending on when the server
    // died) prints the dial error itself.
    for (const l of rest) expect(l).toMatch(new RegExp(`: unavailable: kubectl .*: exit 1: .*127\\.0\\.0\\.1:${port}.* refused`));
  });

  for (const script of SCRIPTS) {
    it(`${script}: stopped before the run, the fault is reported as the fake's kubectl-failure records it`, () => {
      const fake = runPrecheck(script, 'kubectl-failure');
      const real = runReal(cluster, script);
      expect(fake.lastLine.wakeAgent).toBe(true);
      expect(real.lastLine.wakeAgent).toBe(true);
      expect(real.evidence).toBe(fake.evidence.replaceAll('The connection to the server 10.43.0.1:443 was refused - did you specify the right host or port?', refused()));
    });
  }
});
