import { Construct } from 'constructs';
import * as k8s from '../k8s';
import type { Site } from '../site/schema';
import { DASHBOARD_PORT } from './agent';
import { Names, appLabels, syncWave, SyncWave } from './metadata';

/** The public dashboard: Traefik, TLS from cert-manager, Hermes' own basic auth behind it. */
export class DashboardIngress extends Construct {
  constructor(scope: Construct, id: string, site: Site) {
    super(scope, id);
    new k8s.KubeIngress(this, 'ingress', {
      metadata: {
        name: Names.ingress,
        labels: appLabels(Names.deployment, 'dashboard'),
        annotations: {
          ...syncWave(SyncWave.workload),
          'cert-manager.io/cluster-issuer': site.dashboard.clusterIssuer,
          'traefik.ingress.kubernetes.io/router.entrypoints': 'websecure',
          'traefik.ingress.kubernetes.io/router.tls': 'true',
        },
      },
      spec: {
        ingressClassName: site.dashboard.ingressClassName,
        tls: [{ hosts: [site.dashboard.host], secretName: Names.tlsSecret }],
        rules: [
          {
            host: site.dashboard.host,
            http: {
              paths: [
                {
                  path: '/',
                  pathType: 'Prefix',
                  backend: { service: { name: Names.service, port: { number: DASHBOARD_PORT } } },
                },
              ],
            },
          },
        ],
      },
    });
  }
}
