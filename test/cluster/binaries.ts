/**
 * Finds or builds the real Kubernetes binaries the cluster suite runs: kube-apiserver, kube-controller-manager,
 * kubectl, etcd, kubeseal
 * (and Polaris, which can only be found, see POLARIS).
 *
 * Versions are pinned in one place each, the wrapper modules under test/cluster/tools/<tool>/go.mod (+ go.sum),
 * which Renovate's gomod manager tracks. A binary is built with `go build` from its wrapper module into a cache
 * folder outside the repository keyed by a hash of go.mod, go.sum and the Go version, so a warm cache rebuilds
 * nothing and a version bump builds anew. Binaries a user already has win over the cache: envtest's
 * KUBEBUILDER_ASSETS folder, or one TEST_ASSET_<NAME> variable per binary.
 *
 * Plain node: no vitest import, so `npm run test:cluster:binaries` can run it alone.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

const TOOLS_DIR = resolve(__dirname, 'tools');

export interface Binaries {
  kubeApiserver: string;
  /** Runs one controller only: the admission policies' type checking (their .status). */
  kubeControllerManager: string;
  kubectl: string;
  etcd: string;
  kubeseal: string;
  /** Undefined when no Polaris binary was found (the module proxy does not serve Polaris; see POLARIS). */
  polaris?: string;
  /** Versions as pinned in the wrapper modules. */
  versions: { kubernetes: string; etcd: string; kubeseal: string; polaris: string };
}

/**
 * Polaris 10.2.2 (the release test/policy/polaris was read from). Its module is not served by the Go module proxy
 * this project can reach (every path spelling answers 403), so it cannot be built here from modules: the suite uses
 * it when TEST_ASSET_POLARIS or the cache holds it, and says so when it does not.
 */
export const POLARIS = { version: 'v10.2.2', commit: 'dafa0b74fc09a9505849b0a6f8c78f1c364d0112' } as const;

interface Tool {
  /** Folder under test/cluster/tools with the wrapper go.mod. */
  module: string;
  /** Binaries to build: name -> package path. */
  binaries: Record<string, string>;
  /** The required module whose version names the cache entry. */
  versionOf: string;
  ldflags: (version: string) => string;
}

const kubernetesLdflags = (v: string) => {
  const [, major, minor] = /^v(\d+)\.(\d+)\./.exec(v) ?? [];
  // Without these, /version says v0.0.0-master and kubectl warns about version skew.
  const vars = ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version'].flatMap((pkg) => [
    `-X ${pkg}.gitVersion=${v}`,
    `-X ${pkg}.gitMajor=${major}`,
    `-X ${pkg}.gitMinor=${minor}`,
    `-X ${pkg}.gitTreeState=clean`,
  ]);
  return ['-s', '-w', ...vars].join(' ');
};

const TOOLS: Record<'kubernetes' | 'etcd' | 'kubeseal', Tool> = {
  kubernetes: {
    module: 'kubernetes',
    binaries: {
      'kube-apiserver': 'k8s.io/kubernetes/cmd/kube-apiserver',
      'kube-controller-manager': 'k8s.io/kubernetes/cmd/kube-controller-manager',
      kubectl: 'k8s.io/kubernetes/cmd/kubectl',
    },
    versionOf: 'k8s.io/kubernetes',
    ldflags: kubernetesLdflags,
  },
  etcd: { module: 'etcd', binaries: { etcd: 'go.etcd.io/etcd/server/v3' }, versionOf: 'go.etcd.io/etcd/server/v3', ldflags: () => '-s -w' },
  kubeseal: { module: 'kubeseal', binaries: { kubeseal: 'github.com/bitnami/sealed-secrets/cmd/kubeseal' }, versionOf: 'github.com/bitnami/sealed-secrets', ldflags: () => '-s -w' },
};

/** The version a wrapper go.mod requires for a module (its `require` line, not a replace target). */
export function pinnedVersion(module: string, modulePath: string): string {
  const goMod = readFileSync(join(TOOLS_DIR, module, 'go.mod'), 'utf8');
  const line = goMod.split('\n').find((l) => new RegExp(`^\\s*${modulePath.replace(/[.]/g, '\\.')}\\s+v`).test(l) && !l.includes('=>'));
  if (!line) throw new Error(`test/cluster/tools/${module}/go.mod does not require ${modulePath}`);
  return line.trim().split(/\s+/)[1];
}

export function cacheRoot(): string {
  return process.env.PLATFORM_ENGINEER_TEST_CACHE || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'platform-engineer', 'test-bin');
}

function goEnv(): NodeJS.ProcessEnv {
  // GOTOOLCHAIN=local: build with the machine's Go; never fetch a toolchain behind the user's back.
  return { ...process.env, GOTOOLCHAIN: 'local', CGO_ENABLED: '0', GOFLAGS: '-mod=readonly' };
}

