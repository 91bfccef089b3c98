/**
 * Fixture objects in a workload namespace ("default") and cluster scope, created as admin, for the RBAC and
 * guardrail tables: the objects their kubectl commands name must exist, or kubectl stops at NotFound before the
 * write RBAC or admission must judge.
 *
 * Loopback only: the Node has no address, and no pod is bound to a node (no nodeName), so a logs, exec or attach
 * request that RBAC and admission let through ends in "does not have a host assigned" without the server dialing
 * anything.
 */
import type { Cluster } from './cluster';

const labels = { app: 'example' };
const podSpec = { containers: [{ name: 'app', image: 'registry.example/app:1.0.0' }] };
const template = { metadata: { labels }, spec: podSpec };

export const FIXTURES: object[] = [
  // No controller-manager makes the default ServiceAccount; the ServiceAccount admission plugin needs it for the Pod.
  { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'default' } },
  { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node1', labels: { 'kubernetes.io/hostname': 'node1' } } },
  { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'pv1' }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/tmp/pv1' } } },
  { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'example', namespace: 'default', labels }, spec: { replicas: 1, selector: { matchLabels: labels }, template } },
  { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'example', namespace: 'default', labels }, spec: { replicas: 1, serviceName: 'x', selector: { matchLabels: labels }, template } },
  { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'example', namespace: 'default', labels }, spec: { selector: { matchLabels: labels }, template } },
  {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'example', namespace: 'default', labels, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'example-5d4f', uid: '00000000-0000-0000-0000-000000000001', controller: true }] },
    spec: podSpec,
  },
  { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'example', namespace: 'default' }, spec: { template: { spec: { ...podSpec, restartPolicy: 'Never' } } } },
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'default' }, data: { a: 'a' } },
  { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x', namespace: 'default' }, stringData: { a: 'not-a-secret' } },
  { apiVersion: 'v1', kind: 'Service', metadata: { name: 'x', namespace: 'default' }, spec: { selector: labels, ports: [{ port: 80 }] } },
  { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'x', namespace: 'default' }, spec: { defaultBackend: { service: { name: 'x', port: { number: 80 } } } } },
  { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: 'default' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } },
  ...['x', 'example'].map((name) => ({ apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name, namespace: 'default' }, spec: { secretName: `${name}-tls`, dnsNames: ['x.example'] } })),
];

export function installFixtures(cluster: Cluster): void {
  const r = cluster.apply(FIXTURES);
  if (r.status !== 0) throw new Error(`creating fixtures failed: ${r.stderr}`);
}

/** The pod and namespace a kubectl exec/logs argv names: "-n NS", the first bare word, "-c CONTAINER". */
function podTarget(argv: readonly string[]): { namespace: string; pod: string; container: string } | undefined {
  if (argv[0] !== 'exec' && argv[0] !== 'logs') return undefined;
  const words = argv.slice(1, argv.includes('--') ? argv.indexOf('--') : argv.length);
  const flag = (f: string) => (words.indexOf(f) >= 0 ? words[words.indexOf(f) + 1] : undefined);
  const bare = words.filter((w, i) => !w.startsWith('-') && !['-n', '-c'].includes(words[i - 1]));
  return { namespace: flag('-n') ?? 'default', pod: bare[0], container: flag('-c') ?? 'app' };
}

/**
 * Creates, unbound to any node, the pods that exec and logs commands name (kubectl reads the pod before it execs,
 * so without it RBAC's answer on pods/exec is never asked).
 */
export function installPodsFor(cluster: Cluster, commands: ReadonlyArray<readonly string[]>): void {
  const targets = commands.map(podTarget).filter((t): t is NonNullable<ReturnType<typeof podTarget>> => t !== undefined);
  const objects: object[] = [];
  for (const namespace of [...new Set(targets.map((t) => t.namespace))]) {
    objects.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
    objects.push({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace } });
  }
  const pods = new Map<string, { namespace: string; pod: string; containers: Set<string> }>();
  for (const t of targets) {
    const key = `${t.namespace}/${t.pod}`;
    if (!pods.has(key)) pods.set(key, { namespace: t.namespace, pod: t.pod, containers: new Set() });
    pods.get(key)!.containers.add(t.container);
  }
  for (const { namespace, pod, containers } of pods.values()) {
    objects.push({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: pod, namespace, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${pod}-rs`, uid: '00000000-0000-0000-0000-000000000002', controller: true }] },
      spec: { containers: [...containers].map((name) => ({ name, image: 'registry.example/app:1.0.0' })) },
    });
  }
  const r = cluster.apply(objects);
  if (r.status !== 0) throw new Error(`creating pods for exec/logs commands failed: ${r.stderr}`);
}
