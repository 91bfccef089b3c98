/**
 * Sealed Secrets' hybrid encryption, byte for byte as the controller expects (bitnami-labs/sealed-secrets
 * pkg/crypto/crypto.go): a random 32-byte AES-256-GCM session key encrypted with RSA-OAEP(SHA-256) under the
 * label; output = uint16 big-endian length of the RSA ciphertext || RSA ciphertext || AES-GCM(plaintext) with a
 * zero nonce (the session key is used once) and the 16-byte tag appended.
 */
import { X509Certificate, constants, createCipheriv, createDecipheriv, createHash, privateDecrypt, publicEncrypt, randomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { ConfigError } from '../site/load';
import { readRepoFile } from '../site/repo-file';

const SESSION_KEY_BYTES = 32;
const GCM_NONCE = Buffer.alloc(12);

/** Strict scope (the default): the value only decrypts into this namespace and Secret name. */
export function strictScopeLabel(namespace: string, name: string): Buffer {
  return Buffer.from(`${namespace}/${name}`, 'utf8');
}

export function hybridEncrypt(publicKey: KeyObject, plaintext: Buffer, label: Buffer): Buffer {
  const sessionKey = randomBytes(SESSION_KEY_BYTES);
  const rsa = publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256', oaepLabel: label }, sessionKey);
  const cipher = createCipheriv('aes-256-gcm', sessionKey, GCM_NONCE);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  const length = Buffer.alloc(2);
  length.writeUInt16BE(rsa.length);
  return Buffer.concat([length, rsa, body]);
}

/** The controller's side, for tests: throws when the label (namespace/name) or key does not match. */
export function hybridDecrypt(privateKey: KeyObject, ciphertext: Buffer, label: Buffer): Buffer {
  if (ciphertext.length < 2) throw new Error('SealedSecret data is too short');
  const rsaLength = ciphertext.readUInt16BE(0);
  if (ciphertext.length < rsaLength + 2 + 16) throw new Error('SealedSecret data is too short');
  const sessionKey = privateDecrypt(
    { key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256', oaepLabel: label },
    ciphertext.subarray(2, 2 + rsaLength),
  );
  const sealed = ciphertext.subarray(2 + rsaLength);
  const decipher = createDecipheriv('aes-256-gcm', sessionKey, GCM_NONCE);
  decipher.setAuthTag(sealed.subarray(sealed.length - 16));
  return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - 16)), decipher.final()]);
}

export interface SealingCertificate {
  readonly publicKey: KeyObject;
  /** sha256 of the certificate's DER bytes: ties a sealed file to the certificate it was sealed for. */
  readonly fingerprint: string;
}

/** A PEM certificate is about 2 KB; anything above this is not one. */
const MAX_CERTIFICATE_BYTES = 64 * 1024;
const FETCH = 'fetch it with `kubeseal --fetch-cert > sealed-secrets/cert.pem` and name that file';

/**
 * Reads the controller's certificate (kubeseal --fetch-cert) from a path inside the project folder. `field`
 * names the site field in errors; the path itself is never printed.
 */
export function readSealingCertificate(root: string, path: string, field = 'credentials.sealingCertificate'): SealingCertificate {
  const pem = readRepoFile(root, path, field, MAX_CERTIFICATE_BYTES, FETCH);
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem);
  } catch {
    throw new ConfigError('site.yaml', [`${field}: the file it names is not a PEM X.509 certificate: ${FETCH}`]);
  }
  if (cert.publicKey.asymmetricKeyType !== 'rsa') {
    throw new ConfigError('site.yaml', [`${field}: the certificate holds an ${cert.publicKey.asymmetricKeyType} key; the Sealed Secrets controller uses RSA: ${FETCH}`]);
  }
  return { publicKey: cert.publicKey, fingerprint: `sha256:${createHash('sha256').update(cert.raw).digest('hex')}` };
}
