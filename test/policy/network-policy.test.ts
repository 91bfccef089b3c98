import { describe, expect, it } from 'vitest';
import {
  evaluate,
  ipInCidr,
  isAllowed,
  matchesLabelSelector,
  podEndpointFor,
  type Endpoint,
  type KubeObject,
  type PodEndpoint,
} from './network-policy';

const np = (namespace: string | undefined, name: string, spec: Record<string, unknown>): KubeObject => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: namespace === undefined ? { name } : { name, namespace },
  spec,
});
const pod = (namespace: string, labels: Record<string, string>, extra: Partial<PodEndpoint> = {}): PodEndpoint => ({ kind: 'pod', namespace, labels, ...extra });
const ext = (ip: string): Endpoint => ({ kind: 'external', ip });

const agent = pod('hermes', { app: 'agent' }, { ip: '10.42.0.10' });
const seed = pod('hermes', { app: 'seed' });
const other = pod('web', { app: 'web' });
const coredns = pod('kube-system', { 'k8s-app': 'kube-dns' }, { ip: '10.42.0.2' });
const kubeProxy = pod('kube-system', { 'k8s-app': 'metrics-server' });

const defaultDeny = np('hermes', 'default-deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });

describe('no policies', () => {
  it('allows everything', () => {
    expect(isAllowed([], { from: agent, to: other, port: 80 })).toBe(true);
    expect(isAllowed([], { from: ext('1.2.3.4'), to: agent, port: 22 })).toBe(true);
  });
});

describe('default deny all', () => {
  const objs = [defaultDeny];

  it('denies ingress and egress of every pod in the namespace', () => {
    expect(isAllowed(objs, { from: agent, to: seed, port: 80 })).toBe(false);
    expect(isAllowed(objs, { from: agent, to: ext('1.1.1.1'), port: 443 })).toBe(false);
    expect(isAllowed(objs, { from: ext('1.1.1.1'), to: agent, port: 8080 })).toBe(false);
    expect(isAllowed(objs, { from: other, to: agent, port: 8080 })).toBe(false); // ingress side isolated
    expect(isAllowed(objs, { from: agent, to: other, port: 80 })).toBe(false); // egress side isolated
  });

  it('leaves pods of other namespaces unaffected', () => {
    expect(isAllowed(objs, { from: other, to: pod('web', { app: 'db' }), port: 5432 })).toBe(true);
    expect(isAllowed(objs, { from: other, to: ext('8.8.8.8'), port: 53, protocol: 'UDP' })).toBe(true);
  });

  it('explains the verdict', () => {
    const v = evaluate(objs, { from: agent, to: other, port: 80 });
    expect(v.egress).toEqual({ isolated: true, allowed: false, isolatedBy: ['hermes/default-deny'], allowedBy: [] });
    expect(v.ingress).toEqual({ isolated: false, allowed: true, isolatedBy: [], allowedBy: [] });
  });
});

describe('policyTypes defaulting', () => {
  it('a policy without policyTypes and without egress rules isolates ingress only', () => {
    const objs = [np('hermes', 'deny-ingress', { podSelector: {} })];
    expect(isAllowed(objs, { from: ext('1.1.1.1'), to: agent, port: 80 })).toBe(false);
    expect(isAllowed(objs, { from: agent, to: ext('1.1.1.1'), port: 443 })).toBe(true);
  });

  it('egress rules without policyTypes make it an egress policy too', () => {
    const objs = [np('hermes', 'egress-443', { podSelector: {}, egress: [{ ports: [{ port: 443 }] }] })];
    expect(isAllowed(objs, { from: agent, to: ext('1.1.1.1'), port: 443 })).toBe(true);
    expect(isAllowed(objs, { from: agent, to: ext('1.1.1.1'), port: 80 })).toBe(false);
    expect(isAllowed(objs, { from: seed, to: agent, port: 80 })).toBe(false); // and Ingress, with no rules
  });

  it('explicit policyTypes [Ingress] ignores egress rules', () => {
    const objs = [np('hermes', 'ingress-only', { podSelector: {}, policyTypes: ['Ingress'], egress: [{ ports: [{ port: 443 }] }] })];
    expect(isAllowed(objs, { from: agent, to: ext('1.1.1.1'), port: 80 })).toBe(true);
  });
});

describe('allow DNS egress to kube-system', () => {
  const allowDns = np('hermes', 'allow-dns', {
    podSelector: {},
    policyTypes: ['Egress'],
    egress: [
      {
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
        ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }],
      },
    ],
  });
  const objs = [defaultDeny, allowDns];

  it('allows 53/UDP and 53/TCP to CoreDNS only', () => {
    expect(isAllowed(objs, { from: agent, to: coredns, port: 53, protocol: 'UDP' })).toBe(true);
    expect(isAllowed(objs, { from: agent, to: coredns, port: 53 })).toBe(true);
    expect(isAllowed(objs, { from: agent, to: coredns, port: 53, protocol: 'SCTP' })).toBe(false);
    expect(isAllowed(objs, { from: agent, to: coredns, port: 9153 })).toBe(false);
    expect(isAllowed(objs, { from: agent, to: kubeProxy, port: 53, protocol: 'UDP' })).toBe(false);
    expect(isAllowed(objs, { from: agent, to: ext('8.8.8.8'), port: 53, protocol: 'UDP' })).toBe(false);
    // the same labels in another namespace do not match the namespaceSelector
    expect(isAllowed(objs, { from: agent, to: pod('web', { 'k8s-app': 'kube-dns' }), port: 53, protocol: 'UDP' })).toBe(false);
  });

  it('reports the admitting policy', () => {
    expect(evaluate(objs, { from: agent, to: coredns, port: 53, protocol: 'UDP' }).egress.allowedBy).toEqual(['hermes/allow-dns']);
  });
});

