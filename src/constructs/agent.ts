/**
 * The Hermes gateway: one Deployment (single writer of its data volume) and its ClusterIP Service.
 */
import { Construct } from 'constructs';
import * as k8s from '../k8s';
import { CREDENTIAL_KEYS } from '../hermes/credentials';
import type { ImageRef } from '../image/image-ref';
import { siteTimeZone, type Site } from '../site/schema';
import { Names, appLabels, polarisExempt, selectorLabels, syncWave, SyncWave } from './metadata';
import {
  agentContainerSecurityContext,
  agentPodSecurityContext,
  restrictedContainerSecurityContext,
  tokenMount,
  tokenVolume,
} from './pod-security';

export const DASHBOARD_PORT = 9119;
export const GATEWAY_PORT = 8642;
export const DATA_PATH = '/opt/data';
export const SEED_PATH = '/opt/seed';

const DATA_VOLUME = 'data';
const SEED_VOLUME = 'seed';

export function imageName(site: Site, image: ImageRef): string {
  return `${site.image.repository}:${image.tag}${image.digest ? `@${image.digest}` : ''}`;
}

/** Small, fixed resources for the short-lived helper containers. */
export const HELPER_RESOURCES: k8s.ResourceRequirements = {
  requests: { cpu: k8s.Quantity.fromString('50m'), memory: k8s.Quantity.fromString('64Mi') },
  limits: { cpu: k8s.Quantity.fromString('500m'), memory: k8s.Quantity.fromString('256Mi') },
};

const env = (name: string, value: string): k8s.EnvVar => ({ name, value });

export interface AgentProps {
  readonly site: Site;
  readonly image: ImageRef;
  /** Hash of the seed ConfigMap: a changed seed restarts the pod so the init container reinstalls the scripts. */
  readonly seedHash: string;
}

