/**
 * Hermes' dashboard basic-auth hash (plugins/dashboard_auth/basic): scrypt$N$r$p$<salt b64>$<key b64>, standard
 * base64, 16-byte salt, 32-byte key, N=16384 r=8 p=1. Putting the hash, not the password, in the Secret means the
 * cluster never holds the password itself.
 */
import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';

const N = 16384;
const R = 8;
const P = 1;

export function hashPassword(password: string, salt: Buffer = randomBytes(16)): string {
  const key = scryptSync(Buffer.from(password, 'utf8'), salt, 32, { N, r: R, p: P });
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** The verification Hermes performs, ported for tests. */
export function verifyPassword(password: string, encoded: string): boolean {
  const parts = encoded.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [n, r, p] = parts.slice(1, 4).map(Number);
  const salt = Buffer.from(parts[4], 'base64');
  const expected = Buffer.from(parts[5], 'base64');
  const actual = scryptSync(Buffer.from(password, 'utf8'), salt, expected.length, { N: n, r, p, maxmem: 64 * 1024 * 1024 });
  return timingSafeEqual(actual, expected);
}
