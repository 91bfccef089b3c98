import { Construct } from 'constructs';
import * as k8s from '../k8s';
import type { Site } from '../site/schema';
import { PART_OF, appLabels, syncWave, SyncWave } from './metadata';

/**
 * The namespace, with Pod Security labels. The root start of Hermes cannot meet "restricted", so in `root` mode
 * the namespace enforces "baseline" and warns/audits against "restricted"; in `non-root` mode it enforces
 * "restricted" outright.
 */
export class AgentNamespace extends Construct {
  constructor(scope: Construct, id: string, site: Site) {
    super(scope, id);
    const enforce = site.securityMode === 'root' ? 'baseline' : 'restricted';
    new k8s.KubeNamespace(this, 'namespace', {
      metadata: {
        name: site.namespace,
        labels: {
          ...appLabels(PART_OF, 'namespace'),
          'pod-security.kubernetes.io/enforce': enforce,
          'pod-security.kubernetes.io/warn': 'restricted',
          'pod-security.kubernetes.io/audit': 'restricted',
        },
        annotations: {
          ...syncWave(SyncWave.namespace),
          // A cascading Application delete would delete the namespace and with it the agent's volume.
          'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false',
        },
      },
    });
  }
}
