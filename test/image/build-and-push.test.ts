/**
 * build-and-push.sh, run for real in throwaway git repositories (os.tmpdir()) holding a copy of the script, the
 * dockerfile and the lock, against a stub `docker` on PATH that records its arguments (one per line, each
 * invocation ended by a line "--end--"), answers `buildx version`, and writes a buildx metadata file when asked.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..', '..');
const SCRIPT = join(ROOT, 'build-and-push.sh');
const DEFAULT_REPOSITORY = 'git.rogi.casa/roger/hermes-agent';
const STUB_DIGEST = `sha256:${'d'.repeat(64)}`;

const STUB_DOCKER = `#!/usr/bin/env bash
set -eu
{ printf '%s\\n' "$@"; printf -- '--end--\\n'; } >>"$STUB_LOG"
if [ "\${1:-}" = buildx ] && [ "\${2:-}" = version ]; then
  if [ "\${STUB_NO_BUILDX:-}" = 1 ]; then echo "docker: 'buildx' is not a docker command." >&2; exit 1; fi
  echo "github.com/docker/buildx v0.30.0 stub"
  exit 0
fi
if [ "\${1:-}" = buildx ] && [ "\${2:-}" = build ]; then
  if [ "\${STUB_BUILD_FAIL:-}" = 1 ]; then echo "ERROR: failed to solve" >&2; exit 1; fi
  prev=""
  for arg in "$@"; do
    if [ "$prev" = --metadata-file ]; then
      if [ "\${STUB_NO_DIGEST:-}" = 1 ]; then
        printf '{\\n  "buildx.build.ref": "default/default/x"\\n}\\n' >"$arg"
      else
        printf '{\\n  "buildx.build.ref": "default/default/x",\\n  "containerimage.descriptor": {"mediaType": "application/vnd.oci.image.index.v1+json"},\\n  "containerimage.digest": "${STUB_DIGEST}",\\n  "image.name": "x"\\n}\\n' >"$arg"
      fi
    fi
    prev="$arg"
  done
  echo "#1 building (stub)" >&2
  exit 0
fi
exit 0
`;

/** Published checksum files, as served: kubectl's holds the bare hash, helm's "hash  filename". */
const STUB_CURL = `#!/usr/bin/env bash
set -eu
url="\${@: -1}"
printf '%s\\n' "$url" >>"$STUB_CURL_LOG"
case "$url" in
  */amd64/kubectl.sha256) printf '%s' "${'1'.repeat(64)}" ;;
  */arm64/kubectl.sha256) printf '%s' "${'2'.repeat(64)}" ;;
  *-linux-amd64.tar.gz.sha256sum) printf '%s  helm-x-linux-amd64.tar.gz\\n' "\${STUB_HELM_AMD64:-${'3'.repeat(64)}}" ;;
  *-linux-arm64.tar.gz.sha256sum) printf '%s  helm-x-linux-arm64.tar.gz\\n' "${'4'.repeat(64)}" ;;
  *) echo "curl: (22) The requested URL returned error: 404" >&2; exit 22 ;;
esac
`;

const temps: string[] = [];
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

interface Fixture {
  readonly repo: string;
  readonly bin: string;
  readonly home: string;
  readonly log: string;
  readonly curlLog: string;
  readonly shortSha: string;
  readonly env: NodeJS.ProcessEnv;
}

function git(cwd: string, ...args: string[]): string {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: cwd } });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout.trim();
}

function writeExecutable(path: string, text: string): void {
  writeFileSync(path, text);
  chmodSync(path, 0o755);
}

