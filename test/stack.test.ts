// What dist/ must contain (issue "Synthesize the whole platform-engineer stack"), looked up by kind and name.
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { CREDENTIAL_KEYS } from '../src/hermes/credentials';
import { ROOT_START_CAPABILITIES } from '../src/constructs/pod-security';
import { renderFiles } from '../src/synth/render';
import { HERMES_RELEASES } from '../src/image/hermes-version';
import { loadImageRef } from '../src/image/image-ref';
import { ConfigError } from '../src/site/load';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './cli';
import { container, find, inputs, objects, podSpec, type KubeObject } from './helpers';

const all = objects();
const deployment = find(all, 'Deployment', 'hermes');
const hermes = container(deployment, 'hermes');
const wave = (o: KubeObject) => Number(o.metadata.annotations?.['argocd.argoproj.io/sync-wave'] ?? 0);

describe('output files', () => {
  it('writes the synced folder and the Application outside it', () => {
    expect([...renderFiles(inputs()).keys()]).toEqual([
      'platform-engineer/cluster.yaml',
      'platform-engineer/platform-engineer.yaml',
      'argocd/platform-engineer.application.yaml',
    ]);
  });

  it('gives every object a stable human name (no hash suffixes) and no cdk8s path labels', () => {
    for (const o of all) {
      expect(o.metadata.name).not.toMatch(/-[0-9a-f]{8}$/);
      expect(JSON.stringify(o)).not.toContain('cdk8s.io/metadata.addr');
    }
  });

  it('puts no namespace on cluster-scoped objects and the site namespace on every namespaced one', () => {
    const clusterScoped = ['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding'];
    for (const o of all) {
      if (clusterScoped.includes(o.kind)) expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBeUndefined();
      else if (o.kind === 'Application') expect(o.metadata.namespace).toBe('argocd');
      else expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBe('platform-engineer');
    }
  });

  it('orders the sync: namespace, then access and configuration, then the claim with the workload', () => {
    const ns = find(all, 'Namespace', 'platform-engineer');
    const before = ['ClusterRole', 'ClusterRoleBinding', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding', 'ServiceAccount', 'ConfigMap', 'NetworkPolicy', 'Role', 'RoleBinding'];
    for (const o of all.filter((x) => before.includes(x.kind))) {
      expect(wave(o), `${o.kind}/${o.metadata.name}`).toBeGreaterThan(wave(ns));
      expect(wave(o), `${o.kind}/${o.metadata.name}`).toBeLessThan(wave(deployment));
    }
    // Not earlier than the Deployment: a WaitForFirstConsumer claim (k3s local-path) stays Pending, which ArgoCD
    // reports as Progressing, until a pod uses it; an earlier wave would never let the Deployment be applied.
    expect(wave(find(all, 'PersistentVolumeClaim', 'hermes-data'))).toBe(wave(deployment));
  });
});

describe('namespace', () => {
  it('enforces baseline and warns/audits restricted in root mode', () => {
    expect(find(all, 'Namespace', 'platform-engineer').metadata.labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'baseline',
      'pod-security.kubernetes.io/warn': 'restricted',
      'pod-security.kubernetes.io/audit': 'restricted',
    });
  });
  it('enforces restricted in non-root mode', () => {
    const ns = find(objects({ securityMode: 'non-root' }), 'Namespace', 'platform-engineer');
    expect(ns.metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });
});

describe('volume', () => {
  const pvc = find(all, 'PersistentVolumeClaim', 'hermes-data');
  it('is a 5Gi ReadWriteOnce claim that ArgoCD neither prunes nor deletes with the Application', () => {
    expect(pvc.spec.accessModes).toEqual(['ReadWriteOnce']);
    expect(pvc.spec.resources.requests.storage).toBe('5Gi');
    expect(pvc.metadata.annotations?.['argocd.argoproj.io/sync-options']).toBe('Prune=false,Delete=false');
  });
  it('is not deleted in cascade: the Application has no resources finalizer, and its namespace is kept too', () => {
    expect(find(all, 'Application', 'platform-engineer').metadata).not.toHaveProperty('finalizers');
    // `argocd app delete` cascades by default: deleting the namespace would delete the claim with it.
    expect(find(all, 'Namespace', 'platform-engineer').metadata.annotations?.['argocd.argoproj.io/sync-options']).toBe('Prune=false,Delete=false');
  });
});

describe('seed ConfigMap', () => {
  const cm = find(all, 'ConfigMap', 'hermes-seed');
  const config = parse(cm.data['config.yaml']);

  it('seeds config.yaml with the explicit openai-api provider, chat_completions and the section 10 model', () => {
    expect(config.model).toEqual({
      provider: 'openai-api',
      default: 'qwen-3.6:27b',
      base_url: 'https://litellm.rogi.casa/v1',
      api_mode: 'chat_completions',
    });
  });

  it('points the auxiliary models at LiteLLM explicitly, so compression and titles never go to a public endpoint', () => {
    // Upstream: an auxiliary block's base_url overrides its provider; without it the resolver may fall back.
    for (const task of ['compression', 'title_generation']) {
      expect(config.auxiliary[task], task).toEqual({ provider: 'openai-api', model: 'gemini-3-flash', base_url: 'https://litellm.rogi.casa/v1' });
    }
    const other = parse(find(objects({ llm: { baseUrl: 'https://llm.example.org/v1' } }), 'ConfigMap', 'hermes-seed').data['config.yaml']);
    expect(other.auxiliary.compression.base_url).toBe('https://llm.example.org/v1');
  });

  it('stamps the pinned image schema version (Hermes 0.21.3: 45) so later upgrades migrate the file', () => {
    expect(config._config_version).toBe(45);
  });

  it('records where each pinned release\'s schema version was read upstream', () => {
    expect(HERMES_RELEASES['v2026.9.14']).toEqual({
      configVersion: 45,
      packageVersion: '0.21.3',
      source: { file: 'hermes_cli/config_defaults.py', commit: '345cd2b057a452236de401d3534b8502a7465e8d' },
    });
    const bumped = tempDir('pe-bump-');
    writeFileSync(join(bumped, 'dockerfile'), 'ARG HERMES_VERSION=v2099.1.1\nFROM nousresearch/hermes-agent:${HERMES_VERSION}\n');
    expect(() => loadImageRef(bumped)).toThrow(ConfigError);
    expect(() => loadImageRef(bumped)).toThrow(/v2099\.1\.1 has no entry in src\/image\/hermes-version\.ts.*config_defaults\.py/);
    for (const probe of ['toString', 'constructor']) {
      writeFileSync(join(bumped, 'dockerfile'), `ARG HERMES_VERSION=${probe}\n`);
      expect(() => loadImageRef(bumped), probe).toThrow(/has no entry/);
    }
    for (const [tag, r] of Object.entries(HERMES_RELEASES)) {
      expect(r.source.commit, tag).toMatch(/^[0-9a-f]{40}$/);
      expect(Number.isInteger(r.configVersion) && r.configVersion > 12, tag).toBe(true);
    }
  });

  it('seeds the site time zone (default Europe/Berlin) so cron expressions are local times', () => {
    expect(config.timezone).toBe('Europe/Berlin');
    const utc = parse(find(objects({ timezone: 'UTC' }), 'ConfigMap', 'hermes-seed').data['config.yaml']);
    expect(utc.timezone).toBe('UTC');
  });

  it('keeps the plan guardrails and the section 8 approval settings', () => {
    expect(config.tool_loop_guardrails).toEqual({ hard_stop_enabled: true, hard_stop_after: { exact_failure: 5, idempotent_no_progress: 5 } });
    expect(config.memory.write_approval).toBe(true);
    expect(config.skills.write_approval).toBe(false);
    expect(config.approvals.cron_mode).toBe('deny');
    expect(config.cron).toEqual({ wrap_response: false, script_timeout_seconds: 120 });
    expect(config.terminal).toMatchObject({ backend: 'local', timeout: 180, home_mode: 'profile' });
    expect(config.dashboard.public_url).toBe('https://hermes.rogi.casa');
  });

  it('seeds a .env without any credential value', () => {
    const lines = cm.data.dotenv.split('\n').filter((l: string) => l && !l.startsWith('#'));
    expect(lines).toEqual(['API_SERVER_KEY=${API_SERVER_KEY}']);
    for (const { key } of CREDENTIAL_KEYS.filter((k) => k.key !== 'API_SERVER_KEY')) expect(cm.data.dotenv).not.toMatch(new RegExp(`^${key}=`, 'm'));
  });

  it('ships SOUL.md as an operating manual with the safety rules', () => {
    const soul: string = cm.data['SOUL.md'];
    for (const phrase of ['Platform Engineer', 'rollout restart', '[SILENT]', '--kubeconfig', 'Secret', 'kube-system', 'RBAC']) expect(soul).toContain(phrase);
  });

  it('carries the seeder, its desired state and every pre-check script', () => {
    const watchdogs = JSON.parse(cm.data['watchdogs.json']);
    expect(watchdogs.map((w: any) => w.name)).toEqual([
      'cluster-health-check',
      'pod-restart-loop',
      'pvc-pressure',
      'argocd-sync-health',
      'cert-expiry',
      'node-resource-drift',
      'daily-cluster-report',
      'incident-notices',
    ]);
    // Only the script-only job skips the agent.
    expect(watchdogs.filter((w: any) => w.noAgent).map((w: any) => w.name)).toEqual(['incident-notices']);
    // The ledger, the notices job's script and the silence command ship beside the pre-checks.
    for (const file of ['pe_ledger.py', 'notices.py', 'silence.py']) expect(cm.data[`precheck--${file}`], file).toBeTypeOf('string');
    for (const w of watchdogs) {
      expect(w.deliver).toBe('discord');
      expect(cm.data[`precheck--${w.script.replace('platform-engineer/', '')}`], w.script).toBeTypeOf('string');
    }
    expect(cm.data['seed_cron.py']).toContain('def main');
  });
});

describe('Deployment', () => {
  it('runs exactly one gateway, replaced with Recreate so two never share the data directory', () => {
    expect(deployment.spec.replicas).toBe(1);
    expect(deployment.spec.strategy).toEqual({ type: 'Recreate' });
    expect(podSpec(deployment).affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution).toEqual([
      { labelSelector: { matchLabels: deployment.spec.selector.matchLabels }, topologyKey: 'kubernetes.io/hostname' },
    ]);
  });

  it('is pinned to the amd64 node and prefers the high-memory label', () => {
    const spec = podSpec(deployment);
    expect(spec.nodeSelector).toEqual({ 'kubernetes.io/arch': 'amd64' });
    expect(spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution).toEqual([
      { weight: 100, preference: { matchExpressions: [{ key: 'hardware', operator: 'In', values: ['high-memory'] }] } },
    ]);
  });

  it('selects its pods by stable app labels that the template carries', () => {
    expect(deployment.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'hermes', 'app.kubernetes.io/part-of': 'platform-engineer' });
    expect(deployment.spec.template.metadata.labels).toMatchObject(deployment.spec.selector.matchLabels);
  });

  it('starts the gateway with args, never command (command would bypass s6)', () => {
    expect(hermes.args).toEqual(['gateway', 'run']);
    expect(hermes).not.toHaveProperty('command');
    expect(podSpec(deployment)).not.toHaveProperty('shareProcessNamespace');
  });

  it('has the plan resources', () => {
    expect(hermes.resources).toEqual({ requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '1', memory: '2Gi' } });
  });

  it('uses the image from image.lock.json and the pull secret', () => {
    expect(hermes.image).toBe('git.rogi.casa/roger/hermes-agent:v2026.9.14-abc1234');
    expect(podSpec(deployment).imagePullSecrets).toEqual([{ name: 'gitea-registry' }]);
  });

  it('pins the image by digest when the lock has one', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    const d = find(objects({}, { image: { hermesVersion: 'v2026.9.14', tag: 'v2026.9.14-abc1234', digest } }), 'Deployment', 'hermes');
    expect(container(d, 'hermes').image).toBe(`git.rogi.casa/roger/hermes-agent:v2026.9.14-abc1234@${digest}`);
  });

  it('enables the dashboard and the API server on all interfaces so the Service and probes reach them', () => {
    const env = Object.fromEntries(hermes.env.filter((e: any) => 'value' in e).map((e: any) => [e.name, e.value]));
    expect(env).toMatchObject({
      HERMES_DASHBOARD: '1',
      HERMES_DASHBOARD_HOST: '0.0.0.0',
      HERMES_DASHBOARD_PORT: '9119',
      HERMES_DASHBOARD_PUBLIC_URL: 'https://hermes.rogi.casa',
      API_SERVER_ENABLED: 'true',
      API_SERVER_HOST: '0.0.0.0',
      API_SERVER_PORT: '8642',
      OPENAI_BASE_URL: 'https://litellm.rogi.casa/v1',
      HERMES_TIMEZONE: 'Europe/Berlin',
      DISCORD_HOME_CHANNEL: '100000000000000001',
      DISCORD_ALLOWED_USERS: '100000000000000002',
    });
  });

  it('reads every credential from the one Secret, never as a literal', () => {
    const fromSecret = hermes.env.filter((e: any) => e.valueFrom?.secretKeyRef);
    expect(fromSecret.map((e: any) => e.name).sort()).toEqual(CREDENTIAL_KEYS.map((k) => k.key).sort());
    for (const e of fromSecret) expect(e.valueFrom.secretKeyRef).toEqual({ name: 'platform-engineer-credentials', key: e.name });
  });

  it('probes what the real image serves: /health on the gateway port, TCP on the dashboard', () => {
    expect(hermes.startupProbe.httpGet).toEqual({ path: '/health', port: 'gateway' });
    expect(hermes.livenessProbe.httpGet).toEqual({ path: '/health', port: 'gateway' });
    expect(hermes.readinessProbe.tcpSocket).toEqual({ port: 'dashboard' });
    expect(hermes.ports).toEqual([
      { name: 'dashboard', containerPort: 9119, protocol: 'TCP' },
      { name: 'gateway', containerPort: 8642, protocol: 'TCP' },
    ]);
    // The startup probe gives a first boot (volume chown, migration) five minutes.
    expect(hermes.startupProbe.periodSeconds * hermes.startupProbe.failureThreshold).toBeGreaterThanOrEqual(300);
  });

  it('mounts the volume at /opt/data and seeds it with an init container', () => {
    const spec = podSpec(deployment);
    expect(spec.volumes).toContainEqual({ name: 'data', persistentVolumeClaim: { claimName: 'hermes-data' } });
    expect(hermes.volumeMounts).toContainEqual({ name: 'data', mountPath: '/opt/data' });
    const init = container(deployment, 'install-seed');
    expect(init.command).toEqual(['/bin/sh', '/opt/seed/install-seed.sh']);
    expect(init.volumeMounts).toContainEqual({ name: 'data', mountPath: '/opt/data' });
  });

  it('rolls the pod when the seed changes, so new pre-check scripts are installed', () => {
    const a = find(objects(), 'Deployment', 'hermes').spec.template.metadata.annotations['platform-engineer/seed-hash'];
    const b = find(objects({ watchdogs: { diskPercent: 80 } }), 'Deployment', 'hermes').spec.template.metadata.annotations['platform-engineer/seed-hash'];
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(b).not.toBe(a);
  });

  it('mounts the service-account token only into the gateway container', () => {
    const spec = podSpec(deployment);
    expect(spec.automountServiceAccountToken).toBe(false);
    expect(hermes.volumeMounts.map((m: any) => m.mountPath)).toContain('/var/run/secrets/kubernetes.io/serviceaccount');
    for (const init of spec.initContainers) expect(init.volumeMounts.map((m: any) => m.name)).not.toContain('kube-api-access');
  });
});

