// Every mistake a user can make in the site file: a non-zero exit, a message naming the field and what is
// expected, no echo of the value (it could be a pasted credential), and dist/ byte for byte as it was.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { deploymentWarnings } from '../src/project';
import { DISCORD, inputs } from './helpers';
import { fakeSealedFile } from './sealed-fixture';
import { runSynth, snapshotTree, tempDir, writeTree } from './cli';

const SENTINEL = 'SENTINEL-d1sc0rd-b0t-t0ken-Zx9QwErTy';
let certs: { rsa: string; ec: string; notACert: string };

beforeAll(() => {
  const dir = tempDir('pe-certs-');
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'rsa.key'), '-out', join(dir, 'rsa.pem'), '-subj', '/CN=sealed-secret', '-days', '2');
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'ec.key'), '-out', join(dir, 'ec.pem'), '-subj', '/CN=ec', '-days', '2');
  writeFileSync(join(dir, 'junk.pem'), 'not a certificate\n');
  certs = { rsa: join(dir, 'rsa.pem'), ec: join(dir, 'ec.pem'), notACert: join(dir, 'junk.pem') };
});

type Case = [label: string, field: string, site: () => unknown, expected: RegExp];
const base = { discord: DISCORD };
const withSite = (extra: Record<string, unknown>) => () => ({ ...base, ...extra });

