/**
 * The image the Deployment runs, from the two files the build owns: the dockerfile (ARG HERMES_VERSION, the one
 * place the Hermes version is written) and image.lock.json (the tag build-and-push.sh pushed). Synth never
 * computes a git sha itself, so dist/ only changes when an image was actually built.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../site/load';
import type { Site } from '../site/schema';
import { hermesRelease } from './hermes-version';

export interface ImageRef {
  readonly hermesVersion: string;
  readonly tag: string;
  readonly digest?: string;
}

export function readHermesVersion(dockerfileText: string): string | undefined {
  return /^ARG HERMES_VERSION=(\S+)$/m.exec(dockerfileText)?.[1];
}

/**
 * Reads the image the site runs. The lock records what build-and-push.sh pushed (repository and platforms, read
 * from the site); a lock for another repository or without the node's architecture is refused, since the pod
 * could not pull or run it.
 */
export function loadImageRef(projectRoot: string, site?: Site): ImageRef {
  const dockerfilePath = join(projectRoot, 'dockerfile');
  const lockPath = join(projectRoot, 'image.lock.json');
  const dockerfile = readOr(dockerfilePath);
  const hermesVersion = readHermesVersion(dockerfile);
  if (!hermesVersion) throw new ConfigError('dockerfile', ['ARG HERMES_VERSION=<release tag> is missing: it is the one place the Hermes version is set']);
  if (hermesRelease(hermesVersion) === undefined) {
    throw new ConfigError('dockerfile', [
      `HERMES_VERSION ${hermesVersion} has no entry in src/image/hermes-version.ts: add its _config_version (DEFAULT_CONFIG in hermes_cli/config_defaults.py at that tag) with the commit it was read from`,
    ]);
  }
  let lock: unknown;
  try {
    lock = JSON.parse(readOr(lockPath));
  } catch {
    throw new ConfigError('image.lock.json', ['is not valid JSON: restore it from git or run ./build-and-push.sh --push']);
  }
  const problems: string[] = [];
  const l = (lock ?? {}) as Record<string, unknown>;
  if (l.hermesVersion !== hermesVersion) problems.push(`hermesVersion must equal the dockerfile's HERMES_VERSION (${hermesVersion}): rebuild with ./build-and-push.sh --push`);
  if (typeof l.tag !== 'string' || !l.tag.startsWith(`${hermesVersion}-`) || !/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(l.tag)) {
    problems.push(`tag must be "<HERMES_VERSION>-<git short sha>" as build-and-push.sh writes it`);
  }
  if (site) {
    if (l.repository !== site.image.repository) {
      problems.push('repository does not match image.repository of the site file: run ./build-and-push.sh --push (it reads the site) and commit the lock');
    }
    const platform = `linux/${site.node.arch}`;
    if (!Array.isArray(l.platforms) || !l.platforms.includes(platform)) {
      problems.push(`platforms does not include ${platform} (node.arch of the site file): run ./build-and-push.sh --push (it reads the site) and commit the lock`);
    }
  }
  const inputsDigest = `sha256:${createHash('sha256').update(dockerfile).digest('hex')}`;
  if (l.inputsDigest !== inputsDigest) problems.push('inputsDigest does not match the dockerfile: the dockerfile changed since the image was built; run ./build-and-push.sh --push');
  if (l.digest !== undefined && (typeof l.digest !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(l.digest))) problems.push('digest must be "sha256:<64 hex>" or absent');
  if (problems.length > 0) throw new ConfigError('image.lock.json', problems);
  return { hermesVersion, tag: l.tag as string, ...(l.digest ? { digest: l.digest as string } : {}) };
}

function readOr(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    throw new ConfigError(path.split('/').pop() ?? path, ['cannot read the file: restore it from git']);
  }
}
