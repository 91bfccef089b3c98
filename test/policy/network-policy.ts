/**
 * An offline evaluator of Kubernetes NetworkPolicy (networking.k8s.io/v1) semantics: is a flow between two
 * endpoints allowed by the NetworkPolicies among the rendered objects?
 *
 * Semantics (https://kubernetes.io/docs/concepts/services-networking/network-policies/ and the API reference):
 *  - A pod is isolated for ingress (egress) when at least one NetworkPolicy in its namespace selects it
 *    (spec.podSelector) and has "Ingress" ("Egress") in its effective policyTypes. policyTypes defaults to
 *    ["Ingress"] plus "Egress" when spec.egress is non-empty (SetDefaults_NetworkPolicySpec).
 *  - Policies are additive allow-lists: an isolated direction allows exactly the union of the rules of the
 *    policies that isolate it; a non-isolated direction allows everything.
 *  - A flow is allowed when the source side allows it as egress AND the destination side allows it as ingress.
 *    An external endpoint (an IP outside the cluster) is subject to no policy on its own side.
 *  - A rule with no (or empty) `from`/`to` matches every peer, including external IPs; with no (or empty) `ports`
 *    it matches every port and protocol.
 *  - Peers: podSelector alone = pods of the POLICY's namespace; namespaceSelector alone = every pod of the matching
 *    namespaces; both in one peer = AND; several peers = OR. ipBlock = CIDR minus `except`.
 *  - Ports: protocol defaults to TCP; a numeric port may span to endPort; a named port is resolved against the
 *    destination pod's container ports (for ingress rules that is the selected pod; for egress rules the peer pod),
 *    so it never matches an external destination.
 *  - Namespace labels: the API server sets `kubernetes.io/metadata.name: <name>` on every namespace, so it is
 *    always present. Further labels come from the endpoint's `namespaceLabels`, else from a Namespace object among
 *    the evaluated objects.
 *
 * Implementation-defined points, decided here and documented:
 *  - ipBlock vs pod IPs: the API says ipBlock is meant for cluster-external IPs, and whether it matches pod IPs is
 *    up to the CNI. k3s' embedded kube-router (and Calico) match ipBlock against any source/destination IP,
 *    including pod IPs, so a pod endpoint with an `ip` is matched against ipBlocks too; a pod without `ip` never
 *    matches an ipBlock.
 *  - Node/host-network traffic, traffic of a pod to itself, Services (use the backing pod as the endpoint; port =
 *    targetPort) and non-standard policy CRDs (Calico, Cilium, AdminNetworkPolicy) are not modelled.
 *  - Invalid policies (a peer with no selector or with ipBlock plus a selector, bad selector operators, a numeric
 *    string as named port) throw instead of being guessed at; the API server would have rejected them.
 *  - NetworkPolicies without metadata.namespace are placed in `options.defaultNamespace`; without that option they
 *    throw, because which pods they select would be a guess.
 */
import { isKind, isRecord, type KubeObject } from './kube';

export type { KubeObject } from './kube';

export type Protocol = 'TCP' | 'UDP' | 'SCTP';

export interface PodEndpoint {
  kind: 'pod';
  namespace: string;
  labels: Record<string, string>;
  /** Labels of the pod's namespace (kubernetes.io/metadata.name is added automatically). */
  namespaceLabels?: Record<string, string>;
  /** The pod's IP, matched against ipBlock peers like kube-router does. */
  ip?: string;
  /** Named container ports of the pod: name -> port (TCP) or {port, protocol}. */
  ports?: Record<string, number | { port: number; protocol?: Protocol }>;
  /** For messages only. */
  name?: string;
}

export interface ExternalEndpoint {
  kind: 'external';
  ip: string;
}

export type Endpoint = PodEndpoint | ExternalEndpoint;

export interface Flow {
  from: Endpoint;
  to: Endpoint;
  port: number;
  /** Default TCP. */
  protocol?: Protocol;
}

export interface EvaluateOptions {
  /** Namespace for NetworkPolicies that carry no metadata.namespace. */
  defaultNamespace?: string;
}

export interface DirectionVerdict {
  /** Some policy isolates the endpoint in this direction. */
  isolated: boolean;
  allowed: boolean;
  /** namespace/name of the policies that isolate the endpoint in this direction. */
  isolatedBy: string[];
  /** namespace/name of the policies with a rule admitting the flow. */
  allowedBy: string[];
}

export interface Verdict {
  allowed: boolean;
  egress: DirectionVerdict;
  ingress: DirectionVerdict;
}

