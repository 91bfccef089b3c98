/**
 * The dockerfile, checked as text: this machine (and CI) has no Docker engine to build it. Each rule also runs
 * against the original plan's dockerfile, which must fail it, so a rule cannot pass by matching nothing.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clusterKubernetesMinor } from '../../src/image/versions';
import {
  argDefaults,
  checkAptListsCleaned,
  checkArchMapping,
  checkBasePinned,
  checkDownloadsVerified,
  checkNoPipedDownloads,
  checkNoSecrets,
  checkStartsAsRoot,
  parseDockerfile,
  shellStatements,
} from './dockerfile-rules';

/** The cluster's Kubernetes minor; kubectl must match it. */
export const CLUSTER_MINOR = clusterKubernetesMinor;

const ROOT = join(__dirname, '..', '..');
const DOCKERFILE_BYTES = readFileSync(join(ROOT, 'dockerfile'));
const DOCKERFILE = DOCKERFILE_BYTES.toString('utf8');
const ARGS = argDefaults(parseDockerfile(DOCKERFILE));

/** The plan this dockerfile replaces (the defects the rules exist for). */
const ORIGINAL_PLAN = `FROM nousresearch/hermes-agent:latest
USER root
RUN apt-get update && apt-get install -y --no-install-recommends curl gnupg \\
 && curl -fsSL https://pkgs.k8s.io/core:/stable:/v1.35/deb/Release.key | gpg --dearmor -o /etc/apt/keyrings/kubernetes-apt-keyring.gpg \\
 && echo "deb [signed-by=/etc/apt/keyrings/kubernetes-apt-keyring.gpg] https://pkgs.k8s.io/core:/stable:/v1.35/deb/ /" > /etc/apt/sources.list.d/kubernetes.list \\
 && apt-get update && apt-get install kubectl \\
 && curl -fsSL https://get.helm.sh/helm-v3.16.0-linux-amd64.tar.gz | tar -xz -C /usr/local/bin --strip-components=1 linux-amd64/helm
USER hermes
`;

describe('dockerfile rules catch the original plan', () => {
  it('flags its unpinned base, unverified and piped downloads, user switch, missing arch mapping and apt lists', () => {
    expect(checkBasePinned(ORIGINAL_PLAN).join('\n')).toMatch(/HERMES_VERSION|latest/);
    expect(checkNoPipedDownloads(ORIGINAL_PLAN).length).toBe(2);
    expect(checkDownloadsVerified(ORIGINAL_PLAN).join('\n')).toMatch(/piped or to stdout/);
    expect(checkStartsAsRoot(ORIGINAL_PLAN).join('\n')).toMatch(/USER hermes/);
    expect(checkArchMapping(ORIGINAL_PLAN).join('\n')).toMatch(/TARGETARCH/);
    expect(checkAptListsCleaned(ORIGINAL_PLAN).length).toBeGreaterThan(0);
  });

  it('flags a download used before its checksum is checked, and an ADD of a URL', () => {
    const early = `ARG X_SHA256_AMD64=${'a'.repeat(64)}
RUN curl -fsSL -o /tmp/x https://example.org/x; install /tmp/x /usr/local/bin/x; printf '%s  %s\\n' "$X_SHA256_AMD64" /tmp/x > /tmp/s; sha256sum -c /tmp/s
ADD https://example.org/y /y
`;
    const problems = checkDownloadsVerified(early).join('\n');
    expect(problems).toMatch(/used before its checksum is verified/);
    expect(problems).toMatch(/ADD of a URL/);
  });

  it('accepts apt use when the lists are removed in the same RUN, and a final USER root', () => {
    expect(checkAptListsCleaned('RUN apt-get update && apt-get install -y jq && rm -rf /var/lib/apt/lists/*\n')).toEqual([]);
    expect(checkStartsAsRoot('FROM x\nUSER hermes\nUSER root\n')).toEqual([]);
  });

  it('splits shell text into statements', () => {
    expect(shellStatements(`a; b && c || d | e; printf '%s; %s' x`)).toEqual(['a', 'b', 'c', 'd', 'e', `printf '%s; %s' x`]);
  });
});

