// Credentials: the Sealed Secrets format (sealed here, decrypted again with a throwaway controller key), the
// user commands run as programs, and sentinel values that must never reach dist/, git or the terminal.
import { execFileSync, spawnSync } from 'node:child_process';
import { createPrivateKey, randomBytes, X509Certificate } from 'node:crypto';
import { lstatSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { CREDENTIAL_KEYS, isScryptHash } from '../src/hermes/credentials';
import { hashPassword, verifyPassword } from '../src/credentials/password-hash';
import { hybridDecrypt, hybridEncrypt, strictScopeLabel } from '../src/credentials/sealing';
import { envFileTemplate, parseEnvFile } from '../src/credentials/env-file';
import { applyKeys } from '../src/credentials/password-input';
import { ROOT, snapshotTree, tempDir } from './cli';
import { DISCORD } from './helpers';

// Recognisable fakes with a random part made at run time, so no file in the repository can contain them by
// accident (this one included): finding one anywhere means it leaked.
const nonce = () => randomBytes(12).toString('hex');
const SENTINELS: Record<string, string> = {
  OPENAI_API_KEY: `sk-SENTINEL-litellm-${nonce()}`,
  DISCORD_BOT_TOKEN: `SENTINEL.discord.bot.token.${nonce()}.${nonce()}.${nonce()}`,
  HERMES_DASHBOARD_BASIC_AUTH_PASSWORD_HASH: hashPassword(`SENTINEL-dashboard-password-${nonce()}`),
  HERMES_DASHBOARD_BASIC_AUTH_SECRET: randomBytes(32).toString('hex'),
  API_SERVER_KEY: `SENTINEL-api-server-key-${nonce()}`,
};
const envText = Object.entries(SENTINELS)
  .map(([k, v]) => `${k}=${v}`)
  .join('\n');

let cert: string;
let privateKeyPem: string;

beforeAll(() => {
  const dir = tempDir('pe-controller-');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:4096', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-subj', '/CN=sealed-secret/O=sealed-secret', '-days', '2'], { stdio: 'ignore' });
  cert = join(dir, 'cert.pem');
  privateKeyPem = readFileSync(join(dir, 'key.pem'), 'utf8');
});

describe('Sealed Secrets hybrid encryption', () => {
  it('round-trips with the controller key under the strict-scope label namespace/name', () => {
    const pub = new X509Certificate(readFileSync(cert)).publicKey;
    const label = strictScopeLabel('platform-engineer', 'platform-engineer-credentials');
    expect(label.toString()).toBe('platform-engineer/platform-engineer-credentials');
    const sealed = hybridEncrypt(pub, Buffer.from('hello'), label);
    // uint16 length of the RSA-4096 ciphertext, the ciphertext, then AES-GCM data + 16-byte tag.
    expect(sealed.readUInt16BE(0)).toBe(512);
    expect(sealed.length).toBe(2 + 512 + 5 + 16);
    expect(hybridDecrypt(createPrivateKey(privateKeyPem), sealed, label).toString()).toBe('hello');
  });

  it('cannot be unsealed under another name or namespace, or with another key', () => {
    const pub = new X509Certificate(readFileSync(cert)).publicKey;
    const sealed = hybridEncrypt(pub, Buffer.from('hello'), strictScopeLabel('platform-engineer', 'a'));
    expect(() => hybridDecrypt(createPrivateKey(privateKeyPem), sealed, strictScopeLabel('platform-engineer', 'b'))).toThrow();
    expect(() => hybridDecrypt(createPrivateKey(privateKeyPem), sealed, strictScopeLabel('other', 'a'))).toThrow();
  });

  it('uses a fresh session key per value (same plaintext, different ciphertext)', () => {
    const pub = new X509Certificate(readFileSync(cert)).publicKey;
    const label = strictScopeLabel('ns', 'n');
    expect(hybridEncrypt(pub, Buffer.from('x'), label).equals(hybridEncrypt(pub, Buffer.from('x'), label))).toBe(false);
  });
});

describe('dashboard password hash', () => {
  it('is the scrypt format Hermes verifies, and verifies', () => {
    const h = hashPassword('correct horse battery staple');
    expect(h).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=$/);
    expect(isScryptHash(h)).toBe(true);
    expect(verifyPassword('correct horse battery staple', h)).toBe(true);
    expect(verifyPassword('wrong', h)).toBe(false);
  });
});

describe('env file', () => {
  it('template lists every credential with empty values', () => {
    const values = parseEnvFile(envFileTemplate('s', 'ns'), 'f');
    expect([...values.keys()]).toEqual(CREDENTIAL_KEYS.map((k) => k.key));
    expect([...values.values()].every((v) => v === '')).toBe(true);
  });
});