export interface LabelSelector {
  matchLabels?: Record<string, string> | null;
  matchExpressions?: { key: string; operator: string; values?: string[] | null }[] | null;
}

interface PolicyPeer {
  podSelector?: LabelSelector | null;
  namespaceSelector?: LabelSelector | null;
  ipBlock?: { cidr: string; except?: string[] | null } | null;
}

interface PolicyPort {
  protocol?: Protocol;
  port?: number | string | null;
  endPort?: number | null;
}

interface PolicyRule {
  from?: PolicyPeer[] | null;
  to?: PolicyPeer[] | null;
  ports?: PolicyPort[] | null;
}

interface Policy {
  id: string;
  namespace: string;
  podSelector: LabelSelector;
  types: Set<'Ingress' | 'Egress'>;
  ingress: PolicyRule[];
  egress: PolicyRule[];
}

const NS_NAME_LABEL = 'kubernetes.io/metadata.name';

// ---- label selectors (metav1.LabelSelectorAsSelector semantics) ----

export function matchesLabelSelector(selector: LabelSelector | null | undefined, labels: Record<string, string>): boolean {
  if (!selector) return true;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[k] !== v) return false;
  }
  for (const expr of selector.matchExpressions ?? []) {
    const values = expr.values ?? [];
    const has = Object.prototype.hasOwnProperty.call(labels, expr.key);
    switch (expr.operator) {
      case 'In':
        if (values.length === 0) throw new Error(`invalid selector: operator In on "${expr.key}" needs values`);
        if (!has || !values.includes(labels[expr.key]!)) return false;
        break;
      case 'NotIn':
        if (values.length === 0) throw new Error(`invalid selector: operator NotIn on "${expr.key}" needs values`);
        if (has && values.includes(labels[expr.key]!)) return false;
        break;
      case 'Exists':
        if (values.length > 0) throw new Error(`invalid selector: operator Exists on "${expr.key}" takes no values`);
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (values.length > 0) throw new Error(`invalid selector: operator DoesNotExist on "${expr.key}" takes no values`);
        if (has) return false;
        break;
      default:
        throw new Error(`invalid selector operator "${expr.operator}"`);
    }
  }
  return true;
}

// ---- IP addresses and CIDRs (IPv4 and IPv6) ----

interface Ip {
  v6: boolean;
  value: bigint;
}

function parseIPv4(s: string): bigint | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let v = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    v = (v << 8n) | BigInt(Number(p));
  }
  return v;
}

function parseIPv6(s: string): bigint | undefined {
  let head = s;
  let tailV4: bigint | undefined;
  const lastColon = s.lastIndexOf(':');
  if (s.slice(lastColon + 1).includes('.')) {
    tailV4 = parseIPv4(s.slice(lastColon + 1));
    if (tailV4 === undefined) return undefined;
    head = `${s.slice(0, lastColon + 1)}0:0`;
  }
  const halves = head.split('::');
  if (halves.length > 2) return undefined;
  const groups = (x: string) => (x === '' ? [] : x.split(':'));
  const left = groups(halves[0]!);
  const right = halves.length === 2 ? groups(halves[1]!) : [];
  const missing = 8 - left.length - right.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const all = [...left, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...right];
  let v = 0n;
  for (const g of all) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    v = (v << 16n) | BigInt(parseInt(g, 16));
  }
  if (tailV4 !== undefined) v = (v & ~0xffffffffn) | tailV4;
  return v;
}

export function parseIp(s: string): Ip {
  const v4 = parseIPv4(s);
  if (v4 !== undefined) return { v6: false, value: v4 };
  const v6 = parseIPv6(s);
  if (v6 !== undefined) return { v6: true, value: v6 };
  throw new Error(`invalid IP address "${s}"`);
}

/** Is `ip` inside `cidr`? Addresses of the other family never are. */
export function ipInCidr(ip: string, cidr: string): boolean {
  const slash = cidr.indexOf('/');
  if (slash < 0) throw new Error(`invalid CIDR "${cidr}"`);
  const net = parseIp(cidr.slice(0, slash));
  const bits = net.v6 ? 128 : 32;
  const prefix = Number(cidr.slice(slash + 1));
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > bits) throw new Error(`invalid CIDR "${cidr}"`);
  const addr = parseIp(ip);
  if (addr.v6 !== net.v6) return false;
  const shift = BigInt(bits - prefix);
  return addr.value >> shift === net.value >> shift;
}

// ---- policies ----

