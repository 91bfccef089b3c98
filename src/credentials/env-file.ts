/**
 * The local, git-ignored env file that holds the credential values (`npm run secret:template` writes it).
 * Parsing and checking never put a value into an error message.
 */
import { CREDENTIAL_KEYS } from '../hermes/credentials';
import { ConfigError } from '../site/load';

export function envFilePath(secretName: string): string {
  return `.secrets/${secretName}.env`;
}

export function envFileTemplate(secretName: string, namespace: string): string {
  const lines = [
    `# Credentials for Secret ${namespace}/${secretName}. This file is git-ignored: never commit it.`,
    '# Fill in every value, then either create the Secret (credentials.mode: external) with the command',
    '# `npm run secret:template` printed, or seal it for git (credentials.mode: sealed) with `npm run seal`.',
    '',
  ];
  for (const { key, help } of CREDENTIAL_KEYS) lines.push(`# ${help}`, `${key}=`, '');
  return lines.join('\n');
}

/**
 * KEY=VALUE lines and # comments: the format `kubectl create secret --from-env-file` reads. kubectl keeps quotes
 * as part of the value, so quoted values are refused rather than read differently in the two modes.
 */
export function parseEnvFile(text: string, file: string): Map<string, string> {
  const values = new Map<string, string>();
  const problems: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const eq = line.indexOf('=');
    const key = eq > 0 ? line.slice(0, eq).trim() : '';
    if (!/^[A-Z_][A-Z0-9_]*$/.test(key)) {
      problems.push(`line ${i + 1}: expected KEY=value`);
      return;
    }
    const value = line.slice(eq + 1).trim();
    if (/^["']/.test(value)) problems.push(`line ${i + 1}: ${key} is quoted; remove the quotes (kubectl would keep them in the Secret)`);
    if (values.has(key)) problems.push(`line ${i + 1}: ${key} is set twice`);
    values.set(key, value);
  });
  if (problems.length > 0) throw new ConfigError(file, problems);
  return values;
}

/** Every credential present, well-formed, and nothing else. */
export function checkCredentials(values: ReadonlyMap<string, string>, file: string): void {
  const problems: string[] = [];
  for (const { key, check } of CREDENTIAL_KEYS) {
    const value = values.get(key);
    if (value === undefined || value === '') problems.push(`${key}: is empty; ${CREDENTIAL_KEYS.find((k) => k.key === key)?.help}`);
    else {
      const problem = check(value);
      if (problem) problems.push(`${key}: ${problem}`);
    }
  }
  for (const key of values.keys()) {
    if (!CREDENTIAL_KEYS.some((k) => k.key === key)) problems.push(`${key}: not a credential this project uses (expected ${CREDENTIAL_KEYS.map((k) => k.key).join(', ')})`);
  }
  if (problems.length > 0) throw new ConfigError(file, problems);
}
