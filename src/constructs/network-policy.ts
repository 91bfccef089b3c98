/**
 * Network isolation for the namespace: deny everything, then allow exactly the flows the agent needs.
 * k3s enforces NetworkPolicy (kube-router). Flows are tested offline in test/network-policy.test.ts.
 */
import { Construct } from 'constructs';
import * as k8s from '../k8s';
import { cidrContains } from '../site/schema';
import type { Site } from '../site/schema';
import { DASHBOARD_PORT, GATEWAY_PORT } from './agent';
import { Names, PART_OF, appLabels, syncWave, SyncWave } from './metadata';

const NS_NAME_LABEL = 'kubernetes.io/metadata.name';

/** ipBlock for `cidr` minus the denied networks inside it (an `except` must lie within its cidr). */
function ipBlock(cidr: string, denied: readonly string[]): k8s.IpBlock {
  const except = denied.filter((d) => d !== cidr && cidrContains(cidr, d));
  return except.length > 0 ? { cidr, except } : { cidr };
}

export class AgentNetworkPolicies extends Construct {
  constructor(scope: Construct, id: string, site: Site) {
    super(scope, id);
    const net = site.network;
    // One label per selector: Polaris' missingNetworkPolicy wants a policy that matches exactly one pod label.
    const pods = (name: string) => ({ matchLabels: { 'app.kubernetes.io/name': name } });
    const policy = (name: string, spec: k8s.NetworkPolicySpec) =>
      new k8s.KubeNetworkPolicy(this, name, {
        metadata: { name, labels: appLabels(PART_OF, 'network-policy'), annotations: syncWave(SyncWave.config) },
        spec,
      });
    const tcp = (port: number) => ({ protocol: 'TCP', port: k8s.IntOrString.fromNumber(port) });
    const dns: k8s.NetworkPolicyEgressRule = {
      to: [{ namespaceSelector: { matchLabels: { [NS_NAME_LABEL]: 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
      ports: [{ protocol: 'UDP', port: k8s.IntOrString.fromNumber(53) }, tcp(53)],
    };
    // NetworkPolicy sees the API after the kubernetes Service's NAT: the server nodes' addresses and port.
    const kubernetesApi: k8s.NetworkPolicyEgressRule = {
      to: net.apiServerCidrs.map((c) => ({ ipBlock: ipBlock(c, net.deniedCidrs) })),
      ports: net.apiServerPorts.map(tcp),
    };
    const ingressController = { namespaceSelector: { matchLabels: { [NS_NAME_LABEL]: site.dashboard.ingressControllerNamespace } } };

    // Everything in the namespace starts with no traffic in either direction, DNS included.
    policy('default-deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });

    policy(Names.deployment, {
      podSelector: pods(Names.deployment),
      policyTypes: ['Ingress', 'Egress'],
      ingress: [
        // The dashboard, only through the ingress controller.
        { from: [ingressController], ports: [tcp(DASHBOARD_PORT)] },
        // The gateway API, only from inside this namespace.
        { from: [{ podSelector: {} }], ports: [tcp(GATEWAY_PORT)] },
      ],
      egress: [
        dns,
        kubernetesApi,
        // LiteLLM (through the ingress) and Discord: HTTPS only, never the denied networks (the Ollama box).
        { to: [{ ipBlock: ipBlock('0.0.0.0/0', net.deniedCidrs) }], ports: [tcp(443)] },
        // The same HTTPS when the cluster routes it to the ingress controller's pods directly (hairpin NAT).
        { to: [ingressController], ports: [tcp(443), tcp(8443)] },
      ],
    });

    policy(Names.seedJob, {
      podSelector: pods(Names.seedJob),
      policyTypes: ['Egress'],
      egress: [dns, kubernetesApi],
    });
  }
}