function collectPolicies(objects: KubeObject[], options: EvaluateOptions): Policy[] {
  const out: Policy[] = [];
  for (const o of objects) {
    if (!isRecord(o) || !isKind(o, 'networking.k8s.io', 'NetworkPolicy')) continue;
    const namespace = o.metadata?.namespace ?? options.defaultNamespace;
    if (!namespace) {
      throw new Error(`NetworkPolicy ${o.metadata?.name} has no metadata.namespace: pass options.defaultNamespace`);
    }
    const spec = (isRecord(o.spec) ? o.spec : {}) as {
      podSelector?: LabelSelector | null;
      policyTypes?: string[] | null;
      ingress?: PolicyRule[] | null;
      egress?: PolicyRule[] | null;
    };
    const ingress = spec.ingress ?? [];
    const egress = spec.egress ?? [];
    const declared = spec.policyTypes ?? [];
    // SetDefaults_NetworkPolicySpec: "Ingress" always; "Egress" if there are egress rules.
    const types = declared.length > 0 ? declared : ['Ingress', ...(egress.length > 0 ? ['Egress'] : [])];
    for (const ty of types) {
      if (ty !== 'Ingress' && ty !== 'Egress') throw new Error(`NetworkPolicy ${namespace}/${o.metadata?.name}: invalid policyType "${ty}"`);
    }
    out.push({
      id: `${namespace}/${o.metadata?.name ?? ''}`,
      namespace,
      podSelector: spec.podSelector ?? {},
      types: new Set(types as ('Ingress' | 'Egress')[]),
      ingress,
      egress,
    });
  }
  return out;
}

function namespaceLabels(objects: KubeObject[], ep: PodEndpoint): Record<string, string> {
  let labels = ep.namespaceLabels;
  if (!labels) {
    const ns = objects.find((o) => isRecord(o) && isKind(o, '', 'Namespace') && o.metadata?.name === ep.namespace);
    labels = ns?.metadata?.labels ?? {};
  }
  return { ...labels, [NS_NAME_LABEL]: ep.namespace };
}

function peerMatches(objects: KubeObject[], peer: PolicyPeer, policyNamespace: string, ep: Endpoint, policyId: string): boolean {
  const hasSelector = peer.podSelector != null || peer.namespaceSelector != null;
  if (peer.ipBlock != null) {
    if (hasSelector) throw new Error(`NetworkPolicy ${policyId}: a peer may not combine ipBlock with selectors`);
    const ip = ep.ip;
    if (!ip) return false;
    const { cidr, except } = peer.ipBlock;
    return ipInCidr(ip, cidr) && !(except ?? []).some((e) => ipInCidr(ip, e));
  }
  if (!hasSelector) throw new Error(`NetworkPolicy ${policyId}: a peer must specify podSelector, namespaceSelector or ipBlock`);
  if (ep.kind !== 'pod') return false;
  if (peer.namespaceSelector != null) {
    if (!matchesLabelSelector(peer.namespaceSelector, namespaceLabels(objects, ep))) return false;
  } else if (ep.namespace !== policyNamespace) {
    return false; // podSelector alone selects pods of the policy's own namespace
  }
  return peer.podSelector == null || matchesLabelSelector(peer.podSelector, ep.labels);
}

function namedPort(dest: Endpoint, name: string): { port: number; protocol: Protocol } | undefined {
  if (dest.kind !== 'pod' || !dest.ports) return undefined;
  const p = dest.ports[name];
  if (p === undefined) return undefined;
  return typeof p === 'number' ? { port: p, protocol: 'TCP' } : { port: p.port, protocol: p.protocol ?? 'TCP' };
}

function portMatches(pp: PolicyPort, flow: Flow, policyId: string): boolean {
  const flowProtocol = flow.protocol ?? 'TCP';
  const protocol = pp.protocol ?? 'TCP';
  if (protocol !== flowProtocol) return false;
  if (pp.port == null) return true; // all ports of this protocol
  if (typeof pp.port === 'number') {
    if (pp.endPort != null) return flow.port >= pp.port && flow.port <= pp.endPort;
    return flow.port === pp.port;
  }
  if (/^\d+$/.test(pp.port)) throw new Error(`NetworkPolicy ${policyId}: port "${pp.port}" is a string, not a number nor a port name`);
  if (pp.endPort != null) throw new Error(`NetworkPolicy ${policyId}: endPort needs a numeric port`);
  const resolved = namedPort(flow.to, pp.port);
  return resolved !== undefined && resolved.port === flow.port && resolved.protocol === flowProtocol;
}