export class Agent extends Construct {
  constructor(scope: Construct, id: string, props: AgentProps) {
    super(scope, id);
    const { site, image } = props;
    const nonRoot = site.securityMode === 'non-root';
    const img = imageName(site, image);
    const labels = appLabels(Names.deployment, 'agent');
    const selector = selectorLabels(Names.deployment);
    const memoryTmp = (name: string, sizeLimit: string): k8s.Volume => ({
      name,
      emptyDir: { medium: 'Memory', sizeLimit: k8s.Quantity.fromString(sizeLimit) },
    });

    const dataMount = { name: DATA_VOLUME, mountPath: DATA_PATH };
    const seedMount = { name: SEED_VOLUME, mountPath: SEED_PATH, readOnly: true };
    const helper = (name: string, command: string[], extraEnv: k8s.EnvVar[] = []): k8s.Container => ({
      name,
      image: img,
      imagePullPolicy: 'IfNotPresent',
      command,
      env: [env('HOME', '/tmp'), ...extraEnv],
      resources: HELPER_RESOURCES,
      securityContext: restrictedContainerSecurityContext(),
      volumeMounts: [dataMount, seedMount, { name: 'helper-tmp', mountPath: '/tmp' }],
    });

    const initContainers: k8s.Container[] = [helper('install-seed', ['/bin/sh', `${SEED_PATH}/install-seed.sh`])];
    if (nonRoot) {
      // The boot hook cannot migrate config.yaml without root; run the same migration as the hermes user.
      initContainers.push(
        helper('migrate-config', ['/opt/hermes/.venv/bin/python', '/opt/hermes/scripts/docker_config_migrate.py'], [
          env('HERMES_HOME', DATA_PATH),
          env('PYTHONDONTWRITEBYTECODE', '1'),
        ]),
      );
    }

    const hermes: k8s.Container = {
      name: Names.container,
      image: img,
      imagePullPolicy: 'IfNotPresent',
      // Never `command`: it would replace the entrypoint that starts s6, and with it the supervised services.
      args: ['gateway', 'run'],
      ports: [
        { name: 'dashboard', containerPort: DASHBOARD_PORT, protocol: 'TCP' },
        { name: 'gateway', containerPort: GATEWAY_PORT, protocol: 'TCP' },
      ],
      env: [
        env('HERMES_DASHBOARD', '1'),
        env('HERMES_DASHBOARD_HOST', '0.0.0.0'),
        env('HERMES_DASHBOARD_PORT', String(DASHBOARD_PORT)),
        env('HERMES_DASHBOARD_PUBLIC_URL', `https://${site.dashboard.host}`),
        env('HERMES_DASHBOARD_BASIC_AUTH_USERNAME', site.dashboard.username),
        env('API_SERVER_ENABLED', 'true'),
        env('API_SERVER_HOST', '0.0.0.0'),
        env('API_SERVER_PORT', String(GATEWAY_PORT)),
        env('OPENAI_BASE_URL', site.llm.baseUrl),
        // Hermes' clock and cron zone; wins over config.yaml's seed-once `timezone`, so a change in site.yaml applies.
        env('HERMES_TIMEZONE', siteTimeZone(site)),
        env('DISCORD_HOME_CHANNEL', site.discord.homeChannel),
        env('DISCORD_ALLOWED_USERS', site.discord.allowedUsers.join(',')),
        // s6 services otherwise start with a cleared environment and miss the provider variables.
        env('S6_KEEP_ENV', '1'),
        ...(nonRoot
          ? [
              env('HERMES_SKIP_CONFIG_MIGRATION', '1'),
              env('S6_READ_ONLY_ROOT', '1'),
              // The /run emptyDir is root-owned and world-writable; without root s6 cannot chown it and would stop.
              env('S6_YES_I_WANT_A_WORLD_WRITABLE_RUN_BECAUSE_KUBERNETES', '1'),
            ]
          : []),
        ...CREDENTIAL_KEYS.map(({ key }) => ({
          name: key,
          valueFrom: { secretKeyRef: { name: site.credentials.secretName, key } },
        })),
      ],
      resources: {
        requests: {
          cpu: k8s.Quantity.fromString(site.resources.requests.cpu),
          memory: k8s.Quantity.fromString(site.resources.requests.memory),
        },
        limits: {
          cpu: k8s.Quantity.fromString(site.resources.limits.cpu),
          memory: k8s.Quantity.fromString(site.resources.limits.memory),
        },
      },
      securityContext: agentContainerSecurityContext(site),
      // The gateway's /health is public; the dashboard's auth makes a TCP check the safe readiness signal.
      startupProbe: {
        httpGet: { path: '/health', port: k8s.IntOrString.fromString('gateway') },
        periodSeconds: 10,
        timeoutSeconds: 5,
        failureThreshold: 30,
      },
      livenessProbe: {
        httpGet: { path: '/health', port: k8s.IntOrString.fromString('gateway') },
        periodSeconds: 30,
        timeoutSeconds: 5,
        failureThreshold: 3,
      },
      readinessProbe: {
        tcpSocket: { port: k8s.IntOrString.fromString('dashboard') },
        periodSeconds: 10,
        timeoutSeconds: 3,
        failureThreshold: 3,
      },
      volumeMounts: [
        dataMount,
        seedMount,
        tokenMount(),
        ...(nonRoot
          ? [
              { name: 'run', mountPath: '/run' },
              { name: 'tmp', mountPath: '/tmp' },
            ]
          : []),
      ],
    };

    new k8s.KubeDeployment(this, 'deployment', {
      metadata: {
        name: Names.deployment,
        labels,
        annotations: {
          ...syncWave(SyncWave.workload),
          // root mode: the image must start as root (s6 drops to hermes). README "Policy exceptions".
          ...(nonRoot ? {} : polarisExempt('runAsRootAllowed')),
        },
      },
      spec: {
        // Hermes' data directory has a single writer: never two gateways, not even during a rollout.
        replicas: 1,
        strategy: { type: 'Recreate' },
        revisionHistoryLimit: 3,
        selector: { matchLabels: selector },
        template: {
          metadata: {
            labels,
            annotations: { 'platform-engineer/seed-hash': props.seedHash },
          },
          spec: {
            serviceAccountName: Names.agentServiceAccount,
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            imagePullSecrets: [{ name: site.image.pullSecret }],
            securityContext: agentPodSecurityContext(site),
            nodeSelector: { 'kubernetes.io/arch': site.node.arch },
            affinity: {
              nodeAffinity: {
                preferredDuringSchedulingIgnoredDuringExecution: [
                  {
                    weight: 100,
                    preference: {
                      matchExpressions: Object.entries(site.node.preferredLabels).map(([key, value]) => ({ key, operator: 'In', values: [value] })),
                    },
                  },
                ],
              },
              podAntiAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: selector }, topologyKey: 'kubernetes.io/hostname' }],
              },
            },
            terminationGracePeriodSeconds: 60,
            initContainers,
            containers: [hermes],
            volumes: [
              { name: DATA_VOLUME, persistentVolumeClaim: { claimName: Names.dataClaim } },
              { name: SEED_VOLUME, configMap: { name: Names.seedConfigMap, defaultMode: 0o444 } },
              { name: 'helper-tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('64Mi') } },
              tokenVolume(),
              ...(nonRoot ? [memoryTmp('run', '64Mi'), memoryTmp('tmp', '256Mi')] : []),
            ],
          },
        },
      },
    });

    new k8s.KubeService(this, 'service', {
      metadata: { name: Names.service, labels, annotations: syncWave(SyncWave.workload) },
      spec: {
        type: 'ClusterIP',
        selector,
        ports: [
          { name: 'dashboard', port: DASHBOARD_PORT, targetPort: k8s.IntOrString.fromString('dashboard'), protocol: 'TCP' },
          { name: 'gateway', port: GATEWAY_PORT, targetPort: k8s.IntOrString.fromString('gateway'), protocol: 'TCP' },
        ],
      },
    });
  }
}