describe('security modes', () => {
  it('root: starts as root with exactly the capabilities the root-then-drop start needs', () => {
    const sc = hermes.securityContext;
    expect(sc).not.toHaveProperty('runAsUser');
    expect(sc).not.toHaveProperty('runAsNonRoot');
    expect(sc.allowPrivilegeEscalation).toBe(false);
    expect(sc.privileged).toBe(false);
    expect(sc.capabilities).toEqual({ drop: ['ALL'], add: [...ROOT_START_CAPABILITIES] });
    expect(sc.seccompProfile).toEqual({ type: 'RuntimeDefault' });
    const spec = podSpec(deployment);
    for (const f of ['hostNetwork', 'hostPID', 'hostIPC']) expect(spec).not.toHaveProperty(f);
  });

  it('non-root: the hermes UID, read-only root, memory-backed /run and /tmp, migration in an init container', () => {
    const d = find(objects({ securityMode: 'non-root' }), 'Deployment', 'hermes');
    const spec = podSpec(d);
    const c = container(d, 'hermes');
    expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10000, runAsGroup: 10000, fsGroup: 10000 });
    expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
    // s6 refuses a /run it cannot chown unless told that Kubernetes made it world-writable on purpose.
    expect(c.env).toContainEqual({ name: 'S6_YES_I_WANT_A_WORLD_WRITABLE_RUN_BECAUSE_KUBERNETES', value: '1' });
    expect(c.securityContext.capabilities).not.toHaveProperty('add');
    for (const [name, path] of [['run', '/run'], ['tmp', '/tmp']]) {
      expect(spec.volumes).toContainEqual(expect.objectContaining({ name, emptyDir: expect.objectContaining({ medium: 'Memory' }) }));
      expect(c.volumeMounts).toContainEqual({ name, mountPath: path });
    }
    expect(container(d, 'migrate-config').command).toEqual(['/opt/hermes/.venv/bin/python', '/opt/hermes/scripts/docker_config_migrate.py']);
    expect(spec.initContainers.map((i: any) => i.name)).toEqual(['install-seed', 'migrate-config']);
  });
});

