/** `npm run seal`: env file -> sealed file (committed) -> dist/ with the SealedSecret. */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Site } from '../site/schema';
import { ConfigError } from '../site/load';
import { checkCredentials, envFilePath, parseEnvFile } from './env-file';
import { sealedFilePath, type SealedFile } from './sealed-file';
import { hybridEncrypt, readSealingCertificate, strictScopeLabel } from './sealing';

export function sealCredentials(site: Site, root = '.', envFile = join(root, envFilePath(site.credentials.secretName))): string {
  if (site.credentials.mode !== 'sealed') {
    throw new ConfigError('site.yaml', ['credentials.mode: must be "sealed" to seal the credentials (it is "external")']);
  }
  const cert = readSealingCertificate(root, site.credentials.sealingCertificate);
  let text: string;
  try {
    text = readFileSync(envFile, 'utf8');
  } catch {
    throw new ConfigError(envFile, ['cannot read the env file: run `npm run secret:template` and fill it in']);
  }
  const values = parseEnvFile(text, envFile);
  checkCredentials(values, envFile);
  const label = strictScopeLabel(site.namespace, site.credentials.secretName);
  const encryptedData: Record<string, string> = {};
  for (const key of [...values.keys()].sort()) {
    encryptedData[key] = hybridEncrypt(cert.publicKey, Buffer.from(values.get(key) as string, 'utf8'), label).toString('base64');
  }
  const sealed: SealedFile = { namespace: site.namespace, name: site.credentials.secretName, certificate: cert.fingerprint, encryptedData };
  const out = sealedFilePath(site, root);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(sealed, null, 2)}\n`);
  return out;
}