const CASES: Case[] = [
  ['namespace not a DNS label', 'namespace', withSite({ namespace: 'Platform_Engineer' }), /DNS-1123 label/],
  ['namespace of the wrong type', 'namespace', withSite({ namespace: 42 }), /expected string, got a number/],
  ['time zone not in the tz database', 'timezone', withSite({ timezone: 'Mars/Olympus_Mons' }), /IANA time zone name/],
  ['time zone in the wrong case (zoneinfo is case-sensitive)', 'timezone', withSite({ timezone: 'europe/berlin' }), /exact case/],
  ['time zone given as an offset', 'timezone', withSite({ timezone: '+01:00' }), /IANA time zone name/],
  ['unknown top-level field (typo)', 'namesapce', withSite({ namesapce: 'x' }), /unknown field/],
  ['unknown nested field', 'dashboard.hots', withSite({ dashboard: { hots: 'x' } }), /unknown field/],
  ['host name with an underscore', 'dashboard.host', withSite({ dashboard: { host: 'hermes_rogi.casa' } }), /DNS name/],
  ['host name given as a URL', 'dashboard.host', withSite({ dashboard: { host: 'https://hermes.rogi.casa' } }), /DNS name/],
  ['plain-http LLM URL', 'llm.baseUrl', withSite({ llm: { baseUrl: 'http://litellm.rogi.casa/v1' } }), /https:\/\//],
  ['LLM URL that is not a URL', 'llm.baseUrl', withSite({ llm: { baseUrl: 'litellm' } }), /absolute URL/],
  ['missing discord section', 'discord', () => ({}), /required field is missing/],
  ['token pasted as the home channel', 'discord.homeChannel', withSite({ discord: { ...DISCORD, homeChannel: SENTINEL } }), /Discord ID/],
  ['no allowed users', 'discord.allowedUsers', withSite({ discord: { ...DISCORD, allowedUsers: [] } }), /at least one user/],
  ['negative memory request', 'resources.requests.memory', withSite({ resources: { requests: { memory: '-512Mi', cpu: '250m' } } }), /positive/],
  ['zero CPU limit', 'resources.limits.cpu', withSite({ resources: { limits: { memory: '2Gi', cpu: '0' } } }), /positive CPU/],
  ['request above limit', 'resources.requests.memory', withSite({ resources: { requests: { memory: '4Gi', cpu: '250m' } } }), /must not exceed resources.limits.memory/],
  ['volume size not in whole Gi', 'storage.size', withSite({ storage: { size: '500Mi' } }), /whole number of Gi/],
  ['unknown security mode', 'securityMode', withSite({ securityMode: 'rootless' }), /one of "root", "non-root"/],
  ['switch given as a string', 'permissions.podExec', withSite({ permissions: { podExec: 'yes' } }), /expected false, "df" or true/],
  ['Secret reads given as a word', 'permissions.readSecrets', withSite({ permissions: { readSecrets: 'all' } }), /expected false, true or a list of namespaces/],
  ['Secret reads in the ArgoCD namespace', 'permissions.readSecrets[1]', withSite({ permissions: { readSecrets: ['apps', 'argocd'] } }), /protected namespace/],
  ['Secret reads in kube-system', 'permissions.readSecrets[0]', withSite({ permissions: { readSecrets: ['kube-system'] } }), /protected namespace/],
  ['Secret reads in its own namespace', 'permissions.readSecrets[0]', withSite({ permissions: { readSecrets: ['platform-engineer'] } }), /protected namespace/],
  [
    'Secret reads in a moved Sealed Secrets namespace',
    'permissions.readSecrets[0]',
    withSite({ clusterServices: { sealedSecretsNamespace: 'sealed-secrets' }, permissions: { readSecrets: ['sealed-secrets'] } }),
    /protected namespace/,
  ],
  ['Secret reads in a namespace the site protects', 'permissions.readSecrets[0]', withSite({ watchdogs: { protectedNamespaces: ['vault'] }, permissions: { readSecrets: ['vault'] } }), /protected namespace/],
  ['a Secret namespace listed twice', 'permissions.readSecrets[1]', withSite({ permissions: { readSecrets: ['apps', 'apps'] } }), /repeats an earlier entry/],
  ['cert-manager namespace not a DNS label', 'clusterServices.certManagerNamespace', withSite({ clusterServices: { certManagerNamespace: 'Cert Manager' } }), /DNS-1123 label/],
  ['CIDR prefix out of range', 'network.deniedCidrs[0]', withSite({ network: { deniedCidrs: ['10.88.20.12/33'] } }), /IPv4 CIDR/],
  ['CIDR with host bits set', 'network.apiServerCidrs[0]', withSite({ network: { apiServerCidrs: ['10.88.20.1/8'] } }), /IPv4 CIDR/],
  ['API server inside a denied network', 'network.apiServerCidrs[0]', withSite({ network: { apiServerCidrs: ['10.88.20.12/32'] } }), /could not reach the Kubernetes API/],
  ['trusting every proxy', 'dashboard.trustedProxies[0]', withSite({ dashboard: { trustedProxies: ['0.0.0.0/0'] } }), /\/0 network is rejected/],
  ['Application path that is not the synced folder', 'argocd.path', withSite({ argocd: { path: 'platform-engineer/dist' } }), /must end with "dist\/platform-engineer"/],
  ['repository URL with an unknown scheme', 'argocd.repoURL', withSite({ argocd: { repoURL: 'ftp://git.rogi.casa/x.git' } }), /git URL/],
  ['threshold over 99 percent', 'watchdogs.diskPercent', withSite({ watchdogs: { diskPercent: 150 } }), /99/],
  ['protected namespace with spaces', 'watchdogs.protectedNamespaces[0]', withSite({ watchdogs: { protectedNamespaces: ['Kube System'] } }), /DNS-1123 label/],
  ['maintenance window with a cron name instead of a number', 'maintenanceWindows[0].schedule', withSite({ maintenanceWindows: [{ name: 'pi', schedule: '0 3 * * sun', durationMinutes: 30, scope: { nodes: ['pi-worker-1'] } }] }), /numbers only/],
  ['maintenance window that never ends', 'maintenanceWindows[0].durationMinutes', withSite({ maintenanceWindows: [{ name: 'pi', schedule: '0 3 * * 0', durationMinutes: 100000, scope: { nodes: ['pi-worker-1'] } }] }), /1440/],
  ['maintenance window with an empty scope', 'maintenanceWindows[0].scope', withSite({ maintenanceWindows: [{ name: 'pi', schedule: '0 3 * * 0', durationMinutes: 30, scope: {} }] }), /at least one of nodes/],
  ['maintenance window silencing an unknown watchdog', 'maintenanceWindows[0].scope.watchdogs[0]', withSite({ maintenanceWindows: [{ name: 'pi', schedule: '0 3 * * 0', durationMinutes: 30, scope: { watchdogs: ['daily-cluster-report'] } }] }), /cluster-health-check/],
  ['two maintenance windows with one name', 'maintenanceWindows[1].name', withSite({ maintenanceWindows: [1, 2].map(() => ({ name: 'pi', schedule: '0 3 * * 0', durationMinutes: 30, scope: { nodes: ['pi-worker-1'] } })) }), /unique/],
  ['image repository with a tag', 'image.repository', withSite({ image: { repository: 'git.rogi.casa/roger/hermes-agent:latest' } }), /no tag/],
  ['unsupported node architecture', 'node.arch', withSite({ node: { arch: 'x86' } }), /one of "amd64", "arm64"/],
  ['not YAML at all', 'line', () => 'discord: [unclosed\n  homeChannel: x', /not valid YAML/],
  ['sealed mode with a missing certificate file', 'credentials.sealingCertificate', () => ({ ...base, credentials: { mode: 'sealed', sealingCertificate: '/nonexistent/cert.pem' } }), /kubeseal --fetch-cert/],
  ['sealed mode with a file that is not a certificate', 'credentials.sealingCertificate', () => ({ ...base, credentials: { mode: 'sealed', sealingCertificate: certs.notACert } }), /not a PEM X.509 certificate/],
  ['sealed mode with an EC certificate', 'credentials.sealingCertificate', () => ({ ...base, credentials: { mode: 'sealed', sealingCertificate: certs.ec } }), /ec key; the Sealed Secrets controller uses RSA/],
  ['sealed mode without sealed values', 'never-sealed.sealed.json', () => ({ ...base, credentials: { mode: 'sealed', secretName: 'never-sealed', sealingCertificate: certs.rsa } }), /run `npm run seal` first/],
];

describe('bad site configurations', () => {
  it('covers at least twenty mistakes', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(20);
  });

  it.each(CASES)('%s: exits non-zero naming %s, prints no value, leaves dist/ as it was', (_label, field, site, expected) => {
    const out = tempDir('pe-dist-');
    writeTree(out, { 'platform-engineer/cluster.yaml': '# previous output\n', 'argocd/app.yaml': 'kind: Previous\n' });
    const before = snapshotTree(out);
    const r = runSynth(site(), out);
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toContain(field);
    expect(r.stderr).toMatch(expected);
    expect(r.stderr).toContain('dist/ left unchanged');
    expect(r.stdout + r.stderr).not.toContain(SENTINEL);
    expect(snapshotTree(out)).toEqual(before);
  });

  it('names every problem at once, not just the first', () => {
    const r = runSynth({ ...base, namespace: 'Bad_NS', dashboard: { host: 'bad_host' }, storage: { size: '1Ti' } }, tempDir());
    expect(r.status).toBe(1);
    for (const field of ['namespace', 'dashboard.host', 'storage.size']) expect(r.stderr).toContain(field);
  });
});