describe('Service and Ingress', () => {
  it('exposes the dashboard and the gateway API inside the cluster only', () => {
    const svc = find(all, 'Service', 'hermes');
    expect(svc.spec.type).toBe('ClusterIP');
    expect(svc.spec.selector).toEqual(deployment.spec.selector.matchLabels);
    expect(svc.spec.ports.map((p: any) => [p.name, p.port, p.targetPort])).toEqual([
      ['dashboard', 9119, 'dashboard'],
      ['gateway', 8642, 'gateway'],
    ]);
  });

  it('publishes only the dashboard, with a cert-manager TLS certificate', () => {
    const ing = find(all, 'Ingress', 'hermes');
    expect(ing.metadata.annotations?.['cert-manager.io/cluster-issuer']).toBe('letsencrypt-prod');
    expect(ing.spec.ingressClassName).toBe('traefik');
    expect(ing.spec.tls).toEqual([{ hosts: ['hermes.rogi.casa'], secretName: 'hermes-tls' }]);
    expect(ing.spec.rules).toEqual([
      { host: 'hermes.rogi.casa', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'hermes', port: { number: 9119 } } } }] } },
    ]);
  });
});

describe('cron seed Job', () => {
  const job = find(all, 'Job', 'hermes-cron-seed');
  it('is a re-runnable ArgoCD Sync hook in the Deployment\'s wave, not a plain Job and not PostSync', () => {
    // PostSync starts only when every resource is Healthy; the pod's readiness is the dashboard, which the seeder
    // does not need. The Job starts with the Deployment and waits for the gateway itself (cron-seed-job.sh).
    expect(job.metadata.annotations).toMatchObject({
      'argocd.argoproj.io/hook': 'Sync',
      'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation',
    });
    expect(wave(job)).toBe(wave(deployment));
    expect(job.spec).not.toHaveProperty('ttlSecondsAfterFinished');
    expect(job.spec.backoffLimit).toBeGreaterThanOrEqual(1);
  });
  it('runs with its own ServiceAccount and the seeder script from the ConfigMap', () => {
    expect(podSpec(job).serviceAccountName).toBe('hermes-cron-seed');
    expect(container(job, 'seed').command).toEqual(['/bin/bash', '/opt/seed/cron-seed-job.sh']);
    expect(container(job, 'seed').env).toContainEqual({ name: 'GATEWAY_PORT', value: '8642' });
  });
});

