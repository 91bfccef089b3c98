/**
 * renovate.json keeps the dockerfile's pins fresh: every version ARG must be found by its regex custom manager with
 * the right datasource and depName. Renovate compiles matchStrings with RE2, whose named-group syntax (?<name>...)
 * is the same as JavaScript's, so the patterns are run here as JS RegExps over the real dockerfile.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clusterKubernetesMinor } from '../../src/image/versions';
import { argDefaults, parseDockerfile } from './dockerfile-rules';

interface CustomManager {
  customType: string;
  managerFilePatterns?: string[];
  fileMatch?: string[];
  matchStrings: string[];
  datasourceTemplate?: string;
  depNameTemplate?: string;
  versioningTemplate?: string;
}
interface PackageRule {
  matchManagers?: string[];
  matchDepNames?: string[];
  matchFileNames?: string[];
  allowedVersions?: string;
  enabled?: boolean;
  postUpgradeTasks?: { commands: string[]; fileFilters?: string[]; executionMode?: string };
}
interface RenovateConfig {
  extends?: string[];
  customManagers: CustomManager[];
  packageRules: PackageRule[];
  npm?: { enabled?: boolean };
  enabledManagers?: string[];
}

const ROOT = join(__dirname, '..', '..');
const DOCKERFILE = readFileSync(join(ROOT, 'dockerfile'), 'utf8');
const CONFIG = JSON.parse(readFileSync(join(ROOT, 'renovate.json'), 'utf8')) as RenovateConfig;
const ARGS = argDefaults(parseDockerfile(DOCKERFILE));

/** What each version ARG must be tracked as. */
const EXPECTED: Record<string, { datasource: string; depName: string }> = {
  HERMES_VERSION: { datasource: 'docker', depName: 'nousresearch/hermes-agent' },
  KUBECTL_VERSION: { datasource: 'github-releases', depName: 'kubernetes/kubernetes' },
  HELM_VERSION: { datasource: 'github-releases', depName: 'helm/helm' },
};