describe('ipBlock', () => {
  const objs = [
    defaultDeny,
    np('hermes', 'https-out', {
      podSelector: { matchLabels: { app: 'agent' } },
      policyTypes: ['Egress'],
      egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '192.168.1.50/32'] } }], ports: [{ protocol: 'TCP', port: 443 }] }],
    }),
  ];

  it('matches the cidr minus the excepted ranges', () => {
    expect(isAllowed(objs, { from: agent, to: ext('140.82.112.3'), port: 443 })).toBe(true);
    expect(isAllowed(objs, { from: agent, to: ext('192.168.1.49'), port: 443 })).toBe(true);
    expect(isAllowed(objs, { from: agent, to: ext('192.168.1.50'), port: 443 })).toBe(false);
    expect(isAllowed(objs, { from: agent, to: ext('10.43.0.1'), port: 443 })).toBe(false);
    expect(isAllowed(objs, { from: agent, to: ext('140.82.112.3'), port: 80 })).toBe(false);
    expect(isAllowed(objs, { from: agent, to: ext('2001:db8::1'), port: 443 })).toBe(false); // other address family
  });

  it('applies to pod IPs too (kube-router), and never to pods without an IP', () => {
    const open = [np('web', 'any', { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '10.42.0.0/16' } }] }] })];
    expect(isAllowed(open, { from: agent, to: other, port: 80 })).toBe(true); // agent has 10.42.0.10
    expect(isAllowed(open, { from: seed, to: other, port: 80 })).toBe(false); // seed has no ip
    expect(isAllowed(open, { from: ext('10.42.9.9'), to: other, port: 80 })).toBe(true);
    expect(isAllowed(open, { from: ext('10.43.0.1'), to: other, port: 80 })).toBe(false);
  });

  it('handles IPv6 CIDRs', () => {
    expect(ipInCidr('2001:db8::1', '2001:db8::/32')).toBe(true);
    expect(ipInCidr('2001:db9::1', '2001:db8::/32')).toBe(false);
    expect(ipInCidr('::ffff:10.0.0.1', '::ffff:10.0.0.0/120')).toBe(true);
    expect(ipInCidr('10.0.0.1', '::/0')).toBe(false);
    expect(() => ipInCidr('10.0.0.256', '10.0.0.0/8')).toThrow(/invalid IP/);
  });
});

