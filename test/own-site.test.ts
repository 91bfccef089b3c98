// The policy checks run on the user's own configuration: the objects rendered from this repository's site.yaml
// (with its image.lock.json and, in sealed mode, its sealed file), whatever the user changed in it. The other
// suites pin the defaults and fixtures; this one makes a customised site (another namespace, arm64, readSecrets
// off, sealed mode) get its own network, Polaris, naming, secret and SOUL.md checks in CI. RBAC, Pod Security and
// the admission guardrail are asked of a real kube-apiserver, on this same site.yaml, by `npm run test:cluster`
// (test/cluster/). The same checks also run on a customised variant, to show they follow the site rather than the
// defaults.
import { describe, expect, it } from 'vitest';
import type { ProjectInputs } from '../src/charts';
import { clusterScopedNames } from '../src/constructs/metadata';
import { CREDENTIAL_KEYS } from '../src/hermes/credentials';
import { loadProject } from '../src/project';
import { urlHostPort } from '../src/site/fields';
import { protectedNamespaces } from '../src/site/protected-namespaces';
import { renderFiles, renderObjects } from '../src/synth/render';
import { evaluate, podEndpointFor, type Endpoint } from './policy/network-policy';
import { runPolaris } from './policy/polaris';
import { ROOT } from './cli';
import { IMAGE, inputs, type KubeObject } from './helpers';
import { fakeSealedFile } from './sealed-fixture';

const VARIANTS: [string, () => ProjectInputs][] = [
  ['this repository\'s site.yaml', () => loadProject(ROOT)],
  [
    'a customised site (other namespace, arm64, no Secret reads, no exec, sealed, no extra protected namespaces)',
    () =>
      inputs(
        {
          namespace: 'pe-lab',
          node: { arch: 'arm64', name: 'pi-5' },
          permissions: { readSecrets: false, podExec: false },
          credentials: { mode: 'sealed', secretName: 'pe-lab-credentials' },
          argocd: { path: 'homelab/dist/pe-lab' },
          watchdogs: { protectedNamespaces: [] },
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
  const unprotected = ['example-apps', 'apps', 'media'].find((n) => !protectedNamespaces(site).includes(n))!;

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

  it('SOUL.md describes this site: its architecture, node, ingress class and every protected namespace', () => {
    const text = [...renderFiles(project).values()].join('\n');
    const never = /Never in these namespaces: (.*)\./.exec(text)?.[1] ?? '';
    expect(never.split(', ').sort()).toEqual(protectedNamespaces(site).filter((n) => n !== ns).map((n) => `\`${n}\``).sort());
    expect(never).toContain('`kube-system`');
    expect(text).toContain(`You run on the ${site.node.arch} node`);
    expect(text).toContain(site.node.name);
    expect(text).toContain(`the \`${site.dashboard.ingressClassName}\` ingress class`);
  });
});
