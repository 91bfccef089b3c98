/**
 * The committed output of `npm run seal`: the encrypted values and what they were sealed for. Safe in git (only
 * the cluster's controller can decrypt them); synth turns it into the SealedSecret in dist/.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CREDENTIAL_KEYS } from '../hermes/credentials';
import { ConfigError } from '../site/load';
import type { Site } from '../site/schema';
import { readSealingCertificate } from './sealing';

export interface SealedFile {
  readonly namespace: string;
  readonly name: string;
  readonly certificate: string;
  readonly encryptedData: Readonly<Record<string, string>>;
}

export function sealedFilePath(site: Site, root = '.'): string {
  return join(root, 'sealed-secrets', `${site.credentials.secretName}.sealed.json`);
}

/** Loads and checks the sealed file against the site; every mismatch says to run `npm run seal` again. */
export function loadSealedFile(site: Site, root = '.'): SealedFile {
  const cert = readSealingCertificate(root, site.credentials.sealingCertificate);
  const path = sealedFilePath(site, root);
  const shown = path.startsWith(root) ? path.slice(root.length).replace(/^\//, '') : path;
  let data: SealedFile;
  try {
    data = JSON.parse(readFileSync(path, 'utf8')) as SealedFile;
  } catch {
    throw new ConfigError(shown, ['missing or not JSON: credentials.mode is "sealed", so run `npm run seal` first']);
  }
  const problems: string[] = [];
  if (data.namespace !== site.namespace || data.name !== site.credentials.secretName) {
    problems.push(`sealed for ${data.namespace}/${data.name}, but the site wants ${site.namespace}/${site.credentials.secretName} (strict scope): run \`npm run seal\``);
  }
  if (data.certificate !== cert.fingerprint) problems.push('sealed with a different certificate than credentials.sealingCertificate: run `npm run seal`');
  const keys = Object.keys(data.encryptedData ?? {});
  for (const { key } of CREDENTIAL_KEYS) if (!keys.includes(key)) problems.push(`encryptedData.${key} is missing: add it to the env file and run \`npm run seal\``);
  for (const key of keys) if (!CREDENTIAL_KEYS.some((k) => k.key === key)) problems.push(`encryptedData.${key} is not a credential this project uses: remove it from the env file and run \`npm run seal\``);
  for (const [key, value] of Object.entries(data.encryptedData ?? {})) {
    if (typeof value !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(value)) problems.push(`encryptedData.${key} is not base64: run \`npm run seal\``);
  }
  if (problems.length > 0) throw new ConfigError(shown, problems);
  return data;
}