describe('peers: namespaceSelector + podSelector in one peer (AND) vs separate peers (OR)', () => {
  const monitoringProm = pod('monitoring', { app: 'prometheus' });
  const monitoringOther = pod('monitoring', { app: 'grafana' });
  const hermesProm = pod('hermes', { app: 'prometheus' });
  const monNs = { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } };
  const prom = { matchLabels: { app: 'prometheus' } };
  const and = [np('hermes', 'and', { podSelector: { matchLabels: { app: 'agent' } }, ingress: [{ from: [{ namespaceSelector: monNs, podSelector: prom }] }] })];
  const or = [np('hermes', 'or', { podSelector: { matchLabels: { app: 'agent' } }, ingress: [{ from: [{ namespaceSelector: monNs }, { podSelector: prom }] }] })];

  it('AND: only prometheus pods of the monitoring namespace', () => {
    expect(isAllowed(and, { from: monitoringProm, to: agent, port: 9090 })).toBe(true);
    expect(isAllowed(and, { from: monitoringOther, to: agent, port: 9090 })).toBe(false);
    expect(isAllowed(and, { from: hermesProm, to: agent, port: 9090 })).toBe(false);
  });

  it('OR: any pod of monitoring, or prometheus pods of the policy namespace', () => {
    expect(isAllowed(or, { from: monitoringProm, to: agent, port: 9090 })).toBe(true);
    expect(isAllowed(or, { from: monitoringOther, to: agent, port: 9090 })).toBe(true);
    expect(isAllowed(or, { from: hermesProm, to: agent, port: 9090 })).toBe(true);
    expect(isAllowed(or, { from: pod('web', { app: 'prometheus' }), to: agent, port: 9090 })).toBe(false);
    expect(isAllowed(or, { from: ext('1.2.3.4'), to: agent, port: 9090 })).toBe(false);
  });

  it('namespace labels come from the endpoint, else from a Namespace object', () => {
    const labelled = [np('hermes', 'team', { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'ops' } } }] }] })];
    const src = pod('tools', { app: 'x' });
    expect(isAllowed(labelled, { from: src, to: agent, port: 80 })).toBe(false);
    expect(isAllowed(labelled, { from: { ...src, namespaceLabels: { team: 'ops' } }, to: agent, port: 80 })).toBe(true);
    const nsObj: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'tools', labels: { team: 'ops' } } };
    expect(isAllowed([...labelled, nsObj], { from: src, to: agent, port: 80 })).toBe(true);
  });

  it('an empty from matches every source, an empty rule everything', () => {
    const objs = [np('hermes', 'all', { podSelector: {}, ingress: [{ from: [], ports: [{ port: 8080 }] }] })];
    expect(isAllowed(objs, { from: ext('1.2.3.4'), to: agent, port: 8080 })).toBe(true);
    expect(isAllowed(objs, { from: other, to: agent, port: 8081 })).toBe(false);
    expect(isAllowed([np('hermes', 'open', { podSelector: {}, ingress: [{}] })], { from: other, to: agent, port: 1, protocol: 'UDP' })).toBe(true);
  });
});

describe('ports', () => {
  const web = pod('hermes', { app: 'agent' }, { ports: { http: 8080, metrics: { port: 9090 }, dns: { port: 53, protocol: 'UDP' } } });

  it('named ports resolve against the destination pod', () => {
    const objs = [np('hermes', 'named', { podSelector: {}, ingress: [{ ports: [{ port: 'http' }, { port: 'dns', protocol: 'UDP' }] }] })];
    expect(isAllowed(objs, { from: other, to: web, port: 8080 })).toBe(true);
    expect(isAllowed(objs, { from: other, to: web, port: 80 })).toBe(false);
    expect(isAllowed(objs, { from: other, to: web, port: 9090 })).toBe(false);
    expect(isAllowed(objs, { from: other, to: web, port: 8080, protocol: 'UDP' })).toBe(false);
    expect(isAllowed(objs, { from: other, to: web, port: 53, protocol: 'UDP' })).toBe(true);
    expect(isAllowed(objs, { from: other, to: agent, port: 8080 })).toBe(false); // agent declares no named ports
  });

  it('named ports in egress rules resolve against the peer pod and never match external IPs', () => {
    const objs = [np('web', 'out', { podSelector: {}, policyTypes: ['Egress'], egress: [{ ports: [{ port: 'http' }] }] })];
    expect(isAllowed(objs, { from: other, to: web, port: 8080 })).toBe(true);
    expect(isAllowed(objs, { from: other, to: ext('1.2.3.4'), port: 8080 })).toBe(false);
  });

  it('endPort ranges and protocol defaults', () => {
    const objs = [np('hermes', 'range', { podSelector: {}, ingress: [{ ports: [{ port: 30000, endPort: 30010 }, { protocol: 'UDP' }] }] })];
    expect(isAllowed(objs, { from: other, to: agent, port: 30000 })).toBe(true);
    expect(isAllowed(objs, { from: other, to: agent, port: 30010 })).toBe(true);
    expect(isAllowed(objs, { from: other, to: agent, port: 30011 })).toBe(false);
    expect(isAllowed(objs, { from: other, to: agent, port: 30005, protocol: 'UDP' })).toBe(true); // all UDP ports
    expect(isAllowed(objs, { from: other, to: agent, port: 12345, protocol: 'UDP' })).toBe(true);
    expect(isAllowed(objs, { from: other, to: agent, port: 12345 })).toBe(false);
  });
});