/** A throwaway project folder: the committed inputs linked in, the user's site, env file and certificate. */
function project(site: Record<string, unknown>, env = envText): string {
  const dir = tempDir('pe-project-');
  for (const entry of ['src', 'dockerfile', 'image.lock.json']) symlinkSync(join(ROOT, entry), join(dir, entry));
  mkdirSync(join(dir, '.secrets'));
  mkdirSync(join(dir, 'sealed-secrets'));
  writeFileSync(join(dir, 'sealed-secrets/cert.pem'), readFileSync(cert));
  writeFileSync(join(dir, '.secrets/platform-engineer-credentials.env'), env);
  writeFileSync(join(dir, 'site.yaml'), stringify({ discord: DISCORD, ...site }));
  return dir;
}

function npmScript(dir: string, script: string) {
  const r = spawnSync(process.execPath, [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), join(ROOT, 'scripts', script)], { cwd: dir, encoding: 'utf8', env: { ...process.env, PLATFORM_ENGINEER_SITE: '' } });
  return { status: r.status, output: r.stdout + r.stderr };
}

const containsSentinel = (text: string) => Object.values(SENTINELS).some((v) => text.includes(v));

describe('npm run seal', () => {
  it('writes a SealedSecret into dist/ that the controller key decrypts to exactly the env file values', () => {
    const dir = project({ credentials: { mode: 'sealed' } });
    const r = npmScript(dir, 'seal.ts');
    expect(r.status, r.output).toBe(0);
    const docs = parseAllDocuments(readFileSync(join(dir, 'dist/platform-engineer/platform-engineer.yaml'), 'utf8')).map((d) => d.toJS());
    const sealed = docs.find((d) => d.kind === 'SealedSecret');
    expect(sealed.metadata).toMatchObject({ name: 'platform-engineer-credentials', namespace: 'platform-engineer' });
    expect(sealed.metadata.annotations ?? {}).not.toHaveProperty('sealedsecrets.bitnami.com/cluster-wide');
    expect(sealed.metadata.annotations ?? {}).not.toHaveProperty('sealedsecrets.bitnami.com/namespace-wide');
    const key = createPrivateKey(privateKeyPem);
    const label = strictScopeLabel('platform-engineer', 'platform-engineer-credentials');
    const decrypted = Object.fromEntries(Object.entries(sealed.spec.encryptedData as Record<string, string>).map(([k, v]) => [k, hybridDecrypt(key, Buffer.from(v, 'base64'), label).toString()]));
    expect(decrypted).toEqual(SENTINELS);
  });

  it('sentinel: no credential value in dist/, the sealed file, anything a commit would take, or anything printed', () => {
    const dir = project({ credentials: { mode: 'sealed' } });
    const outputs = [npmScript(dir, 'seal.ts').output, npmScript(dir, 'secret-template.ts').output];
    for (const [file, b64] of Object.entries(snapshotTree(join(dir, 'dist')))) expect(containsSentinel(Buffer.from(b64, 'base64').toString()), file).toBe(false);
    expect(containsSentinel(readFileSync(join(dir, 'sealed-secrets/platform-engineer-credentials.sealed.json'), 'utf8'))).toBe(false);
    for (const out of outputs) expect(containsSentinel(out)).toBe(false);
    // Commit the project as a user would after `npm run seal`, with this repository's .gitignore: nothing staged
    // may hold a value, and the env file must not be staged at all.
    writeFileSync(join(dir, '.gitignore'), readFileSync(join(ROOT, '.gitignore')));
    const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' });
    git('init', '-q');
    git('add', '-A');
    const staged = git('diff', '--cached', '--name-only', '-z').split('\0').filter(Boolean);
    expect(staged).toContain('sealed-secrets/platform-engineer-credentials.sealed.json');
    expect(staged.filter((f) => f.startsWith('.secrets/') || f.endsWith('.env'))).toEqual([]);
    // src, dockerfile and image.lock.json are symlinks to this repository's own files.
    for (const file of staged.filter((f) => !lstatSync(join(dir, f)).isSymbolicLink())) {
      expect(containsSentinel(readFileSync(join(dir, file), 'utf8')), file).toBe(false);
    }
  });

  it('rejects malformed credentials naming the key, never the value, and writes nothing', () => {
    const bad = envText.replace(`API_SERVER_KEY=${SENTINELS.API_SERVER_KEY}`, 'API_SERVER_KEY=SENTINEL-short').replace(/HERMES_DASHBOARD_BASIC_AUTH_PASSWORD_HASH=.*/, 'HERMES_DASHBOARD_BASIC_AUTH_PASSWORD_HASH=SENTINEL-plain-password') + '\nEXTRA_TOKEN=SENTINEL-extra';
    const dir = project({ credentials: { mode: 'sealed' } }, bad);
    const r = npmScript(dir, 'seal.ts');
    expect(r.status).toBe(1);
    expect(r.output).toMatch(/API_SERVER_KEY: must be at least 16 characters/);
    expect(r.output).toMatch(/HERMES_DASHBOARD_BASIC_AUTH_PASSWORD_HASH: must be a Hermes scrypt hash/);
    expect(r.output).toMatch(/EXTRA_TOKEN: not a credential this project uses/);
    expect(r.output).not.toContain('SENTINEL');
    expect(() => readFileSync(join(dir, 'dist/platform-engineer/platform-engineer.yaml'))).toThrow();
  });

  it('refuses to seal in external mode', () => {
    const dir = project({});
    const r = npmScript(dir, 'seal.ts');
    expect(r.status).toBe(1);
    expect(r.output).toContain('credentials.mode: must be "sealed"');
  });

  it('makes synth refuse a sealed file made for another certificate or another Secret name', () => {
    const dir = project({ credentials: { mode: 'sealed' } });
    expect(npmScript(dir, 'seal.ts').status).toBe(0);
    const other = tempDir('pe-other-');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(other, 'k'), '-out', join(other, 'c'), '-subj', '/CN=other', '-days', '2'], { stdio: 'ignore' });
    writeFileSync(join(dir, 'sealed-secrets/cert.pem'), readFileSync(join(other, 'c')));
    const synth = () => spawnSync(process.execPath, [join(ROOT, '.build/main.js')], { cwd: dir, encoding: 'utf8', env: { ...process.env, PLATFORM_ENGINEER_SITE: '', CDK8S_OUTDIR: '' } });
    const before = snapshotTree(join(dir, 'dist'));
    let r = synth();
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('sealed with a different certificate than credentials.sealingCertificate: run `npm run seal`');
    writeFileSync(join(dir, 'sealed-secrets/cert.pem'), readFileSync(cert));
    const sealedFile = join(dir, 'sealed-secrets/platform-engineer-credentials.sealed.json');
    writeFileSync(sealedFile, readFileSync(sealedFile, 'utf8').replace('"name": "platform-engineer-credentials"', '"name": "renamed"'));
    r = synth();
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('sealed for platform-engineer/renamed, but the site wants platform-engineer/platform-engineer-credentials (strict scope)');
    expect(snapshotTree(join(dir, 'dist'))).toEqual(before);
  });
});

