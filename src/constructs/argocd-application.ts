import { Construct } from 'constructs';
import { Application } from '../../imports/argoproj.io';
import type { Site } from '../site/schema';
import { PART_OF, appLabels } from './metadata';

/**
 * The ArgoCD Application (the plan's gen-apps line: automated, prune, selfHeal). It lives in dist/argocd/, outside
 * the folder it syncs, so applying that folder never applies or prunes the Application itself.
 */
export class ArgocdApplication extends Construct {
  constructor(scope: Construct, id: string, site: Site) {
    super(scope, id);
    new Application(this, 'application', {
      metadata: {
        name: PART_OF,
        namespace: site.argocd.namespace,
        labels: appLabels(PART_OF, 'gitops'),
        // No resources-finalizer: deleting the Application must not cascade to the agent's volume or state.
      },
      spec: {
        project: site.argocd.project,
        source: { repoUrl: site.argocd.repoURL, targetRevision: site.argocd.targetRevision, path: site.argocd.path },
        destination: { server: 'https://kubernetes.default.svc', namespace: site.namespace },
        syncPolicy: {
          automated: { prune: true, selfHeal: true },
          syncOptions: ['CreateNamespace=false', 'PruneLast=true'],
        },
      },
    });
  }
}