describe('dockerfile', () => {
  it('pins the base to a released Hermes version, never latest', () => {
    expect(checkBasePinned(DOCKERFILE)).toEqual([]);
    const version = /^ARG HERMES_VERSION=(\S+)$/m.exec(DOCKERFILE)?.[1];
    expect(version).toMatch(/^v?\d+\.\d+\.\d+(\.\d+)?$/);
    expect(DOCKERFILE).toMatch(/^FROM nousresearch\/hermes-agent:\$\{HERMES_VERSION\}/m);
    expect(DOCKERFILE).not.toMatch(/^FROM\s+\S*:latest\b/im);
  });

  it('verifies every download against a pinned SHA-256 before using it', () => {
    expect(checkDownloadsVerified(DOCKERFILE)).toEqual([]);
    const runs = parseDockerfile(DOCKERFILE).filter((i) => i.keyword === 'RUN');
    const downloads = runs.flatMap((r) => shellStatements(r.args)).filter((s) => /(^|\s)(curl|wget)\s/.test(s));
    expect(downloads.length).toBe(2); // kubectl and the helm tarball
    expect(downloads.join('\n')).toContain('https://dl.k8s.io/release/${KUBECTL_VERSION}/bin/linux/${TARGETARCH}/kubectl');
    expect(downloads.join('\n')).toContain('https://get.helm.sh/helm-${HELM_VERSION}-linux-${TARGETARCH}.tar.gz');
  });

  it('pipes no download into a shell, tar or anything else', () => {
    expect(checkNoPipedDownloads(DOCKERFILE)).toEqual([]);
  });

  it('keeps the base image start user (root)', () => {
    expect(checkStartsAsRoot(DOCKERFILE)).toEqual([]);
  });

  it('maps TARGETARCH amd64 and arm64 to their checksums and fails for any other architecture', () => {
    expect(checkArchMapping(DOCKERFILE)).toEqual([]);
  });

  it(`pins kubectl to the cluster's minor (${CLUSTER_MINOR}) and helm to 3.x, each at an exact version`, () => {
    const kubectl = /^v(\d+)\.(\d+)\.(\d+)$/.exec(ARGS.get('KUBECTL_VERSION') ?? '');
    expect(kubectl, 'ARG KUBECTL_VERSION=vX.Y.Z').not.toBeNull();
    expect(`${kubectl![1]}.${kubectl![2]}`).toBe(CLUSTER_MINOR);
    expect(ARGS.get('HELM_VERSION')).toMatch(/^v3\.\d+\.\d+$/);
  });

  it('cleans apt lists in the same RUN as any apt install, and keeps layers few', () => {
    expect(checkAptListsCleaned(DOCKERFILE)).toEqual([]);
    expect(parseDockerfile(DOCKERFILE).filter((i) => i.keyword === 'RUN').length).toBeLessThanOrEqual(2);
  });

  it('bakes in no secrets and copies nothing from the build context', () => {
    expect(checkNoSecrets(DOCKERFILE)).toEqual([]);
    expect(parseDockerfile(DOCKERFILE).filter((i) => i.keyword === 'COPY' || i.keyword === 'ADD')).toEqual([]);
  });
});

describe('image.lock.json', () => {
  const lockText = readFileSync(join(ROOT, 'image.lock.json'), 'utf8');
  const lock = JSON.parse(lockText) as Record<string, unknown>;

  it('matches the dockerfile it was built from', () => {
    const digest = `sha256:${createHash('sha256').update(DOCKERFILE_BYTES).digest('hex')}`;
    expect(
      lock.inputsDigest,
      'the dockerfile changed since image.lock.json was written: run ./build-and-push.sh --push (or, for a change that ' +
        `needs no new image yet, update inputsDigest in image.lock.json to ${digest})`,
    ).toBe(digest);
    expect(lock.hermesVersion, 'image.lock.json hermesVersion must equal ARG HERMES_VERSION: rebuild with ./build-and-push.sh --push').toBe(
      ARGS.get('HERMES_VERSION'),
    );
  });

  it('has the exact format build-and-push.sh writes', () => {
    const keys = Object.keys(lock);
    expect(keys.slice(0, 5)).toEqual(['hermesVersion', 'tag', 'repository', 'platforms', 'inputsDigest']);
    expect(keys.length === 5 || (keys.length === 6 && keys[5] === 'digest')).toBe(true);
    expect(lock.platforms).toEqual(expect.arrayContaining([expect.stringMatching(/^linux\/(amd64|arm64)$/)]));
    expect(lockText).toBe(`${JSON.stringify(lock, null, 2)}\n`);
    expect(lock.tag).toMatch(new RegExp(`^${String(lock.hermesVersion).replace(/\./g, '\\.')}-[0-9a-z]+(-dirty)?$`));
    if (lock.digest !== undefined) expect(lock.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});
