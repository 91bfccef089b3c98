/**
 * The charts: one per output file. Cluster-scoped objects live in a chart without a namespace (a chart namespace
 * would be stamped onto them); the Application is its own chart so it lands outside the synced folder.
 */
import { App, Chart } from 'cdk8s';
import { Agent } from './constructs/agent';
import { AgentNamespace } from './constructs/namespace';
import { AgentNetworkPolicies } from './constructs/network-policy';
import { AgentGuardrails } from './constructs/agent-guardrails';
import { AgentRbac } from './constructs/agent-rbac';
import { AgentServiceAccount } from './constructs/service-accounts';
import { AgentStorage } from './constructs/storage';
import { ArgocdApplication } from './constructs/argocd-application';
import { CronSeedJob } from './constructs/cron-seed-job';
import { DashboardIngress } from './constructs/dashboard-ingress';
import { SealedCredentials } from './constructs/sealed-credentials';
import { SeedConfig } from './constructs/seed-config';
import type { SealedFile } from './credentials/sealed-file';
import type { ImageRef } from './image/image-ref';
import type { Site } from './site/schema';

/** Everything synth reads, validated: the only input the charts get. */
export interface ProjectInputs {
  readonly site: Site;
  readonly image: ImageRef;
  /** Present exactly when site.credentials.mode is "sealed". */
  readonly sealed?: SealedFile;
}

/** A chart and the file (relative to dist/) it is written to. */
export interface OutputChart {
  readonly file: string;
  readonly chart: Chart;
}

/** Where the Application lands, relative to dist/: the one file the user applies by hand (README checklist). */
export function applicationFile(site: Site): string {
  return `argocd/${site.namespace}.application.yaml`;
}

export function buildCharts(inputs: ProjectInputs, app: App = new App()): OutputChart[] {
  const { site, image, sealed } = inputs;
  const dir = site.namespace;

  const cluster = new Chart(app, 'cluster', { disableResourceNameHashes: true });
  new AgentNamespace(cluster, 'namespace', site);
  new AgentRbac(cluster, 'rbac', site);
  new AgentGuardrails(cluster, 'guardrails', site);

  const agent = new Chart(app, 'platform-engineer', { namespace: site.namespace, disableResourceNameHashes: true });
  new AgentServiceAccount(agent, 'service-account');
  if (site.credentials.mode === 'sealed') {
    if (!sealed) throw new Error('credentials.mode is "sealed" but no sealed file was loaded');
    new SealedCredentials(agent, 'credentials', site, sealed);
  }
  new AgentStorage(agent, 'storage', site);
  const seed = new SeedConfig(agent, 'seed', site, image.hermesVersion);
  new AgentNetworkPolicies(agent, 'network', site);
  new Agent(agent, 'agent', { site, image, seedHash: seed.contentHash });
  new DashboardIngress(agent, 'dashboard', site);
  new CronSeedJob(agent, 'cron-seed', site, image);

  const argocd = new Chart(app, 'argocd', { disableResourceNameHashes: true });
  new ArgocdApplication(argocd, 'application', site);

  return [
    { file: `${dir}/cluster.yaml`, chart: cluster },
    { file: `${dir}/platform-engineer.yaml`, chart: agent },
    { file: applicationFile(site), chart: argocd },
  ];
}
