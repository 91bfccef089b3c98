import { CREDENTIAL_KEYS } from '../src/hermes/credentials';
import type { SealedFile } from '../src/credentials/sealed-file';

/** A structurally valid sealed file (not decryptable): for rendering tests that do not test the crypto. */
export function fakeSealedFile(namespace = 'platform-engineer', name = 'platform-engineer-credentials'): SealedFile {
  return {
    namespace,
    name,
    certificate: `sha256:${'0'.repeat(64)}`,
    encryptedData: Object.fromEntries(CREDENTIAL_KEYS.map(({ key }, i) => [key, Buffer.from(`ciphertext-${i}`).toString('base64')])),
  };
}
