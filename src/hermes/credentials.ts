/**
 * The credentials the agent needs, defined once. The Deployment reads each from the one Secret; the
 * secret:template, hash-password and seal commands use the same list. Values never pass through synth.
 */

export interface CredentialKey {
  /** Key in the Secret and name of the container environment variable. */
  readonly key: string;
  /** What it is and how to make one (shown in the env-file template). */
  readonly help: string;
  /** Checks a value before sealing; returns a problem or undefined. Never includes the value. */
  readonly check: (value: string) => string | undefined;
}

const minLength = (n: number) => (v: string) => (v.length >= n ? undefined : `must be at least ${n} characters`);

export const CREDENTIAL_KEYS: readonly CredentialKey[] = [
  {
    key: 'OPENAI_API_KEY',
    help: 'LiteLLM key for the agent (a virtual key scoped to the models it uses, or the master key).',
    check: minLength(8),
  },
  {
    key: 'DISCORD_BOT_TOKEN',
    help: 'Token of the dedicated platform-engineer bot (Discord developer portal; enable Message Content and Server Members intents).',
    check: minLength(50),
  },
  {
    key: 'HERMES_DASHBOARD_BASIC_AUTH_PASSWORD_HASH',
    help: 'scrypt hash of the dashboard password: run `npm run -s hash-password` and paste its output.',
    check: (v) => (isScryptHash(v) ? undefined : 'must be a Hermes scrypt hash (scrypt$N$r$p$salt$hash): run `npm run -s hash-password`'),
  },
  {
    key: 'HERMES_DASHBOARD_BASIC_AUTH_SECRET',
    help: 'Session signing key, 32 random bytes: `openssl rand -hex 32`.',
    check: (v) => (/^[0-9a-fA-F]{64,}$/.test(v) || /^[A-Za-z0-9+/_-]{43,}={0,2}$/.test(v) ? undefined : 'must be at least 32 random bytes as hex or base64 (openssl rand -hex 32)'),
  },
  {
    key: 'API_SERVER_KEY',
    help: 'Bearer key of the gateway API on port 8642 (16+ characters): `openssl rand -hex 24`.',
    check: minLength(16),
  },
];

/** Hermes' basic-auth hash format (plugins/dashboard_auth/basic): scrypt$N$r$p$<salt b64>$<key b64>. */
export function isScryptHash(value: string): boolean {
  return /^scrypt\$[0-9]+\$[0-9]+\$[0-9]+\$[A-Za-z0-9+/]+={0,2}\$[A-Za-z0-9+/]+={0,2}$/.test(value);
}
