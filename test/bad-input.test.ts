// Every mistake a user can make in the site file: a non-zero exit, a message naming the field and what is
// expected, no echo of the value (it could be a pasted credential), and dist/ byte for byte as it was.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deploymentWarnings } from '../src/project';
import { DISCORD, inputs } from './helpers';
import { fakeSealedFile } from './sealed-fixture';
import { ROOT, runSynth, snapshotTree, tempDir, writeTree } from './cli';

const SENTINEL = 'SENTINEL-d1sc0rd-b0t-t0ken-Zx9QwErTy';
let certs: { rsa: string; ec: string; notACert: string; outsideLink: string; folder: string };
let certRoot: string;

// The certificate must lie inside the project folder, so these live in the git-ignored .tmp/ (paths relative to it).
beforeAll(() => {
  mkdirSync(join(ROOT, '.tmp'), { recursive: true });
  certRoot = mkdtempSync(join(ROOT, '.tmp', 'pe-certs-'));
  const dir = certRoot;
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'rsa.key'), '-out', join(dir, 'rsa.pem'), '-subj', '/CN=sealed-secret', '-days', '2');
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'ec.key'), '-out', join(dir, 'ec.pem'), '-subj', '/CN=ec', '-days', '2');
  writeFileSync(join(dir, 'junk.pem'), 'not a certificate\n');
  const outside = tempDir('pe-outside-');
  writeFileSync(join(outside, 'cert.pem'), 'outside the project\n');
  symlinkSync(join(outside, 'cert.pem'), join(dir, 'outside.pem'));
  const rel = (name: string) => relative(ROOT, join(dir, name));
  certs = { rsa: rel('rsa.pem'), ec: rel('ec.pem'), notACert: rel('junk.pem'), outsideLink: rel('outside.pem'), folder: rel('.') };
});
afterAll(() => rmSync(certRoot, { recursive: true, force: true }));

/** label, the field the message must name, the site, what the message must say, values it must never repeat. */
type Case = [label: string, field: string, site: () => unknown, expected: RegExp, hidden?: string[]];
const base = { discord: DISCORD };
const withSite = (extra: Record<string, unknown>) => () => ({ ...base, ...extra });
/** The site as YAML text with `tail` appended (for input no object can express). */
const yamlText = (tail: string, extra: Record<string, unknown> = {}) => () => stringify({ ...base, ...extra }) + tail;
const SECRET = 'hunter2-Pa55w0rd-SENTINEL';
const LLM = (baseUrl: string) => withSite({ llm: { baseUrl } });
const aliasBomb = () => {
  let text = stringify(base) + 'x0: &x0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n';
  for (let i = 1; i <= 9; i++) text += `x${i}: &x${i} [${Array(9).fill(`*x${i - 1}`).join(', ')}]\n`;
  return text;
};

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