describe('selection', () => {
  it('pods not selected by any policy are unaffected', () => {
    const objs = [np('hermes', 'agent-only', { podSelector: { matchLabels: { app: 'agent' } }, policyTypes: ['Ingress', 'Egress'] })];
    expect(isAllowed(objs, { from: seed, to: ext('1.1.1.1'), port: 443 })).toBe(true);
    expect(isAllowed(objs, { from: other, to: seed, port: 80 })).toBe(true);
    expect(isAllowed(objs, { from: seed, to: agent, port: 80 })).toBe(false);
  });

  it('policies are additive: any admitting policy suffices', () => {
    const objs = [
      defaultDeny,
      np('hermes', 'a', { podSelector: { matchLabels: { app: 'agent' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'seed' } } }] }] }),
      np('hermes', 'b', { podSelector: { matchLabels: { app: 'seed' } }, policyTypes: ['Egress'], egress: [{ to: [{ podSelector: {} }] }] }),
    ];
    expect(isAllowed(objs, { from: seed, to: agent, port: 8642 })).toBe(true);
    expect(isAllowed(objs, { from: agent, to: seed, port: 8642 })).toBe(false);
  });

  it('label selector operators', () => {
    const labels = { app: 'agent', tier: 'backend' };
    const sel = (operator: string, values?: string[]) => ({ matchExpressions: [{ key: 'tier', operator, ...(values ? { values } : {}) }] });
    expect(matchesLabelSelector({}, labels)).toBe(true);
    expect(matchesLabelSelector(sel('In', ['backend', 'x']), labels)).toBe(true);
    expect(matchesLabelSelector(sel('In', ['frontend']), labels)).toBe(false);
    expect(matchesLabelSelector(sel('NotIn', ['frontend']), labels)).toBe(true);
    expect(matchesLabelSelector(sel('NotIn', ['backend']), labels)).toBe(false);
    expect(matchesLabelSelector(sel('NotIn', ['backend']), { app: 'x' })).toBe(true);
    expect(matchesLabelSelector(sel('Exists'), labels)).toBe(true);
    expect(matchesLabelSelector(sel('Exists'), { app: 'x' })).toBe(false);
    expect(matchesLabelSelector(sel('DoesNotExist'), labels)).toBe(false);
    expect(matchesLabelSelector(sel('DoesNotExist'), { app: 'x' })).toBe(true);
    expect(matchesLabelSelector({ matchLabels: { app: 'agent' }, ...sel('In', ['frontend']) }, labels)).toBe(false);
    expect(() => matchesLabelSelector(sel('In', []), labels)).toThrow(/needs values/);
    expect(() => matchesLabelSelector(sel('Gt', ['1']), labels)).toThrow(/operator/);
  });

  it('rejects invalid peers and namespace-less policies unless a default namespace is given', () => {
    expect(() => isAllowed([np('hermes', 'bad', { podSelector: {}, ingress: [{ from: [{}] }] })], { from: seed, to: agent, port: 1 })).toThrow(/must specify/);
    expect(() =>
      isAllowed([np('hermes', 'bad', { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '0.0.0.0/0' }, podSelector: {} }] }] })], { from: seed, to: agent, port: 1 }),
    ).toThrow(/ipBlock/);
    const nons = [np(undefined, 'deny', { podSelector: {}, policyTypes: ['Ingress'] })];
    expect(() => isAllowed(nons, { from: seed, to: agent, port: 1 })).toThrow(/defaultNamespace/);
    expect(isAllowed(nons, { from: other, to: agent, port: 1 }, { defaultNamespace: 'hermes' })).toBe(false);
  });
});

describe('podEndpointFor', () => {
  it('takes labels and named ports from a workload pod template', () => {
    const deploy: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'hermes', namespace: 'hermes' },
      spec: {
        template: {
          metadata: { labels: { 'app.kubernetes.io/name': 'hermes' } },
          spec: { containers: [{ name: 'a', ports: [{ name: 'gateway', containerPort: 8642 }, { containerPort: 9 }] }] },
        },
      },
    };
    const ep = podEndpointFor([deploy], { kind: 'Deployment', name: 'hermes' }, { ip: '10.42.1.1' });
    expect(ep).toEqual({
      kind: 'pod',
      name: 'hermes',
      namespace: 'hermes',
      labels: { 'app.kubernetes.io/name': 'hermes' },
      ports: { gateway: { port: 8642, protocol: 'TCP' } },
      ip: '10.42.1.1',
    });
    const objs = [deploy, np('hermes', 'gw', { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'hermes' } }, ingress: [{ ports: [{ port: 'gateway' }] }] })];
    expect(isAllowed(objs, { from: other, to: ep, port: 8642 })).toBe(true);
    expect(isAllowed(objs, { from: other, to: ep, port: 8643 })).toBe(false);
    expect(() => podEndpointFor([deploy], { kind: 'Deployment', name: 'nope' })).toThrow(/no Deployment/);
  });
});
