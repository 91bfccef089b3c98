/**
 * The cron seeder: an ArgoCD Sync hook Job, in the Deployment's wave, that waits for the Hermes gateway (container
 * running, /health answering; not pod readiness) and converges its cron jobs on the watchdog catalog (seed_cron.py,
 * run inside the Hermes container). Its ServiceAccount may read and exec into pods of its own namespace only.
 */
import { Construct } from 'constructs';
import * as k8s from '../k8s';
import type { ImageRef } from '../image/image-ref';
import type { Site } from '../site/schema';
import { GATEWAY_PORT, HELPER_RESOURCES, SEED_PATH, imageName } from './agent';
import { Names, appLabels, polarisExempt, selectorLabels, syncWave, SyncWave } from './metadata';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext, tokenMount, tokenVolume } from './pod-security';

/** The seed Job's Role: find the Hermes pod, wait for its rollout, exec the seeder in it. Nothing else. */
export const SEED_JOB_RULES: k8s.PolicyRule[] = [
  { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'list', 'watch'] },
  // get: kubectl 1.30+ execs over WebSocket (a GET); create: SPDY, the fallback.
  { apiGroups: [''], resources: ['pods/exec'], verbs: ['get', 'create'] },
];

export class CronSeedJob extends Construct {
  constructor(scope: Construct, id: string, site: Site, image: ImageRef) {
    super(scope, id);
    const labels = appLabels(Names.seedJob, 'cron-seed');
    const access = syncWave(SyncWave.access);

    new k8s.KubeServiceAccount(this, 'sa', {
      metadata: { name: Names.seedServiceAccount, labels, annotations: access },
      automountServiceAccountToken: false,
    });
    new k8s.KubeRole(this, 'role', {
      // Exec into the Hermes pod is how the seeder reaches Hermes' CLI; limited to this namespace.
      metadata: { name: Names.seedServiceAccount, labels, annotations: { ...access, ...polarisExempt('rolePodExecAttach') } },
      rules: SEED_JOB_RULES,
    });
    new k8s.KubeRoleBinding(this, 'binding', {
      metadata: { name: Names.seedServiceAccount, labels, annotations: { ...access, ...polarisExempt('rolebindingRolePodExecAttach') } },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: Names.seedServiceAccount },
      subjects: [{ kind: 'ServiceAccount', name: Names.seedServiceAccount, namespace: site.namespace }],
    });

    const podSelector = Object.entries(selectorLabels(Names.deployment))
      .map(([k, v]) => `${k}=${v}`)
      .join(',');

    new k8s.KubeJob(this, 'job', {
      metadata: {
        name: Names.seedJob,
        labels,
        annotations: {
          // A hook, not a plain Job: re-run on every sync, replaced rather than patched (Job templates are immutable).
          // Sync, not PostSync: PostSync starts only once every resource is Healthy, and the pod's readiness is the
          // dashboard; the script itself waits for the gateway, which is all the seeder needs.
          'argocd.argoproj.io/hook': 'Sync',
          'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation',
          ...syncWave(SyncWave.workload),
        },
      },
      spec: {
        backoffLimit: 3,
        activeDeadlineSeconds: 1200,
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: Names.seedServiceAccount,
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            restartPolicy: 'Never',
            securityContext: restrictedPodSecurityContext(),
            imagePullSecrets: [{ name: site.image.pullSecret }],
            nodeSelector: { 'kubernetes.io/arch': site.node.arch },
            containers: [
              {
                name: 'seed',
                image: imageName(site, image),
                imagePullPolicy: 'IfNotPresent',
                command: ['/bin/bash', `${SEED_PATH}/cron-seed-job.sh`],
                env: [
                  { name: 'NAMESPACE', value: site.namespace },
                  { name: 'DEPLOYMENT', value: Names.deployment },
                  { name: 'POD_SELECTOR', value: podSelector },
                  { name: 'CONTAINER', value: Names.container },
                  { name: 'GATEWAY_PORT', value: String(GATEWAY_PORT) },
                  { name: 'HOME', value: '/tmp' },
                ],
                resources: HELPER_RESOURCES,
                securityContext: restrictedContainerSecurityContext(),
                volumeMounts: [
                  { name: 'seed', mountPath: SEED_PATH, readOnly: true },
                  { name: 'tmp', mountPath: '/tmp' },
                  tokenMount(),
                ],
              },
            ],
            volumes: [
              { name: 'seed', configMap: { name: Names.seedConfigMap, defaultMode: 0o444 } },
              { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('64Mi') } },
              tokenVolume(),
            ],
          },
        },
      },
    });
  }
}