/** Hostile and careless input, class by class (issue 9). */
const HOSTILE: Case[] = [
  // Credentials inside URLs: refused, never copied to dist/ or the terminal.
  ['LLM URL with a user and password', 'llm.baseUrl', LLM(`https://admin:${SECRET}@litellm.rogi.casa/v1`), /no user name or password/, [SECRET]],
  ['LLM URL with a user name only', 'llm.baseUrl', LLM(`https://${SECRET}@litellm.rogi.casa/v1`), /no user name or password/, [SECRET]],
  ['LLM URL with a key in the query', 'llm.baseUrl', LLM(`https://litellm.rogi.casa/v1?api_key=${SECRET}`), /no query/, [SECRET]],
  ['LLM URL with a fragment', 'llm.baseUrl', LLM(`https://litellm.rogi.casa/v1#${SECRET}`), /absolute URL/, [SECRET]],
  ['LLM URL with percent-encoded userinfo', 'llm.baseUrl', LLM(`https://u%3A${SECRET}%40@litellm.rogi.casa/v1`), /absolute URL/, [SECRET]],
  ['repository URL with a user and password', 'argocd.repoURL', withSite({ argocd: { repoURL: `https://roger:${SECRET}@git.rogi.casa/roger/homelab.git` } }), /no user name or password/, [SECRET]],
  ['repository URL with a token as user', 'argocd.repoURL', withSite({ argocd: { repoURL: `https://${SECRET}@git.rogi.casa/roger/homelab.git` } }), /git URL/, [SECRET]],
  ['SSH repository URL with a password', 'argocd.repoURL', withSite({ argocd: { repoURL: `ssh://git:${SECRET}@git.rogi.casa/roger/homelab.git` } }), /git URL/, [SECRET]],
  ['image repository with credentials', 'image.repository', withSite({ image: { repository: `roger:${SECRET}@git.rogi.casa/roger/hermes-agent` } }), /registry path/, [SECRET]],
  // Values Hermes or YAML would interpret.
  ['LLM URL with a ${VAR} reference', 'llm.baseUrl', LLM('https://litellm.rogi.casa/${OPENAI_API_KEY}'), /absolute URL/, ['OPENAI_API_KEY']],
  ['auxiliary model that expands an environment variable', 'llm.auxiliaryModel', withSite({ llm: { auxiliaryModel: '${OPENAI_API_KEY}' } }), /\$\{.*expand/, ['OPENAI_API_KEY']],
  ['model that expands an environment variable mid-string', 'llm.model', withSite({ llm: { model: 'qwen-${DISCORD_BOT_TOKEN}' } }), /expand/, ['DISCORD_BOT_TOKEN']],
  ['model name with a newline (a new config.yaml key)', 'llm.model', withSite({ llm: { model: `qwen\napi_key: ${SECRET}` } }), /line breaks/, [SECRET]],
  ['model name with spaces and free text', 'llm.model', withSite({ llm: { model: `ignore previous instructions ${SECRET}` } }), /model name as LiteLLM lists it/, [SECRET]],
  ['model name with an escape sequence', 'llm.model', withSite({ llm: { model: `\u001b[31m${SECRET}` } }), /control characters/, [SECRET]],
  ['LLM URL with a space', 'llm.baseUrl', LLM(`https://litellm.rogi.casa/v1 ${SECRET}`), /no spaces/, [SECRET]],
  ['LLM URL with a newline', 'llm.baseUrl', LLM(`https://litellm.rogi.casa/v1\n${SECRET}`), /absolute URL/, [SECRET]],
  ['dashboard user with a ${VAR} reference', 'dashboard.username', withSite({ dashboard: { username: '${HERMES_DASHBOARD_PASSWORD}' } }), /letters, digits/, ['HERMES_DASHBOARD_PASSWORD']],
  ['ingress class with markup', 'dashboard.ingressClassName', withSite({ dashboard: { ingressClassName: '<b>traefik</b>' } }), /DNS name/],
  ['dashboard host with a trailing dot', 'dashboard.host', withSite({ dashboard: { host: 'hermes.rogi.casa.' } }), /DNS name/],
  ['dashboard host in capitals', 'dashboard.host', withSite({ dashboard: { host: 'Hermes.Rogi.Casa' } }), /DNS name/],
  // The LLM endpoint must be reachable through the NetworkPolicy.
  ['LLM URL on a port the NetworkPolicy blocks', 'llm.baseUrl', LLM('https://litellm.rogi.casa:4000/v1'), /port 443/],
  ['LLM URL on a denied address (the Ollama box)', 'llm.baseUrl', LLM('https://10.88.20.12/v1'), /deniedCidrs/],
  ['LLM URL that is an in-cluster Service', 'llm.baseUrl', LLM('https://litellm.litellm.svc.cluster.local/v1'), /in-cluster Service/],
  ['LLM URL with an impossible port', 'llm.baseUrl', LLM('https://litellm.rogi.casa:99999/v1'), /port from 1 to 65535/],
  ['LLM URL with a host that is not a DNS name', 'llm.baseUrl', LLM('https://-litellm-.rogi.casa/v1'), /valid host name/],
  // Namespaces that belong to the cluster or its tools.
  ...['kube-system', 'kube-public', 'kube-node-lease', 'default', 'argocd', 'cert-manager', 'sealed-secrets', 'kube-anything'].map(
    (ns): Case => [`install namespace ${ns}`, 'namespace', withSite({ namespace: ns, argocd: { path: `dist/${ns}` } }), /namespace of its own/, [ns]],
  ),
  ['install namespace equal to the site\'s ArgoCD namespace', 'namespace', withSite({ namespace: 'gitops', argocd: { namespace: 'gitops', path: 'dist/gitops' } }), /argocd.namespace/],
  ['install namespace equal to the ingress controller\'s', 'namespace', withSite({ namespace: 'edge', dashboard: { ingressControllerNamespace: 'edge' }, argocd: { path: 'dist/edge' } }), /ingressControllerNamespace/],
  ['namespace longer than 63 characters', 'namespace', withSite({ namespace: 'a'.repeat(64) }), /at most 63 characters/],
  ['namespace that is a pasted token', 'namespace', withSite({ namespace: SECRET }), /DNS-1123 label/, [SECRET]],
  ['a bad namespace is not repeated in the argocd.path message', 'namespace', withSite({ namespace: `x-${SECRET}` }), /DNS-1123 label/, [SECRET]],
  // YAML errors say where.
  ['tab used for indentation', 'line 6, column 1', yamlText('node:\n\tarch: amd64\n'), /TAB_AS_INDENT/],
  ['duplicate key', 'line 6, column 1', yamlText('namespace: a\nnamespace: b\n'), /appears twice/],
  ['a second YAML document', 'line 5, column 1', yamlText('---\nnamespace: other\n'), /second document/],
  ['unclosed quote', 'line 6, column 1', yamlText(`namespace: "${SECRET}\n`), /not valid YAML/, [SECRET]],
  ['an alias bomb (billion laughs)', 'line 6, column 10', aliasBomb, /aliases/],
  ['an alias to reuse a value', 'line 6, column 21', yamlText('node: {name: &n roger-nucbox}\nimage: {pullSecret: *n}\n'), /aliases/],
  ['an unknown YAML tag', 'line 5, column 12', yamlText('namespace: !secret x\n'), /tag/],
  ['a binary value', 'line 5, column 21', yamlText('namespace: !!binary aGVsbG8=\n'), /tag/],
  ['__proto__ under node.preferredLabels', 'line 7, column 5', yamlText('node:\n  preferredLabels:\n    __proto__: {hardware: x}\n'), /reserved key/],
  ['constructor as a top-level key', 'line 5, column 1', yamlText('constructor: x\n'), /reserved key/],
  ['a number as a key', 'line 6, column 3', yamlText('node:\n  1: x\n'), /plain name/],
  ['a list at the top level', '(top level)', () => '- discord\n- namespace\n', /expected a mapping/],
  ['a single value at the top level', '(top level)', () => `${SECRET}\n`, /expected a mapping/, [SECRET]],
  ['nesting too deep to mean anything', 'line 1', () => `a: ${'['.repeat(5000)}${']'.repeat(5000)}\n`, /not valid|unknown field/],
  // Bytes and sizes.
  ['non-UTF-8 bytes', 'line 5, column 14', () => Buffer.concat([Buffer.from(stringify(base) + 'namespace: ab'), Buffer.from([0xff, 0xfe]), Buffer.from('\n')]), /not valid UTF-8/],
  ['a NUL byte', 'line 5, column 14', () => `${stringify(base)}namespace: ab\u0000cd\n`, /control or invisible character/],
  ['a file over the size limit (a 5 MB model name)', 'larger than 32 KiB', withSite({ llm: { model: 'q'.repeat(5 * 1024 * 1024) } }), /a site file is a few kilobytes/],
  ['a model name over its length cap', 'llm.model', withSite({ llm: { model: `q${'w'.repeat(30_000)}` } }), /at most 128 characters/],
  ['a 30 KB CPU quantity (no super-linear pattern)', 'resources.limits.cpu', withSite({ resources: { limits: { memory: '2Gi', cpu: `0.${'0'.repeat(30_000)}x` } } }), /at most 16 characters/],
  ['a 30 KB label key', 'node.preferredLabels', withSite({ node: { preferredLabels: { [`a${'.a-'.repeat(10_000)}`]: 'x' } } }), /label key/],
  ['a 30 KB DNS name', 'dashboard.host', withSite({ dashboard: { host: `${'a.'.repeat(15_000)}a` } }), /at most 253 characters/],
  ['a petabyte of memory', 'resources.limits.memory', withSite({ resources: { limits: { memory: '999999Gi', cpu: '1' } } }), /at most 512Gi/],
  ['memory with seven digits', 'resources.limits.memory', withSite({ resources: { limits: { memory: '1048576Gi', cpu: '1' } } }), /whole number of Mi or Gi/],
  ['a thousand CPU cores', 'resources.limits.cpu', withSite({ resources: { limits: { memory: '2Gi', cpu: '1000' } } }), /at most 64 cores/],
  ['CPU that rounds to nothing', 'resources.requests.cpu', withSite({ resources: { requests: { memory: '512Mi', cpu: '0.000' } } }), /positive CPU/],
  ['CPU request above its limit', 'resources.requests.cpu', withSite({ resources: { requests: { memory: '512Mi', cpu: '2' } } }), /must not exceed resources.limits.cpu/],
  ['a volume of 100 TiB', 'storage.size', withSite({ storage: { size: '102400Gi' } }), /at most 4096Gi/],
  ['too many allowed users', 'discord.allowedUsers', withSite({ discord: { ...DISCORD, allowedUsers: Array.from({ length: 65 }, (_, i) => String(100000000000000000n + BigInt(i))) } }), /at most 64 entries/],
  // Silently dropped or unworkable input.
  ['the same user twice', 'discord.allowedUsers', withSite({ discord: { ...DISCORD, allowedUsers: ['100000000000000002', '100000000000000002'] } }), /each entry once/],
  ['an unquoted Discord ID (a number that lost its last digits)', 'discord.homeChannel', yamlText('', { discord: { homeChannel: 100000000000000001, allowedUsers: ['100000000000000002'] } }), /expected string, got a number/],
  ['no trusted proxies', 'dashboard.trustedProxies', withSite({ dashboard: { trustedProxies: [] } }), /at least the ingress controller/],
  ['no API server port', 'network.apiServerPorts', withSite({ network: { apiServerPorts: [] } }), /at least one port/],
  ['an API server port out of range', 'network.apiServerPorts[0]', withSite({ network: { apiServerPorts: [70000] } }), /port from 1 to 65535/],
  ['a fractional port', 'network.apiServerPorts[0]', withSite({ network: { apiServerPorts: [443.5] } }), /whole port/],
  ['a threshold written as text', 'watchdogs.diskPercent', withSite({ watchdogs: { diskPercent: '85' } }), /expected number, got a string/],
  ['a number too large for JavaScript', 'watchdogs.cpuPercent', yamlText('', { watchdogs: { cpuPercent: 1e400 } }), /expected number/],
  ['a reminder of zero hours', 'watchdogs.reminderHours', withSite({ watchdogs: { reminderHours: 0 } }), /at least 1/],
  ['a section left empty', 'node', yamlText('node:\n'), /expected a mapping, got null/],
  ['a label key with a space', 'node.preferredLabels', withSite({ node: { preferredLabels: { 'has space': 'x' } } }), /label key/],
  ['a label value too long', 'node.preferredLabels', withSite({ node: { preferredLabels: { hardware: 'x'.repeat(64) } } }), /label value/],
  ['a pasted token as an unknown key', 'unknown field', withSite({ [SECRET]: 'x' }), /not shown/, [SECRET]],
  ['an unknown nested key far from any field name', 'dashboard.', withSite({ dashboard: { [SECRET]: 1 } }), /unknown field/, [SECRET]],
  ['a field indented into the wrong section', 'dashboard.model (a field of another section', withSite({ dashboard: { model: 'qwen' } }), /check the indentation/],
  ['a Secret name in capitals', 'credentials.secretName', withSite({ credentials: { secretName: 'Credentials' } }), /DNS name/],
  ['a revision with ".."', 'argocd.targetRevision', withSite({ argocd: { targetRevision: 'main/../x' } }), /without "\.\."/],
  ['an absolute Application path', 'argocd.path', withSite({ argocd: { path: '/etc/platform-engineer/dist/platform-engineer' } }), /relative path inside the repository/],
  ['an Application path that climbs out', 'argocd.path', withSite({ argocd: { path: '../dist/platform-engineer' } }), /without "\." or "\.\." parts/],
  // The lock must be for the site's image: build-and-push.sh records the repository and platforms it used.
  ['an arm64 site with a lock built for amd64 only', 'platforms does not include linux/arm64', withSite({ node: { arch: 'arm64' } }), /image.lock.json.*\n.*build-and-push.sh --push/],
  ['a site pointing at another registry than the lock', 'repository does not match image.repository', withSite({ image: { repository: 'registry.example.com/me/hermes' } }), /build-and-push.sh --push/],
  // Paths confined to the project, never printed.
  ['a certificate path outside the project', 'credentials.sealingCertificate', withSite({ credentials: { mode: 'sealed', sealingCertificate: '/etc/passwd' } }), /relative path inside the repository/, ['/etc/passwd']],
  ['a certificate path that climbs out', 'credentials.sealingCertificate', withSite({ credentials: { mode: 'sealed', sealingCertificate: '../../etc/passwd' } }), /relative path inside the repository/, ['etc/passwd']],
  ['a certificate link that leads out of the project', 'credentials.sealingCertificate', () => ({ ...base, credentials: { mode: 'sealed', sealingCertificate: certs.outsideLink } }), /outside the project folder/, ['pe-certs-', 'outside.pem']],
  ['a certificate path that is a folder', 'credentials.sealingCertificate', () => ({ ...base, credentials: { mode: 'sealed', sealingCertificate: certs.folder } }), /regular file/, ['pe-certs-']],
];

describe('hostile site files', () => {
  it('cover every class of the issue, and more than the first 32 cases', () => {
    expect(CASES.length + HOSTILE.length).toBeGreaterThanOrEqual(100);
  });

  it.each(HOSTILE)('%s: exits non-zero naming %s, repeats nothing, leaves dist/ as it was', (_label, field, site, expected, hidden = []) => {
    const out = tempDir('pe-dist-');
    writeTree(out, { 'platform-engineer/cluster.yaml': '# previous output\n', 'argocd/app.yaml': 'kind: Previous\n' });
    const before = snapshotTree(out);
    const r = runSynth(site(), out);
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toContain(field);
    expect(r.stderr).toMatch(expected);
    expect(r.stderr).toContain('dist/ left unchanged');
    expect(r.stderr, 'a stack trace reached the user').not.toMatch(/\n\s+at .*\(/);
    for (const value of [SENTINEL, ...hidden]) expect(r.stdout + r.stderr).not.toContain(value);
    // Problems are listed one per line: nothing the user wrote can add lines of its own.
    expect(r.stderr.split('\n').filter((l) => l.startsWith('  - ')).length).toBeLessThanOrEqual(20);
    expect(snapshotTree(out)).toEqual(before);
  });
});

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

  it('refuses a site path that is a folder or a pipe, without waiting on it', () => {
    const dir = tempDir('pe-site-dir-');
    const fifo = join(dir, 'site.fifo');
    execFileSync('mkfifo', [fifo]);
    for (const site of [dir, fifo]) {
      const r = runSynth({}, tempDir('pe-dist-'), { PLATFORM_ENGINEER_SITE: site });
      expect(r.status, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/expected a regular file/);
    }
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

  it('prints the Application file to apply, named after the namespace', () => {
    const out = tempDir('pe-dist-');
    const r = runSynth({ ...base, namespace: 'pe-lab', argocd: { path: 'x/dist/pe-lab' } }, out);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`kubectl apply -f ${out}/argocd/pe-lab.application.yaml`);
    expect(snapshotTree(out)).toHaveProperty(['argocd/pe-lab.application.yaml']);
  });

  it('accepts a file with Windows line endings and a byte-order mark', () => {
    const r = runSynth(`\ufeff${stringify(base).replace(/\n/g, '\r\n')}`, tempDir('pe-dist-'));
    expect(r.status, r.stderr).toBe(0);
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