function goVersion(): string {
  const r = spawnSync('go', ['env', 'GOVERSION', 'GOOS', 'GOARCH'], { encoding: 'utf8', env: goEnv() });
  if (r.error || r.status !== 0) {
    throw new Error('go is not on PATH: the cluster suite builds kube-apiserver, kubectl, etcd and kubeseal with Go 1.26+, or set KUBEBUILDER_ASSETS / TEST_ASSET_* to binaries you have (README, "Cluster suite")');
  }
  return r.stdout.trim().replace(/\s+/g, '-');
}

/** The cache folder of one tool: <cache>/<tool>-<version>-<hash of go.mod, go.sum and the Go version>. */
function cacheDir(tool: Tool, go: string): string {
  const hash = createHash('sha256');
  for (const f of ['go.mod', 'go.sum']) hash.update(readFileSync(join(TOOLS_DIR, tool.module, f)));
  hash.update(go);
  return join(cacheRoot(), `${tool.module}-${pinnedVersion(tool.module, tool.versionOf)}-${hash.digest('hex').slice(0, 12)}`);
}

/** Builds a tool's binaries into a fresh folder and renames it into place, so an interrupted build leaves no half entry. */
function build(tool: Tool, dir: string, log: (line: string) => void): void {
  const version = pinnedVersion(tool.module, tool.versionOf);
  mkdirSync(cacheRoot(), { recursive: true });
  const staging = mkdtempSync(join(cacheRoot(), `.building-${tool.module}-`));
  const started = Date.now();
  for (const [name, pkg] of Object.entries(tool.binaries)) {
    log(`building ${name} ${version} from the Go module proxy (cold: minutes; then cached) ...`);
    const args = ['build', '-trimpath', '-tags=selinux,notest,grpcnotrace', `-ldflags=${tool.ldflags(version)}`, '-o', join(staging, name), pkg];
    const r = spawnSync('go', args, { cwd: join(TOOLS_DIR, tool.module), env: goEnv(), stdio: ['ignore', 'inherit', 'inherit'] });
    if (r.status !== 0) {
      rmSync(staging, { recursive: true, force: true });
      throw new Error(`go build of ${name} ${version} failed (exit ${r.status ?? r.error?.message}); see the output above`);
    }
  }
  rmSync(dir, { recursive: true, force: true });
  renameSync(staging, dir);
  log(`built ${tool.module} ${version} in ${((Date.now() - started) / 1000).toFixed(0)} s into ${dir}`);
}

/** A binary from TEST_ASSET_<NAME>, KUBEBUILDER_ASSETS, or undefined. */
function userBinary(name: string): string | undefined {
  const variable = `TEST_ASSET_${name.toUpperCase().replace(/-/g, '_')}`;
  const explicit = process.env[variable];
  if (explicit) {
    if (!existsSync(explicit)) throw new Error(`${variable} points at ${explicit}, which does not exist`);
    return resolve(explicit);
  }
  const assets = process.env.KUBEBUILDER_ASSETS;
  if (assets && existsSync(join(assets, name))) return resolve(assets, name);
  return undefined;
}

/** Finds every binary, building the missing ones. */
export function ensureBinaries(log: (line: string) => void = (l) => console.error(`[cluster] ${l}`)): Binaries {
  let go: string | undefined;
  const fromTool = (tool: Tool, name: string): string => {
    const own = userBinary(name);
    if (own) return own;
    go ??= goVersion();
    const dir = cacheDir(tool, go);
    const path = join(dir, name);
    if (!existsSync(path)) build(tool, dir, log);
    return path;
  };
  const polarisCached = join(cacheRoot(), `polaris-${POLARIS.version}`, 'polaris');
  return {
    kubeApiserver: fromTool(TOOLS.kubernetes, 'kube-apiserver'),
    kubeControllerManager: fromTool(TOOLS.kubernetes, 'kube-controller-manager'),
    kubectl: fromTool(TOOLS.kubernetes, 'kubectl'),
    etcd: fromTool(TOOLS.etcd, 'etcd'),
    kubeseal: fromTool(TOOLS.kubeseal, 'kubeseal'),
    polaris: userBinary('polaris') ?? (existsSync(polarisCached) ? polarisCached : undefined),
    versions: {
      kubernetes: pinnedVersion('kubernetes', TOOLS.kubernetes.versionOf),
      etcd: pinnedVersion('etcd', TOOLS.etcd.versionOf),
      kubeseal: pinnedVersion('kubeseal', TOOLS.kubeseal.versionOf),
      polaris: POLARIS.version,
    },
  };
}

if (require.main === module) {
  const started = Date.now();
  const b = ensureBinaries();
  console.log(JSON.stringify(b, null, 2));
  console.error(`[cluster] binaries ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