describe('npm run secret:template', () => {
  it('writes a private template when absent, with every key empty', () => {
    const dir = project({});
    const file = join(dir, '.secrets/platform-engineer-credentials.env');
    rmSync(file);
    const r = npmScript(dir, 'secret-template.ts');
    expect(r.status, r.output).toBe(0);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect([...parseEnvFile(readFileSync(file, 'utf8'), file).values()].every((v) => v === '')).toBe(true);
  });

  it('never overwrites a filled env file, checks it, and prints the kubectl line', () => {
    const dir = project({});
    const file = join(dir, '.secrets/platform-engineer-credentials.env');
    const r = npmScript(dir, 'secret-template.ts');
    expect(r.status, r.output).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(envText);
    expect(r.output).toContain(
      'kubectl create secret generic platform-engineer-credentials --namespace platform-engineer --from-env-file=.secrets/platform-engineer-credentials.env --dry-run=client -o yaml | kubectl apply -f -',
    );
    expect(containsSentinel(r.output)).toBe(false);
  });

  it('refuses a malformed env file before printing the command, naming keys only', () => {
    const dir = project({}, 'OPENAI_API_KEY="sk-SENTINEL-quoted-value"\nAPI_SERVER_KEY=SENTINEL-short\n');
    const r = npmScript(dir, 'secret-template.ts');
    expect(r.status).toBe(1);
    expect(r.output).toContain('OPENAI_API_KEY is quoted; remove the quotes');
    expect(r.output).not.toContain('kubectl create secret');
    expect(r.output).not.toContain('SENTINEL');
  });
});

describe('hidden password entry', () => {
  const type = (keys: string) => applyKeys({ password: '', done: false, cancelled: false }, keys);
  it('finishes on Enter, edits with Backspace, ignores arrow keys, cancels on Ctrl-C', () => {
    expect(type('secret\r')).toEqual({ password: 'secret', done: true, cancelled: false });
    expect(type('secrex\u007ft\r').password).toBe('secret');
    expect(type('sec\u001b[Dret\r').password).toBe('secret');
    expect(type('sec\u0003').cancelled).toBe(true);
  });
  it('hashes what was typed, in the format Hermes verifies', () => {
    expect(verifyPassword('secret', hashPassword(type('secrex\bt\r').password))).toBe(true);
  });
});
