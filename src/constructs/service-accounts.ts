import { Construct } from 'constructs';
import * as k8s from '../k8s';
import { Names, PART_OF, appLabels, syncWave, SyncWave } from './metadata';

/**
 * The agent's ServiceAccount. Tokens are never mounted automatically: the pods that call the API mount a
 * projected token into exactly the container that uses it (pod-security.ts).
 */
export class AgentServiceAccount extends Construct {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    new k8s.KubeServiceAccount(this, 'sa', {
      metadata: { name: Names.agentServiceAccount, labels: appLabels(PART_OF, 'rbac'), annotations: syncWave(SyncWave.access) },
      automountServiceAccountToken: false,
    });
  }
}