describe('configurations that render but cannot work yet', () => {
  it('synthesizes with warnings for an unbuilt image and the example Discord IDs', () => {
    const out = tempDir('pe-dist-');
    const r = runSynth({ discord: { homeChannel: '100000000000000001', allowedUsers: ['100000000000000002'] } }, out);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning: image.lock.json: no image has been built yet .*build-and-push.sh --push/);
    expect(r.stderr).toMatch(/warning: discord: .*example IDs/);
  });

  it('says nothing about Discord once the IDs are real', () => {
    const r = runSynth({ discord: { homeChannel: '123456789012345678', allowedUsers: ['234567890123456789'] } }, tempDir('pe-dist-'));
    expect(r.status).toBe(0);
    expect(r.stderr).not.toMatch(/warning: discord/);
  });
});

describe('risky combinations', () => {
  it('warns when the agent may read Secrets while the credentials are sealed in git', () => {
    const sealed = inputs({ credentials: { mode: 'sealed' }, permissions: { readSecrets: true } }, { sealed: fakeSealedFile() });
    expect(deploymentWarnings(sealed).join('\n')).toMatch(/permissions.readSecrets: .*Sealed Secrets controller key/);
    const safer = inputs({ credentials: { mode: 'sealed' }, permissions: { readSecrets: false } }, { sealed: fakeSealedFile() });
    expect(deploymentWarnings(safer).join('\n')).not.toMatch(/readSecrets/);
  });

  // [site permissions, the warning expected, or null for none]: the grants that reach cluster-admin are said at synth.
  const ESCALATION_WARNINGS: Array<[string, Record<string, unknown>, RegExp | null]> = [
    ['the defaults', {}, null],
    ['Secret reads in listed namespaces', { readSecrets: ['apps', 'media'] }, null],
    ['Secret reads everywhere (the plan)', { readSecrets: true }, /permissions.readSecrets: true .*ArgoCD's repository credentials.*cluster-admin/],
    ['exec limited to df', { podExec: 'df' }, null],
    ['exec of any command (the plan)', { podExec: true }, /permissions.podExec: true .*any command.*ServiceAccount tokens.*cluster-admin/],
  ];

  it.each(ESCALATION_WARNINGS)('%s', (_label, permissions, expected) => {
    const warnings = deploymentWarnings(inputs({ permissions })).filter((w) => w.startsWith('permissions.'));
    if (expected === null) expect(warnings).toEqual([]);
    else expect(warnings.join('\n')).toMatch(expected);
  });

  it('prints the warning at synth and still writes dist/', () => {
    const r = runSynth({ discord: DISCORD, permissions: { readSecrets: true } }, tempDir('pe-dist-'));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning: permissions.readSecrets: true/);
  });
});