describe('ArgoCD Application', () => {
  const app = find(all, 'Application', 'platform-engineer');
  it('syncs dist/<namespace> automatically with prune and selfHeal', () => {
    expect(app.spec.source).toEqual({ repoURL: 'https://git.rogi.casa/roger/homelab.git', targetRevision: 'main', path: 'platform-engineer/dist/platform-engineer' });
    expect(app.spec.destination).toEqual({ server: 'https://kubernetes.default.svc', namespace: 'platform-engineer' });
    expect(app.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
  });
});

describe.each([['root', objects()], ['non-root', objects({ securityMode: 'non-root' })]] as const)('service-account token (%s)', (_mode, objs) => {
  it('is mounted only into the containers that call the API', () => {
    const users: Record<string, string[]> = { hermes: ['hermes'], 'hermes-cron-seed': ['seed'] };
    for (const o of objs.filter((x) => x.kind === 'Deployment' || x.kind === 'Job')) {
      const spec = podSpec(o);
      expect(spec.automountServiceAccountToken, o.metadata.name).toBe(false);
      const mounting = [...(spec.initContainers ?? []), ...spec.containers].filter((c: any) => (c.volumeMounts ?? []).some((m: any) => m.name === 'kube-api-access')).map((c: any) => c.name);
      expect(mounting, o.metadata.name).toEqual(users[o.metadata.name]);
    }
  });
});
