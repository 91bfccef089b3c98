import { Construct } from 'constructs';
import * as k8s from '../k8s';
import type { Site } from '../site/schema';
import { Names, appLabels, syncWave, SyncWave } from './metadata';

/**
 * The agent's data volume (HERMES_HOME: config, sessions, memories, cron jobs). It must outlive every sync:
 * ArgoCD neither prunes it nor deletes it with the Application.
 */
export class AgentStorage extends Construct {
  constructor(scope: Construct, id: string, site: Site) {
    super(scope, id);
    new k8s.KubePersistentVolumeClaim(this, 'claim', {
      metadata: {
        name: Names.dataClaim,
        labels: appLabels('hermes', 'data'),
        annotations: {
          // The Deployment's wave, not earlier: with WaitForFirstConsumer (k3s local-path) the claim stays Pending,
          // which ArgoCD counts as Progressing, until a pod uses it; an earlier wave would wait forever.
          // Within a wave ArgoCD still applies the claim before the Deployment (kind order).
          ...syncWave(SyncWave.workload),
          'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false',
        },
      },
      spec: {
        accessModes: ['ReadWriteOnce'],
        resources: { requests: { storage: k8s.Quantity.fromString(site.storage.size) } },
        ...(site.storage.storageClassName ? { storageClassName: site.storage.storageClassName } : {}),
      },
    });
  }
}
