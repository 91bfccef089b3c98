import { Construct } from 'constructs';
import { SealedSecret } from '../../imports/bitnami.com';
import type { SealedFile } from '../credentials/sealed-file';
import type { Site } from '../site/schema';
import { PART_OF, appLabels, syncWave, SyncWave } from './metadata';

/** `sealed` mode: the credentials Secret, encrypted for the cluster's Sealed Secrets controller (strict scope). */
export class SealedCredentials extends Construct {
  constructor(scope: Construct, id: string, site: Site, sealed: SealedFile) {
    super(scope, id);
    const labels = appLabels(PART_OF, 'credentials');
    new SealedSecret(this, 'sealed-secret', {
      metadata: { name: site.credentials.secretName, namespace: site.namespace, labels, annotations: syncWave(SyncWave.access) },
      spec: {
        encryptedData: Object.fromEntries(Object.entries(sealed.encryptedData).sort(([a], [b]) => a.localeCompare(b))),
        template: { metadata: { name: site.credentials.secretName, namespace: site.namespace, labels }, type: 'Opaque' },
      },
    });
  }
}
