// The policy checks run on the user's own configuration: the objects rendered from this repository's site.yaml
// (with its image.lock.json and, in sealed mode, its sealed file), whatever the user changed in it. The other
// suites pin the defaults and fixtures; this one makes a customised site (another namespace, arm64, readSecrets
// off, sealed mode) get its own RBAC, network, Polaris, Pod Security, guardrail and secret checks in CI.
// The same checks also run on a customised variant, to show they follow the site rather than the defaults.
import { describe, expect, it } from 'vitest';
import type { ProjectInputs } from '../src/charts';
import { clusterScopedNames } from '../src/constructs/metadata';
import { CREDENTIAL_KEYS } from '../src/hermes/credentials';
import { loadProject } from '../src/project';
import { urlHostPort } from '../src/site/fields';
import { renderFiles, renderObjects } from '../src/synth/render';
import { admit, type AdmissionRequest } from './policy/admission';
import { evaluate, podEndpointFor, type Endpoint } from './policy/network-policy';
import { meetsLevel, podSecurityViolations } from './policy/pod-security';
import { runPolaris } from './policy/polaris';
import { authorize, type Subject } from './policy/rbac-authorizer';
import { ROOT } from './cli';
import { IMAGE, inputs, type KubeObject } from './helpers';
import { fakeSealedFile } from './sealed-fixture';

const VARIANTS: [string, () => ProjectInputs][] = [
  ['this repository\'s site.yaml', () => loadProject(ROOT)],
  [
    'a customised site (other namespace, arm64, no Secret reads, no exec, sealed)',
    () =>
      inputs(
        {
          namespace: 'pe-lab',
          node: { arch: 'arm64', name: 'pi-5' },
          permissions: { readSecrets: false, podExec: false },
          credentials: { mode: 'sealed', secretName: 'pe-lab-credentials' },
          argocd: { path: 'homelab/dist/pe-lab' },
          watchdogs: { protectedNamespaces: ['kube-system', 'argocd', 'monitoring'] },
        },
        { sealed: { ...fakeSealedFile(), namespace: 'pe-lab', name: 'pe-lab-credentials' }, image: IMAGE },
      ),
  ],
];