/** A committed repo with the script, dockerfile and lock; a stub docker (and curl) first on PATH; a docker login. */
function fixture(opts: { loggedIn?: boolean; withDocker?: boolean; site?: string } = {}): Fixture {
  const base = mkdtempSync(join(tmpdir(), 'build-and-push-'));
  temps.push(base);
  const repo = join(base, 'repo');
  const bin = join(base, 'bin');
  const home = join(base, 'home');
  for (const dir of [repo, bin, home, join(home, '.docker')]) mkdirSync(dir, { recursive: true });
  for (const file of ['build-and-push.sh', 'dockerfile', 'image.lock.json']) copyFileSync(join(ROOT, file), join(repo, file));
  chmodSync(join(repo, 'build-and-push.sh'), 0o755);
  if (opts.site !== undefined) {
    mkdirSync(join(repo, 'scripts'));
    copyFileSync(join(ROOT, 'scripts', 'site-image.cjs'), join(repo, 'scripts', 'site-image.cjs'));
    writeFileSync(join(repo, 'site.yaml'), opts.site);
  }
  git(repo, 'init', '-q');
  git(repo, 'add', '-A');
  git(repo, '-c', 'user.name=Test', '-c', 'user.email=test@example.invalid', '-c', 'commit.gpgsign=false', 'commit', '-q', '-m', 'init');
  if (opts.withDocker !== false) writeExecutable(join(bin, 'docker'), STUB_DOCKER);
  writeExecutable(join(bin, 'curl'), STUB_CURL);
  if (opts.loggedIn !== false) {
    writeFileSync(join(home, '.docker', 'config.json'), JSON.stringify({ auths: { 'git.rogi.casa': { auth: 'dGVzdDp0ZXN0' } } }, null, 2));
  }
  const log = join(base, 'docker.log');
  const curlLog = join(base, 'curl.log');
  const env: NodeJS.ProcessEnv = {
    PATH: `${bin}${delimiter}${process.env.PATH ?? ''}`,
    HOME: home,
    DOCKER_CONFIG: join(home, '.docker'),
    GIT_CONFIG_NOSYSTEM: '1',
    STUB_LOG: log,
    STUB_CURL_LOG: curlLog,
    // The site reader's one dependency (yaml), from this project's node_modules.
    NODE_PATH: join(ROOT, 'node_modules'),
    LANG: 'C',
  };
  return { repo, bin, home, log, curlLog, shortSha: git(repo, 'rev-parse', '--short=7', 'HEAD'), env };
}