/** Renovate's "/regex/flags" pattern form, else a glob-free exact name. */
function toRegExp(pattern: string): RegExp {
  const m = /^\/(.*)\/([a-z]*)$/.exec(pattern);
  return m ? new RegExp(m[1]!, m[2]!.replace('g', '')) : new RegExp(`^${pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
}

interface Extracted {
  datasource?: string;
  depName?: string;
  currentValue?: string;
  versioning?: string;
}

/** Runs every regex manager that applies to the file, like Renovate's default matchStringsStrategy "any". */
function extract(fileName: string, text: string): Extracted[] {
  const deps: Extracted[] = [];
  for (const manager of CONFIG.customManagers.filter((m) => m.customType === 'regex')) {
    const patterns = manager.managerFilePatterns ?? manager.fileMatch ?? [];
    if (!patterns.some((p) => toRegExp(p).test(fileName))) continue;
    for (const source of manager.matchStrings) {
      for (const m of text.matchAll(new RegExp(source, 'g'))) {
        const g = m.groups ?? {};
        deps.push({
          datasource: g.datasource ?? manager.datasourceTemplate,
          depName: g.depName ?? manager.depNameTemplate,
          currentValue: g.currentValue,
          versioning: g.versioning,
        });
      }
    }
  }
  return deps;
}

function rulesFor(depName: string): PackageRule[] {
  return CONFIG.packageRules.filter((r) => r.matchDepNames?.includes(depName));
}

describe('renovate.json', () => {
  const deps = extract('dockerfile', DOCKERFILE);
  const versionArgs = [...ARGS.keys()].filter((name) => name.endsWith('_VERSION'));

  it('knows every pinned version ARG of the dockerfile', () => {
    expect(versionArgs.sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const [arg, expected] of Object.entries(EXPECTED)) {
    it(`captures ARG ${arg} as ${expected.datasource} ${expected.depName}`, () => {
      const value = ARGS.get(arg);
      expect(value, `ARG ${arg}=... in the dockerfile`).toBeDefined();
      const found = deps.filter((d) => d.depName === expected.depName);
      expect(found, `exactly one match for ${expected.depName}: is there a '# renovate:' comment right above ARG ${arg}?`).toHaveLength(1);
      expect(found[0]).toMatchObject({ datasource: expected.datasource, currentValue: value });
    });
  }

  it('matches nothing but those ARGs (no stray captures)', () => {
    expect(deps.map((d) => d.depName).sort()).toEqual(Object.values(EXPECTED).map((e) => e.depName).sort());
  });

  it('applies the manager to the lower-case dockerfile at the project root only by name', () => {
    const patterns = CONFIG.customManagers.flatMap((m) => m.managerFilePatterns ?? m.fileMatch ?? []).map(toRegExp);
    expect(patterns.some((p) => p.test('dockerfile'))).toBe(true);
    expect(patterns.some((p) => p.test('package.json'))).toBe(false);
  });

  it(`allows only kubectl ${clusterKubernetesMinor}.x and helm 3.x, and the current pins satisfy that`, () => {
    const kubectl = rulesFor('kubernetes/kubernetes').find((r) => r.allowedVersions)?.allowedVersions;
    const helm = rulesFor('helm/helm').find((r) => r.allowedVersions)?.allowedVersions;
    expect(kubectl).toBeDefined();
    expect(helm).toBeDefined();
    const k = toRegExp(kubectl!);
    const h = toRegExp(helm!);
    const [major, minor] = clusterKubernetesMinor.split('.').map(Number) as [number, number];
    expect(k.test(ARGS.get('KUBECTL_VERSION')!)).toBe(true);
    expect(k.test(`v${major}.${minor}.27`)).toBe(true);
    expect(k.test(`v${major}.${minor + 1}.0`)).toBe(false);
    expect(k.test(`v${major}.${minor - 1}.9`)).toBe(false);
    expect(h.test(ARGS.get('HELM_VERSION')!)).toBe(true);
    expect(h.test('v3.99.1')).toBe(true);
    expect(h.test('v4.0.0')).toBe(false);
  });

  it('updates the checksums together with kubectl and helm (postUpgradeTasks), with a command the script has', () => {
    for (const depName of ['kubernetes/kubernetes', 'helm/helm']) {
      const tasks = rulesFor(depName).find((r) => r.postUpgradeTasks)?.postUpgradeTasks;
      expect(tasks, `a postUpgradeTasks rule for ${depName}`).toBeDefined();
      expect(tasks!.commands).toEqual(['./build-and-push.sh --update-checksums']);
      expect(tasks!.fileFilters).toEqual(['dockerfile']);
    }
    expect(readFileSync(join(ROOT, 'build-and-push.sh'), 'utf8')).toMatch(/--update-checksums\)/);
  });

  it('keeps the built-in dockerfile manager off the dockerfile, so the base is not updated twice', () => {
    expect(CONFIG.packageRules).toContainEqual(expect.objectContaining({ matchManagers: ['dockerfile'], matchFileNames: ['dockerfile'], enabled: false }));
  });

  it('keeps the npm dependencies tracked', () => {
    expect(CONFIG.npm?.enabled).not.toBe(false);
    if (CONFIG.enabledManagers) expect(CONFIG.enabledManagers).toContain('npm');
    expect(CONFIG.extends).toContain('config:recommended');
  });
});

describe('Renovate and the Node engine', () => {
  // A bump to a release whose engines exclude the Node version package.json supports brings back EBADENGINE
  // warnings on every `npm ci` (issue 9): these lines are capped until the engine is raised.
  it('keeps kubernetes-models below 5 and the ArgoCD models below 4 while the engine is Node 20', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };
    expect(pkg.engines.node).toMatch(/^>=20/);
    const config = JSON.parse(readFileSync(join(ROOT, 'renovate.json'), 'utf8')) as { packageRules: { matchPackageNames?: string[]; allowedVersions?: string }[] };
    const cap = (name: string) => config.packageRules.find((r) => r.matchPackageNames?.includes(name))?.allowedVersions;
    expect(cap('kubernetes-models')).toBe('<5.0.0');
    expect(cap('@kubernetes-models/argo-cd')).toBe('<4.0.0');
  });
});