describe.each(VARIANTS)('policy checks on %s', (_name, load) => {
  const project = load();
  const { site } = project;
  const objs = [...renderObjects(project).values()].flat() as KubeObject[];
  const ns = site.namespace;
  const agent: Subject = { kind: 'ServiceAccount', namespace: ns, name: 'platform-engineer' };
  const seeder: Subject = { kind: 'ServiceAccount', namespace: ns, name: 'hermes-cron-seed' };
  const unprotected = ['example-apps', 'apps', 'media'].find((n) => !site.watchdogs.protectedNamespaces.includes(n))!;

  it('RBAC: no cluster-scoped write, Secrets and exec exactly as the site says, the seeder stays home', () => {
    for (const resource of ['nodes', 'namespaces', 'persistentvolumes']) {
      for (const verb of ['create', 'update', 'patch', 'delete']) expect(authorize(objs, agent, { verb, group: '', resource }), `${verb} ${resource}`).toBe(false);
    }
    for (const resource of ['clusterroles', 'clusterrolebindings']) {
      expect(authorize(objs, agent, { verb: 'update', group: 'rbac.authorization.k8s.io', resource })).toBe(false);
    }
    expect(authorize(objs, agent, { verb: 'get', group: '', resource: 'secrets', namespace: unprotected, name: 'x' })).toBe(site.permissions.readSecrets);
    expect(authorize(objs, agent, { verb: 'create', group: '', resource: 'pods', subresource: 'exec', namespace: unprotected, name: 'x' })).toBe(site.permissions.podExec);
    expect(authorize(objs, agent, { verb: 'get', group: '', resource: 'pods', namespace: unprotected })).toBe(true);
    for (const verb of ['get', 'list', 'delete']) expect(authorize(objs, seeder, { verb, group: '', resource: 'pods', namespace: unprotected })).toBe(false);
    for (const resource of ['validatingadmissionpolicies', 'validatingadmissionpolicybindings']) {
      expect(authorize(objs, agent, { verb: 'delete', group: 'admissionregistration.k8s.io', resource, name: clusterScopedNames(ns).guardrailPolicy })).toBe(false);
    }
  });

  it('cluster-scoped objects are named after the namespace (two installs cannot collide)', () => {
    const clusterScoped = objs.filter((o) => ['ClusterRole', 'ClusterRoleBinding', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding'].includes(o.kind));
    expect(clusterScoped.length).toBeGreaterThanOrEqual(4);
    const names = Object.values(clusterScopedNames(ns));
    for (const o of clusterScoped) expect(names, `${o.kind}/${o.metadata.name}`).toContain(o.metadata.name);
  });

  it('NetworkPolicy: the agent reaches DNS, the API and its LLM endpoint, never a denied network', () => {
    const hermes = podEndpointFor(objs, { kind: 'Deployment', name: 'hermes', namespace: ns }, { ip: '10.42.0.50' });
    const coredns: Endpoint = { kind: 'pod', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' }, ip: '10.42.0.11' };
    const firstIp = (cidr: string) => cidr.split('/')[0];
    const apiIp = site.network.apiServerCidrs[0] === '0.0.0.0/0' ? '10.88.20.10' : firstIp(site.network.apiServerCidrs[0]);
    const llm = urlHostPort(site.llm.baseUrl);
    const llmIp = /^\d+\.\d+\.\d+\.\d+$/.test(llm.host) ? llm.host : '198.51.100.7';
    const allowed = (to: Endpoint, port: number, protocol?: 'UDP') => evaluate(objs, { from: hermes, to, port, ...(protocol ? { protocol } : {}) }).allowed;
    expect(allowed(coredns, 53, 'UDP')).toBe(true);
    expect(allowed({ kind: 'external', ip: apiIp }, site.network.apiServerPorts[0])).toBe(true);
    expect(allowed({ kind: 'external', ip: llmIp }, llm.port)).toBe(true);
    for (const denied of site.network.deniedCidrs) {
      for (const port of [443, 11434, site.network.apiServerPorts[0]]) expect(allowed({ kind: 'external', ip: firstIp(denied) }, port), `${denied}:${port}`).toBe(false);
    }
    const outsider: Endpoint = { kind: 'pod', namespace: unprotected, labels: { app: 'x' }, ip: '10.42.1.9' };
    expect(evaluate(objs, { from: outsider, to: hermes, port: 9119 }).allowed).toBe(false);
  });

  it('Polaris: every danger check passes or carries an exemption on the object', () => {
    const failed = runPolaris(objs as any).filter((r) => r.severity === 'danger' && !r.passed && !r.exempt);
    expect(failed.map((r) => `${r.checkId} ${r.kind}/${r.name}`)).toEqual([]);
  });

  it('Pod Security: every pod meets the level its namespace enforces', () => {
    const namespace = objs.find((o) => o.kind === 'Namespace' && o.metadata.name === ns)!;
    const level = namespace.metadata.labels!['pod-security.kubernetes.io/enforce'] as 'baseline' | 'restricted';
    for (const o of objs.filter((x) => x.kind === 'Deployment' || x.kind === 'Job')) {
      expect(meetsLevel(o.spec.template.spec, level), `${o.kind}/${o.metadata.name}: ${JSON.stringify(podSecurityViolations(o.spec.template.spec))}`).toBe(true);
    }
  });

  it('guardrails: the agent may restart a workload elsewhere, nothing in the protected namespaces or its own', () => {
    const username = `system:serviceaccount:${ns}:platform-engineer`;
    const restart = (namespace: string): AdmissionRequest => {
      const old = { metadata: { name: 'web', namespace, labels: { app: 'web' } }, spec: { replicas: 1, strategy: { type: 'RollingUpdate' }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } } };
      const updated = structuredClone(old) as any;
      updated.spec.template.metadata.annotations = { 'kubectl.kubernetes.io/restartedAt': '2026-01-01T00:00:00Z' };
      return { operation: 'UPDATE', resource: { group: 'apps', version: 'v1', resource: 'deployments' }, namespace, userInfo: { username }, object: updated, oldObject: old };
    };
    expect(admit(objs, restart(unprotected)).denials).toEqual([]);
    for (const namespace of [...site.watchdogs.protectedNamespaces, ns]) expect(admit(objs, restart(namespace)).allowed, namespace).toBe(false);
  });

  it('secret scan: no credential value, credential-bearing URL or private key anywhere in dist/', () => {
    const text = [...renderFiles(project).values()].join('\n');
    expect(text).not.toMatch(/[a-z][a-z0-9+.-]*:\/\/[^\s/@"']+:[^\s/@"']*@/i); // scheme://user:password@
    expect(text).not.toMatch(/-----BEGIN [A-Z ]*PRIVATE KEY-----/);
    const seed = objs.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'hermes-seed')!;
    // Nothing Hermes would expand from its environment in the files it reads.
    for (const file of ['config.yaml', 'SOUL.md']) expect(seed.data[file], file).not.toMatch(/\$\{/);
    for (const o of objs) {
      for (const c of [...(o.spec?.template?.spec?.initContainers ?? []), ...(o.spec?.template?.spec?.containers ?? [])]) {
        for (const e of c.env ?? []) {
          if (CREDENTIAL_KEYS.some((k) => k.key === e.name)) expect(e.value, `${o.metadata.name}/${c.name} ${e.name}`).toBeUndefined();
        }
      }
      if (o.kind === 'Secret') expect(o.data ?? o.stringData, `Secret/${o.metadata.name} holds values`).toBeUndefined();
    }
  });

  it('SOUL.md describes this site: its architecture, node and ingress class', () => {
    const text = [...renderFiles(project).values()].join('\n');
    expect(text).toContain(`You run on the ${site.node.arch} node`);
    expect(text).toContain(site.node.name);
    expect(text).toContain(`the \`${site.dashboard.ingressClassName}\` ingress class`);
  });
});