function run(f: Fixture, args: string[], env: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> {
  return spawnSync(join(f.repo, 'build-and-push.sh'), args, { cwd: f.repo, encoding: 'utf8', env: { ...f.env, ...env } });
}

/** The recorded docker invocations, each as its argv. */
function dockerCalls(f: Fixture): string[][] {
  if (!existsSync(f.log)) return [];
  const calls: string[][] = [];
  let cur: string[] = [];
  for (const line of readFileSync(f.log, 'utf8').split('\n')) {
    if (line === '--end--') {
      calls.push(cur);
      cur = [];
    } else if (line !== '') cur.push(line);
  }
  return calls;
}

function buildCall(f: Fixture): string[] {
  const builds = dockerCalls(f).filter((c) => c[0] === 'buildx' && c[1] === 'build');
  expect(builds, 'exactly one docker buildx build').toHaveLength(1);
  return builds[0]!;
}

function flag(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

function lastLine(text: string): string {
  return text.trimEnd().split('\n').at(-1) ?? '';
}

function sha256(path: string): string {
  return `sha256:${createHash('sha256').update(readFileSync(path)).digest('hex')}`;
}

const hermesVersion = /^ARG HERMES_VERSION=(\S+)$/m.exec(readFileSync(join(ROOT, 'dockerfile'), 'utf8'))![1]!;

describe('build-and-push.sh', () => {
  it('is executable and explains every option in --help', () => {
    expect(statSync(SCRIPT).mode & 0o111, 'chmod +x build-and-push.sh').not.toBe(0);
    const f = fixture();
    const r = run(f, ['--help']);
    expect(r.status).toBe(0);
    for (const word of ['--push', '--platform', '--repository', '--allow-dirty', '--dry-run', '--update-checksums', 'PLATFORMS', 'IMAGE_REPOSITORY', 'DOCKER_CONFIG', 'image.lock.json', 'inputsDigest', 'linux/arm64']) {
      expect(r.stdout).toContain(word);
    }
    expect(dockerCalls(f)).toEqual([]);
  });

  it('builds <repository>:<hermes version>-<short sha> for linux/amd64 by default, loads it, pushes nothing', () => {
    const f = fixture();
    const lockBefore = readFileSync(join(f.repo, 'image.lock.json'), 'utf8');
    const r = run(f, []);
    expect(r.status, r.stderr).toBe(0);
    const ref = `${DEFAULT_REPOSITORY}:${hermesVersion}-${f.shortSha}`;
    expect(lastLine(r.stdout)).toBe(ref);
    expect(f.shortSha).toMatch(/^[0-9a-f]{7}$/);
    expect(dockerCalls(f)[0]).toEqual(['buildx', 'version']);
    const argv = buildCall(f);
    expect(flag(argv, '--tag')).toBe(ref);
    expect(flag(argv, '--platform')).toBe('linux/amd64');
    expect(flag(argv, '--file')).toBe(join(f.repo, 'dockerfile'));
    expect(argv).toContain('--load');
    expect(argv).not.toContain('--push');
    expect(argv).not.toContain('--metadata-file');
    expect(argv).toContain(`org.opencontainers.image.revision=${git(f.repo, 'rev-parse', 'HEAD')}`);
    // The context is an empty directory outside the repo, so no file of the work tree can reach the image.
    expect(argv.at(-1)!.startsWith(f.repo)).toBe(false);
    expect(readFileSync(join(f.repo, 'image.lock.json'), 'utf8')).toBe(lockBefore);
  });

  it('takes platforms from --platform, else PLATFORMS; a multi-platform build without --push stays in the cache', () => {
    const f = fixture();
    let r = run(f, ['--platform', 'linux/amd64,linux/arm64']);
    expect(r.status, r.stderr).toBe(0);
    let argv = buildCall(f);
    expect(flag(argv, '--platform')).toBe('linux/amd64,linux/arm64');
    expect(flag(argv, '--output')).toBe('type=cacheonly');
    expect(argv).not.toContain('--load');
    expect(argv).not.toContain('--push');

    rmSync(f.log);
    r = run(f, [], { PLATFORMS: 'linux/arm64' });
    expect(r.status, r.stderr).toBe(0);
    argv = buildCall(f);
    expect(flag(argv, '--platform')).toBe('linux/arm64');
    expect(argv).toContain('--load');

    rmSync(f.log);
    r = run(f, ['--platform=linux/amd64'], { PLATFORMS: 'linux/arm64' });
    expect(r.status, r.stderr).toBe(0);
    expect(flag(buildCall(f), '--platform')).toBe('linux/amd64');
  });

  it('refuses a platform the dockerfile has no checksums for', () => {
    const f = fixture();
    const r = run(f, ['--platform', 'linux/amd64,linux/s390x']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/unsupported platform 'linux\/s390x'.*linux\/amd64, linux\/arm64/);
    expect(dockerCalls(f)).toEqual([]);
  });

  it('refuses empty or multi-line platform lists instead of passing them to buildx', () => {
    for (const platforms of ['linux/amd64,', ',linux/amd64', 'linux/amd64,,linux/arm64', 'linux/amd64\nlinux/riscv64']) {
      const f = fixture();
      const r = run(f, ['--platform', platforms]);
      expect(r.status, platforms).not.toBe(0);
      expect(dockerCalls(f), platforms).toEqual([]);
    }
  });

  it('finds its repository when run by a relative path with CDPATH set', () => {
    const f = fixture();
    const r = spawnSync('bash', ['repo/build-and-push.sh', '--dry-run'], {
      cwd: join(f.repo, '..'),
      encoding: 'utf8',
      env: { ...f.env, CDPATH: `.:${tmpdir()}` },
    });
    expect(r.status, r.stderr).toBe(0);
  });

  it('takes the repository from --repository, else IMAGE_REPOSITORY, and rejects a malformed one', () => {
    const f = fixture();
    let r = run(f, [], { IMAGE_REPOSITORY: 'registry.example.org:5000/team/hermes' });
    expect(r.status, r.stderr).toBe(0);
    expect(lastLine(r.stdout)).toBe(`registry.example.org:5000/team/hermes:${hermesVersion}-${f.shortSha}`);
    r = run(f, ['--repository', 'registry.example.org/other/hermes'], { IMAGE_REPOSITORY: 'registry.example.org:5000/team/hermes' });
    expect(r.status, r.stderr).toBe(0);
    expect(lastLine(r.stdout)).toBe(`registry.example.org/other/hermes:${hermesVersion}-${f.shortSha}`);
    r = run(f, ['--repository', 'Registry.example.org/x:tag']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/--repository or IMAGE_REPOSITORY/);
  });

  it('with --push, pushes and writes image.lock.json with the pushed digest', () => {
    const f = fixture();
    const r = run(f, ['--push', '--platform', 'linux/amd64,linux/arm64']);
    expect(r.status, r.stderr).toBe(0);
    const tag = `${hermesVersion}-${f.shortSha}`;
    expect(lastLine(r.stdout)).toBe(`${DEFAULT_REPOSITORY}:${tag}`);
    const argv = buildCall(f);
    expect(argv).toContain('--push');
    expect(flag(argv, '--metadata-file')).toBeDefined();
    expect(argv).not.toContain('--load');
    const lock = readFileSync(join(f.repo, 'image.lock.json'), 'utf8');
    expect(lock).toBe(
      `${JSON.stringify({ hermesVersion, tag, repository: DEFAULT_REPOSITORY, platforms: ['linux/amd64', 'linux/arm64'], inputsDigest: sha256(join(f.repo, 'dockerfile')), digest: STUB_DIGEST }, null, 2)}\n`,
    );
  });

  it('with --push and no digest in the buildx metadata, writes the lock without "digest"', () => {
    const f = fixture();
    const r = run(f, ['--push'], { STUB_NO_DIGEST: '1' });
    expect(r.status, r.stderr).toBe(0);
    const lock = JSON.parse(readFileSync(join(f.repo, 'image.lock.json'), 'utf8')) as Record<string, unknown>;
    expect(Object.keys(lock)).toEqual(['hermesVersion', 'tag', 'repository', 'platforms', 'inputsDigest']);
    expect(r.stderr).toMatch(/without "digest"/);
  });

  it('leaves the lock alone when the build fails', () => {
    const f = fixture();
    const before = readFileSync(join(f.repo, 'image.lock.json'), 'utf8');
    const r = run(f, ['--push'], { STUB_BUILD_FAIL: '1' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/docker buildx build failed/);
    expect(readFileSync(join(f.repo, 'image.lock.json'), 'utf8')).toBe(before);
  });

  it('refuses a dirty work tree unless --allow-dirty, and then marks the tag -dirty', () => {
    const f = fixture();
    writeFileSync(join(f.repo, 'dockerfile'), `${readFileSync(join(f.repo, 'dockerfile'), 'utf8')}# local edit\n`);
    let r = run(f, ['--push']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/uncommitted changes/);
    expect(r.stderr).toMatch(/--allow-dirty/);
    expect(r.stderr).toContain('dockerfile');
    expect(dockerCalls(f)).toEqual([]);

    r = run(f, ['--allow-dirty']);
    expect(r.status, r.stderr).toBe(0);
    expect(lastLine(r.stdout)).toBe(`${DEFAULT_REPOSITORY}:${hermesVersion}-${f.shortSha}-dirty`);
  });

  it('counts untracked files as dirty', () => {
    const f = fixture();
    writeFileSync(join(f.repo, 'notes.txt'), 'x\n');
    const r = run(f, []);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('notes.txt');
  });

  it('--dry-run prints every command, runs no docker, writes no lock, and ends with the reference', () => {
    const f = fixture();
    const before = readFileSync(join(f.repo, 'image.lock.json'), 'utf8');
    const r = run(f, ['--dry-run', '--push', '--platform', 'linux/amd64,linux/arm64']);
    expect(r.status, r.stderr).toBe(0);
    expect(dockerCalls(f)).toEqual([]);
    const ref = `${DEFAULT_REPOSITORY}:${hermesVersion}-${f.shortSha}`;
    expect(lastLine(r.stdout)).toBe(ref);
    const build = r.stdout.split('\n').find((l) => l.startsWith('+ docker buildx build '));
    expect(build).toBeDefined();
    expect(build).toContain('--platform linux/amd64,linux/arm64');
    expect(build).toContain(`--tag ${ref}`);
    expect(build).toContain('--push');
    expect(build).toContain('--metadata-file');
    expect(r.stdout).toMatch(/^\+ write .*image\.lock\.json hermesVersion=/m);
    expect(readFileSync(join(f.repo, 'image.lock.json'), 'utf8')).toBe(before);
  });

  it('--dry-run still refuses a dirty tree (it shows what a real run would do)', () => {
    const f = fixture();
    writeFileSync(join(f.repo, 'image.lock.json'), '{}\n');
    const r = run(f, ['--dry-run']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/--allow-dirty/);
  });

  it('fails clearly when docker is missing', () => {
    const f = fixture({ withDocker: false });
    // A PATH holding every tool of the real PATH except docker, in case this machine has one.
    const tools = join(f.bin, '..', 'tools');
    mkdirSync(tools);
    const seen = new Set<string>();
    for (const dir of (process.env.PATH ?? '').split(delimiter)) {
      let names: string[] = [];
      try {
        names = readdirSync(dir);
      } catch {
        continue;
      }
      for (const name of names) {
        if (name === 'docker' || seen.has(name)) continue;
        seen.add(name);
        symlinkSync(join(dir, name), join(tools, name));
      }
    }
    const r = run(f, [], { PATH: `${f.bin}${delimiter}${tools}` });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/docker is not on PATH: install Docker/);
  });

  it('fails clearly when buildx is missing', () => {
    const f = fixture();
    const r = run(f, [], { STUB_NO_BUILDX: '1' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/docker buildx is not available .*install the buildx plugin/);
    expect(dockerCalls(f).filter((c) => c[1] === 'build')).toEqual([]);
  });

  it('before a push, requires a registry login in DOCKER_CONFIG (auths, credHelpers or credsStore)', () => {
    const f = fixture({ loggedIn: false });
    let r = run(f, ['--push']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/not logged in to git\.rogi\.casa.*docker login git\.rogi\.casa/);
    expect(dockerCalls(f).filter((c) => c[1] === 'build')).toEqual([]);

    // Without --push no login is needed.
    r = run(f, []);
    expect(r.status, r.stderr).toBe(0);

    const config = join(f.home, '.docker', 'config.json');
    writeFileSync(config, JSON.stringify({ auths: { 'other.example.org': {} } }));
    r = run(f, ['--push']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/no auths or credHelpers entry/);

    writeFileSync(config, JSON.stringify({ credHelpers: { 'git.rogi.casa': 'pass' } }));
    r = run(f, ['--push']);
    expect(r.status, r.stderr).toBe(0);
    git(f.repo, 'checkout', '--', 'image.lock.json'); // the push rewrote it; keep the tree clean

    writeFileSync(config, JSON.stringify({ credsStore: 'stubstore' }));
    r = run(f, ['--push']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/docker-credential-stubstore is not on PATH/);
    writeExecutable(join(f.bin, 'docker-credential-stubstore'), '#!/bin/sh\necho \'{"https://git.rogi.casa":"roger"}\'\n');
    r = run(f, ['--push']);
    expect(r.status, r.stderr).toBe(0);
    git(f.repo, 'checkout', '--', 'image.lock.json');

    // DOCKER_CONFIG is respected: the same login elsewhere is found there only.
    const elsewhere = join(f.home, 'elsewhere');
    mkdirSync(elsewhere);
    writeFileSync(join(elsewhere, 'config.json'), JSON.stringify({ auths: { 'https://git.rogi.casa': { auth: 'eA==' } } }));
    writeFileSync(config, '{}');
    r = run(f, ['--push'], { DOCKER_CONFIG: elsewhere });
    expect(r.status, r.stderr).toBe(0);
  });

  it('rejects unknown arguments', () => {
    const f = fixture();
    const r = run(f, ['--pushh']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown argument --pushh/);
  });

  it('--update-checksums rewrites the kubectl and helm SHA-256 ARGs from the published checksum files', () => {
    const f = fixture();
    const path = join(f.repo, 'dockerfile');
    const before = readFileSync(path, 'utf8');
    const r = run(f, ['--update-checksums']);
    expect(r.status, r.stderr).toBe(0);
    const after = readFileSync(path, 'utf8');
    const kubectl = /^ARG KUBECTL_VERSION=(\S+)$/m.exec(before)![1];
    const helm = /^ARG HELM_VERSION=(\S+)$/m.exec(before)![1];
    expect(readFileSync(f.curlLog, 'utf8').trim().split('\n').sort()).toEqual(
      [
        `https://dl.k8s.io/release/${kubectl}/bin/linux/amd64/kubectl.sha256`,
        `https://dl.k8s.io/release/${kubectl}/bin/linux/arm64/kubectl.sha256`,
        `https://get.helm.sh/helm-${helm}-linux-amd64.tar.gz.sha256sum`,
        `https://get.helm.sh/helm-${helm}-linux-arm64.tar.gz.sha256sum`,
      ].sort(),
    );
    expect(after).toMatch(new RegExp(`^ARG KUBECTL_SHA256_AMD64=${'1'.repeat(64)}$`, 'm'));
    expect(after).toMatch(new RegExp(`^ARG KUBECTL_SHA256_ARM64=${'2'.repeat(64)}$`, 'm'));
    expect(after).toMatch(new RegExp(`^ARG HELM_SHA256_AMD64=${'3'.repeat(64)}$`, 'm'));
    expect(after).toMatch(new RegExp(`^ARG HELM_SHA256_ARM64=${'4'.repeat(64)}$`, 'm'));
    // Only those four lines changed.
    const changed = before.split('\n').filter((line, i) => line !== after.split('\n')[i]);
    expect(changed.map((l) => l.split('=')[0])).toEqual(['ARG KUBECTL_SHA256_AMD64', 'ARG KUBECTL_SHA256_ARM64', 'ARG HELM_SHA256_AMD64', 'ARG HELM_SHA256_ARM64']);
    expect(r.stderr).toMatch(/--push/);
    expect(dockerCalls(f)).toEqual([]);
  });

  it('--update-checksums leaves the dockerfile untouched when a checksum file is not a SHA-256', () => {
    const f = fixture();
    const before = readFileSync(join(f.repo, 'dockerfile'), 'utf8');
    const r = run(f, ['--update-checksums'], { STUB_HELM_AMD64: '<html>not found</html>' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/did not contain a SHA-256/);
    expect(readFileSync(join(f.repo, 'dockerfile'), 'utf8')).toBe(before);
    expect(git(f.repo, 'status', '--porcelain')).toBe('');
  });
});

describe('build-and-push.sh is shellcheck-clean', () => {
  const found = spawnSync('shellcheck', ['--version'], { encoding: 'utf8' });
  const available = found.status === 0;
  const inCi = process.env.CI === 'true';

  if (available) {
    it('passes shellcheck', () => {
      const r = spawnSync('shellcheck', [SCRIPT], { encoding: 'utf8' });
      expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
    });
  } else if (inCi) {
    it('passes shellcheck', () => {
      expect.fail('shellcheck is not installed, and CI must run it: install it (Debian: apt-get install -y shellcheck)');
    });
  } else {
    it.skip('passes shellcheck (skipped: shellcheck is not on PATH; apt-get install -y shellcheck to run it locally — CI fails without it)', () => {});
  }
});

describe('build-and-push.sh reads the site', () => {
  const ARM_SITE = 'node:\n  arch: arm64\nimage:\n  repository: registry.example.com/me/hermes\n';

  it('builds for the node.arch and image.repository of site.yaml, and records both in the lock', () => {
    const f = fixture({ site: ARM_SITE });
    writeFileSync(join(f.home, '.docker', 'config.json'), JSON.stringify({ auths: { 'registry.example.com': {} } }));
    const r = run(f, ['--push']);
    expect(r.status, r.stderr).toBe(0);
    const argv = buildCall(f);
    expect(flag(argv, '--platform')).toBe('linux/arm64');
    expect(flag(argv, '--tag')).toBe(`registry.example.com/me/hermes:${hermesVersion}-${f.shortSha}`);
    const lock = JSON.parse(readFileSync(join(f.repo, 'image.lock.json'), 'utf8')) as Record<string, unknown>;
    expect(lock.repository).toBe('registry.example.com/me/hermes');
    expect(lock.platforms).toEqual(['linux/arm64']);
  });

  it('uses the defaults for fields the site leaves out', () => {
    const f = fixture({ site: 'namespace: platform-engineer\n' });
    const r = run(f, []);
    expect(r.status, r.stderr).toBe(0);
    expect(flag(buildCall(f), '--platform')).toBe('linux/amd64');
    expect(flag(buildCall(f), '--tag')).toMatch(new RegExp(`^${DEFAULT_REPOSITORY}:`));
  });

  it('refuses to push a lock synth would refuse: another repository, or platforms without the node\'s', () => {
    const f = fixture({ site: ARM_SITE });
    let r = run(f, ['--push', '--repository', 'other.example.com/x/y']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/not image.repository of .*site.yaml/);
    r = run(f, ['--push', '--platform', 'linux/amd64']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/do not include linux\/arm64/);
    expect(dockerCalls(f).filter((c) => c[1] === 'build')).toEqual([]);
    // A local build for another platform is harmless: nothing is pushed or locked.
    r = run(f, ['--platform', 'linux/amd64']);
    expect(r.status, r.stderr).toBe(0);
  });

  it('refuses a site file it cannot read, without printing its content', () => {
    const f = fixture({ site: 'image: [unclosed\n  secret-ish: hunter2\n' });
    const r = run(f, []);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/npm run synth/);
    expect(r.stderr).not.toContain('hunter2');
  });
});