function ruleMatches(objects: KubeObject[], rule: PolicyRule, peers: PolicyPeer[] | null | undefined, policy: Policy, peer: Endpoint, flow: Flow): boolean {
  const peerOk = !peers || peers.length === 0 || peers.some((p) => peerMatches(objects, p, policy.namespace, peer, policy.id));
  const ports = rule.ports ?? [];
  const portOk = ports.length === 0 || ports.some((pp) => portMatches(pp, flow, policy.id));
  return peerOk && portOk;
}

function direction(objects: KubeObject[], policies: Policy[], self: Endpoint, dir: 'Ingress' | 'Egress', flow: Flow): DirectionVerdict {
  if (self.kind !== 'pod') return { isolated: false, allowed: true, isolatedBy: [], allowedBy: [] };
  const isolating = policies.filter((p) => p.namespace === self.namespace && p.types.has(dir) && matchesLabelSelector(p.podSelector, self.labels));
  if (isolating.length === 0) return { isolated: false, allowed: true, isolatedBy: [], allowedBy: [] };
  const other = dir === 'Ingress' ? flow.from : flow.to;
  const allowedBy = isolating
    .filter((p) => (dir === 'Ingress' ? p.ingress : p.egress).some((rule) => ruleMatches(objects, rule, dir === 'Ingress' ? rule.from : rule.to, p, other, flow)))
    .map((p) => p.id);
  return { isolated: true, allowed: allowedBy.length > 0, isolatedBy: isolating.map((p) => p.id), allowedBy };
}

/** The verdict for a flow, with the policies that isolate and admit it on each side. */
export function evaluate(objects: KubeObject[], flow: Flow, options: EvaluateOptions = {}): Verdict {
  const policies = collectPolicies(objects, options);
  const egress = direction(objects, policies, flow.from, 'Egress', flow);
  const ingress = direction(objects, policies, flow.to, 'Ingress', flow);
  return { allowed: egress.allowed && ingress.allowed, egress, ingress };
}

/** Is the flow allowed by the NetworkPolicies among `objects`? */
export function isAllowed(objects: KubeObject[], flow: Flow, options: EvaluateOptions = {}): boolean {
  return evaluate(objects, flow, options).allowed;
}

const POD_TEMPLATE_PATHS: Record<string, string[]> = {
  Pod: [],
  Deployment: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  ReplicaSet: ['spec', 'template'],
  Job: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
};

/**
 * A pod endpoint for the pods of a rendered workload (Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job,
 * CronJob): its pod template's labels and named container ports.
 */
export function podEndpointFor(
  objects: KubeObject[],
  ref: { kind: string; name: string; namespace?: string },
  extra: { ip?: string; namespaceLabels?: Record<string, string>; defaultNamespace?: string } = {},
): PodEndpoint {
  const obj = objects.find(
    (o) => isRecord(o) && o.kind === ref.kind && o.metadata?.name === ref.name && (ref.namespace === undefined || (o.metadata?.namespace ?? extra.defaultNamespace) === ref.namespace),
  );
  if (!obj) throw new Error(`no ${ref.kind} ${ref.namespace ?? ''}/${ref.name} among the objects`);
  const path = POD_TEMPLATE_PATHS[ref.kind];
  if (!path) throw new Error(`${ref.kind} has no pod template`);
  let template: unknown = obj;
  for (const key of path) template = isRecord(template) ? template[key] : undefined;
  if (!isRecord(template)) throw new Error(`${ref.kind} ${ref.name} has no pod template`);
  const meta = isRecord(template.metadata) ? template.metadata : {};
  const spec = isRecord(template.spec) ? template.spec : {};
  const ports: Record<string, { port: number; protocol?: Protocol }> = {};
  for (const c of [...((spec.containers as unknown[]) ?? []), ...((spec.initContainers as unknown[]) ?? [])]) {
    if (!isRecord(c) || !Array.isArray(c.ports)) continue;
    for (const p of c.ports as { name?: string; containerPort: number; protocol?: Protocol }[]) {
      if (p.name) ports[p.name] = { port: p.containerPort, protocol: p.protocol ?? 'TCP' };
    }
  }
  const namespace = ref.namespace ?? obj.metadata?.namespace ?? extra.defaultNamespace;
  if (!namespace) throw new Error(`${ref.kind} ${ref.name} has no namespace: pass ref.namespace or extra.defaultNamespace`);
  const ep: PodEndpoint = { kind: 'pod', name: ref.name, namespace, labels: { ...((meta.labels as Record<string, string>) ?? {}) }, ports };
  if (extra.ip) ep.ip = extra.ip;
  if (extra.namespaceLabels) ep.namespaceLabels = extra.namespaceLabels;
  return ep;
}
