// The namespace's NetworkPolicies, evaluated offline the way Kubernetes does (test/policy/network-policy.ts),
// over a table of flows the agent needs and flows it must never make.
import { describe, expect, it } from 'vitest';
import { evaluate, podEndpointFor, type Endpoint, type Flow } from './policy/network-policy';
import { objects } from './helpers';

const all = objects();
const hermes = podEndpointFor(all, { kind: 'Deployment', name: 'hermes', namespace: 'platform-engineer' }, { ip: '10.42.0.50' });
const seedJob = podEndpointFor(all, { kind: 'Job', name: 'hermes-cron-seed', namespace: 'platform-engineer' }, { ip: '10.42.0.51' });
const traefik: Endpoint = { kind: 'pod', namespace: 'kube-system', labels: { 'app.kubernetes.io/name': 'traefik' }, ip: '10.42.0.10', ports: { websecure: 8443 } };
const coredns: Endpoint = { kind: 'pod', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' }, ip: '10.42.0.11' };
const metricsServer: Endpoint = { kind: 'pod', namespace: 'kube-system', labels: { 'k8s-app': 'metrics-server' }, ip: '10.42.0.12' };
const otherApp: Endpoint = { kind: 'pod', namespace: 'default', labels: { app: 'whoami' }, ip: '10.42.1.20' };
const argocdServer: Endpoint = { kind: 'pod', namespace: 'argocd', labels: { 'app.kubernetes.io/name': 'argocd-server' }, ip: '10.42.1.30' };
const ext = (ip: string): Endpoint => ({ kind: 'external', ip });

const API_SERVER = ext('10.88.20.10'); // a k3s server node
const LITELLM_INGRESS = ext('10.88.20.5'); // litellm.rogi.casa on the LAN
const DISCORD = ext('162.159.135.232');
const OLLAMA = ext('10.88.20.12');

type Row = [description: string, flow: Flow];

const ALLOWED: Row[] = [
  ['ingress controller -> dashboard 9119', { from: traefik, to: hermes, port: 9119 }],
  ['agent -> cluster DNS (UDP 53)', { from: hermes, to: coredns, port: 53, protocol: 'UDP' }],
  ['agent -> cluster DNS (TCP 53)', { from: hermes, to: coredns, port: 53 }],
  ['seed Job -> cluster DNS (UDP 53)', { from: seedJob, to: coredns, port: 53, protocol: 'UDP' }],
  ['agent -> Kubernetes API on the server node (6443)', { from: hermes, to: API_SERVER, port: 6443 }],
  ['agent -> kubernetes Service address (443)', { from: hermes, to: ext('10.43.0.1'), port: 443 }],
  ['seed Job -> Kubernetes API (6443)', { from: seedJob, to: API_SERVER, port: 6443 }],
  ['agent -> LiteLLM through the ingress (443)', { from: hermes, to: LITELLM_INGRESS, port: 443 }],
  ['agent -> LiteLLM through the ingress pod (hairpin, 8443)', { from: hermes, to: traefik, port: 8443 }],
  ['agent -> Discord (443)', { from: hermes, to: DISCORD, port: 443 }],
];

const DENIED: Row[] = [
  ['agent -> Ollama directly (11434)', { from: hermes, to: OLLAMA, port: 11434 }],
  ['agent -> Ollama box on HTTPS', { from: hermes, to: OLLAMA, port: 443 }],
  ['agent -> Ollama box on the API port', { from: hermes, to: OLLAMA, port: 6443 }],
  ['agent -> plain HTTP anywhere (80)', { from: hermes, to: DISCORD, port: 80 }],
  ['agent -> SSH on the LAN (22)', { from: hermes, to: ext('10.88.20.20'), port: 22 }],
  ['agent -> another workload pod', { from: hermes, to: otherApp, port: 8080 }],
  ['agent -> ArgoCD server pod', { from: hermes, to: argocdServer, port: 8080 }],
  ['agent -> kube-system pod that is not DNS, on 53', { from: hermes, to: metricsServer, port: 53, protocol: 'UDP' }],
  ['agent -> kubelet on a node (10250)', { from: hermes, to: API_SERVER, port: 10250 }],
  ['seed Job -> the internet (443 is only for the agent)', { from: seedJob, to: DISCORD, port: 443 }],
  ['seed Job -> Ollama (11434)', { from: seedJob, to: OLLAMA, port: 11434 }],
  ['another namespace -> dashboard 9119', { from: otherApp, to: hermes, port: 9119 }],
  ['another namespace -> gateway API 8642', { from: otherApp, to: hermes, port: 8642 }],
  ['ingress controller -> gateway API 8642', { from: traefik, to: hermes, port: 8642 }],
  ['the LAN -> dashboard directly', { from: ext('10.88.20.100'), to: hermes, port: 9119 }],
  ['the LAN -> gateway API directly', { from: ext('10.88.20.100'), to: hermes, port: 8642 }],
  ['pod of the namespace -> dashboard (only through the ingress)', { from: seedJob, to: hermes, port: 9119 }],
  ['seed Job -> gateway API (it seeds through exec, so its egress does not include the gateway)', { from: seedJob, to: hermes, port: 8642 }],
];

describe('NetworkPolicy flows', () => {
  it.each(ALLOWED)('allows %s', (_d, flow) => {
    const v = evaluate(all, flow);
    expect(v.allowed, JSON.stringify(v)).toBe(true);
  });

  it.each(DENIED)('denies %s', (_d, flow) => {
    expect(evaluate(all, flow).allowed).toBe(false);
  });

  it('admits the gateway API from pods of the namespace only (the ingress side of the rule)', () => {
    expect(evaluate(all, { from: seedJob, to: hermes, port: 8642 }).ingress.allowed).toBe(true);
    expect(evaluate(all, { from: otherApp, to: hermes, port: 8642 }).ingress.allowed).toBe(false);
    expect(evaluate(all, { from: traefik, to: hermes, port: 8642 }).ingress.allowed).toBe(false);
  });

  it('isolates every pod of the namespace in both directions (default deny)', () => {
    for (const pod of [hermes, seedJob]) {
      const v = evaluate(all, { from: pod, to: otherApp, port: 1 });
      expect(v.egress.isolatedBy).toContain('platform-engineer/default-deny');
      const w = evaluate(all, { from: otherApp, to: pod, port: 1 });
      expect(w.ingress.isolatedBy).toContain('platform-engineer/default-deny');
    }
  });

  it('follows the site: another ingress controller namespace and another denied network', () => {
    const objs = objects({ dashboard: { ingressControllerNamespace: 'ingress-nginx' }, network: { deniedCidrs: ['10.88.30.0/24'] } });
    const h = podEndpointFor(objs, { kind: 'Deployment', name: 'hermes', namespace: 'platform-engineer' });
    const nginx: Endpoint = { kind: 'pod', namespace: 'ingress-nginx', labels: { app: 'nginx' } };
    expect(evaluate(objs, { from: nginx, to: h, port: 9119 }).allowed).toBe(true);
    expect(evaluate(objs, { from: traefik, to: h, port: 9119 }).allowed).toBe(false);
    expect(evaluate(objs, { from: h, to: ext('10.88.30.7'), port: 443 }).allowed).toBe(false);
    expect(evaluate(objs, { from: h, to: OLLAMA, port: 443 }).allowed).toBe(true);
  });
});

export const FLOW_COUNTS = { allowed: ALLOWED.length, denied: DENIED.length };
