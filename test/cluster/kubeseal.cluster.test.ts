// Item 6 of the cluster suite: the project's own sealing is what the real Sealed Secrets tooling reads and writes.
// Real kubeseal (built from the module proxy) decrypts what `npm run seal` wrote, with the throwaway controller key,
// to exactly the input values; and a SealedSecret real kubeseal sealed offline is accepted by synth unchanged.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { hashPassword } from '../../src/credentials/password-hash';
import { readSealingCertificate } from '../../src/credentials/sealing';
import { CREDENTIAL_KEYS } from '../../src/hermes/credentials';
import { DISCORD } from '../helpers';
import { REPO_ROOT } from './cluster';

const nonce = () => randomBytes(12).toString('hex');
const VALUES: Record<string, string> = {
  OPENAI_API_KEY: `sk-SENTINEL-litellm-${nonce()}`,
  DISCORD_BOT_TOKEN: `SENTINEL.discord.bot.token.${nonce()}.${nonce()}.${nonce()}`,
  HERMES_DASHBOARD_BASIC_AUTH_PASSWORD_HASH: hashPassword(`SENTINEL-dashboard-password-${nonce()}`),
  HERMES_DASHBOARD_BASIC_AUTH_SECRET: randomBytes(32).toString('hex'),
  API_SERVER_KEY: `SENTINEL-api-server-key-${nonce()}`,
};
const NAME = 'platform-engineer-credentials';
const NS = 'platform-engineer';

let work: string;
let kubeseal: string;

/** A throwaway project: the repository's inputs linked in, a sealed-mode site, the env file and the controller cert. */
function project(): string {
  const dir = mkdtempSync(join(work, 'project-'));
  for (const entry of ['src', 'dockerfile', 'image.lock.json', 'package.json']) symlinkSync(join(REPO_ROOT, entry), join(dir, entry));
  mkdirSync(join(dir, '.secrets'));
  mkdirSync(join(dir, 'sealed-secrets'));
  writeFileSync(join(dir, 'sealed-secrets/cert.pem'), readFileSync(join(work, 'cert.pem')));
  writeFileSync(join(dir, `.secrets/${NAME}.env`), Object.entries(VALUES).map(([k, v]) => `${k}=${v}`).join('\n'));
  writeFileSync(join(dir, 'site.yaml'), stringify({ discord: DISCORD, credentials: { mode: 'sealed' } }));
  return dir;
}

function run(dir: string, program: string[]): void {
  const r = spawnSync(process.execPath, program, { cwd: dir, encoding: 'utf8', env: { ...process.env, PLATFORM_ENGINEER_SITE: '', CDK8S_OUTDIR: '' } });
  if (r.status !== 0) throw new Error(`${program.join(' ')} failed: ${r.stdout}${r.stderr}`);
}

const sealedSecretOf = (dir: string) =>
  parseAllDocuments(readFileSync(join(dir, `dist/${NS}/platform-engineer.yaml`), 'utf8'))
    .map((d) => d.toJS())
    .find((d) => d?.kind === 'SealedSecret');

/** kubeseal --recovery-unseal with the controller's private key: the Secret the controller would make. */
function unseal(sealedSecret: unknown): Record<string, string> {
  const out = execFileSync(kubeseal, ['--recovery-unseal', '--recovery-private-key', join(work, 'key.pem'), '-o', 'json'], { input: JSON.stringify(sealedSecret), encoding: 'utf8' });
  const secret = JSON.parse(out);
  expect(secret.metadata).toMatchObject({ name: NAME, namespace: NS });
  return Object.fromEntries(Object.entries(secret.data as Record<string, string>).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));
}

beforeAll(() => {
  kubeseal = inject('binaries').kubeseal;
  work = mkdtempSync(join(inject('runRoot'), 'kubeseal-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:4096', '-nodes', '-keyout', join(work, 'key.pem'), '-out', join(work, 'cert.pem'), '-subj', '/CN=sealed-secret/O=sealed-secret', '-days', '2'], { stdio: 'ignore' });
});

describe('Sealed Secrets, with the real kubeseal', () => {
  it('decrypts what `npm run seal` wrote to exactly the input values', () => {
    const dir = project();
    run(dir, [join(REPO_ROOT, 'node_modules/tsx/dist/cli.mjs'), join(REPO_ROOT, 'scripts/seal.ts')]);
    expect(unseal(sealedSecretOf(dir))).toEqual(VALUES);
  });

  it('and the decryption can fail: a value sealed for another name is refused', () => {
    const dir = project();
    run(dir, [join(REPO_ROOT, 'node_modules/tsx/dist/cli.mjs'), join(REPO_ROOT, 'scripts/seal.ts')]);
    const renamed = sealedSecretOf(dir);
    renamed.metadata.name = 'renamed';
    renamed.spec.template = { ...renamed.spec.template, metadata: { ...renamed.spec.template?.metadata, name: 'renamed' } };
    expect(() => unseal(renamed)).toThrow();
  });

  it('accepts in synth a SealedSecret that real kubeseal sealed offline, and renders its ciphertext unchanged', () => {
    const dir = project();
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: NAME, namespace: NS }, stringData: VALUES };
    const sealed = JSON.parse(execFileSync(kubeseal, ['--cert', join(work, 'cert.pem'), '-o', 'json'], { input: JSON.stringify(secret), encoding: 'utf8' }));
    expect(Object.keys(sealed.spec.encryptedData).sort()).toEqual(CREDENTIAL_KEYS.map((k) => k.key).sort());
    // The project's committed form of the same ciphertext (sealed-secrets/<name>.sealed.json).
    const file = { namespace: NS, name: NAME, certificate: readSealingCertificate(dir, 'sealed-secrets/cert.pem').fingerprint, encryptedData: sealed.spec.encryptedData };
    writeFileSync(join(dir, `sealed-secrets/${NAME}.sealed.json`), JSON.stringify(file, null, 2) + '\n');
    run(dir, [join(REPO_ROOT, '.build/main.js')]);
    const rendered = sealedSecretOf(dir);
    expect(rendered.spec.encryptedData).toEqual(sealed.spec.encryptedData);
    expect(unseal(rendered)).toEqual(VALUES);
  });
});
