// The reusable field contracts (src/site/fields.ts) and the object-size guard, checked directly: other fields
// (a timezone, maintenance windows) adopt these helpers, so their behaviour is pinned here once.
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../src/site/load';
import { boundedList, boundedString, cidrContains, gitUrl, httpsUrl, isSystemNamespace, namespaceName, repoPath, safeText, urlHostPort } from '../src/site/fields';
import { checkObjectSizes, MAX_OBJECT_BYTES, renderObjects } from '../src/synth/render';
import { inputs } from './helpers';

const ok = (schema: { safeParse: (v: unknown) => { success: boolean } }, v: unknown) => schema.safeParse(v).success;

describe('boundedString', () => {
  it('checks the cap first and stops there: the pattern never sees a long input', () => {
    let calls = 0;
    const counting = new RegExp('^a+$');
    const original = counting.test.bind(counting);
    counting.test = (s: string) => {
      calls++;
      return original(s);
    };
    const schema = boundedString(8, counting, 'a few a');
    const result = schema.safeParse('a'.repeat(100_000));
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => i.code)).toEqual(['too_big']);
    expect(calls).toBe(0);
    expect(ok(schema, 'aaa')).toBe(true);
    expect(ok(schema, '')).toBe(false);
  });

  it('never puts the value in a message', () => {
    const secret = 'SENTINEL-value-xyz';
    for (const schema of [boundedString(8, /^a$/, 'an a'), safeText(8, 'text'), httpsUrl('https://x.example/v1'), gitUrl, namespaceName]) {
      const r = schema.safeParse(secret);
      expect(r.success).toBe(false);
      for (const issue of r.error!.issues) expect(issue.message).not.toContain(secret);
    }
  });
});

describe('safeText', () => {
  it('refuses ${, control characters and line breaks, accepts plain text', () => {
    const text = safeText(64, 'a name');
    expect(ok(text, 'qwen-3.6:27b')).toBe(true);
    for (const bad of ['${HOME}', 'a${X}b', 'a\nb', 'a\u0000b', 'a\u001b[31mb', 'a\u2028b']) expect(ok(text, bad), JSON.stringify(bad)).toBe(false);
  });
});

describe('URLs', () => {
  const url = httpsUrl('https://x.example/v1');
  it('accept https with host, port and plain path only', () => {
    for (const good of ['https://litellm.example.com/v1', 'https://10.0.0.5/v1', 'https://a.example:8443', 'https://a.example/v1/']) expect(ok(url, good), good).toBe(true);
    for (const bad of ['http://a.example/v1', 'https://u:p@a.example/v1', 'https://u@a.example', 'https://a.example/v1?k=v', 'https://a.example/#f', 'https://A.example/', 'https://a.example:0/', 'https://a.example/%41', 'https://a.example/ v1', 'https://-a.example/']) {
      expect(ok(url, bad), bad).toBe(false);
    }
    expect(urlHostPort('https://a.example/v1')).toEqual({ host: 'a.example', port: 443 });
    expect(urlHostPort('https://a.example:4000/v1')).toEqual({ host: 'a.example', port: 4000 });
  });

  it('git URLs: https without credentials, SSH with a user name but never a password', () => {
    for (const good of ['https://git.example.com/o/r.git', 'ssh://git@git.example.com:2222/o/r.git', 'git@github.com:o/r.git']) expect(ok(gitUrl, good), good).toBe(true);
    for (const bad of ['https://u:p@git.example.com/o/r.git', 'https://token@git.example.com/o/r.git', 'ssh://git:pw@git.example.com/o/r.git', 'ftp://git.example.com/r.git', 'git@host:o/r.git; rm -rf /']) {
      expect(ok(gitUrl, bad), bad).toBe(false);
    }
  });
});

describe('namespaces, lists, paths, CIDRs', () => {
  it('refuses the cluster\'s and the tools\' namespaces, and the site\'s own tool namespaces', () => {
    for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease', 'kube-x', 'argocd', 'cert-manager', 'sealed-secrets']) expect(isSystemNamespace(ns), ns).toBe(true);
    expect(isSystemNamespace('platform-engineer')).toBe(false);
    expect(isSystemNamespace('gitops', ['gitops'])).toBe(true);
  });

  it('lists: bounded, without duplicates', () => {
    const list = boundedList(boundedString(8, /^[a-z]+$/, 'a word'), 1, 'at least one');
    expect(ok(list, ['a', 'b'])).toBe(true);
    expect(ok(list, [])).toBe(false);
    expect(ok(list, ['a', 'a'])).toBe(false);
    const distinct = (n: number) => Array.from({ length: n }, (_, i) => String.fromCharCode(97 + (i % 26), 97 + Math.floor(i / 26)));
    expect(ok(list, distinct(64))).toBe(true);
    expect(list.safeParse(distinct(65)).error!.issues.map((i) => i.code)).toEqual(['too_big']);
  });

  it('paths stay inside the repository', () => {
    const path = repoPath('a/b');
    expect(ok(path, 'sealed-secrets/cert.pem')).toBe(true);
    for (const bad of ['/etc/passwd', '../x', 'a/../../x', './a', 'a//b', 'a\\b', '']) expect(ok(path, bad), bad).toBe(false);
  });

  it('CIDR containment treats a bare address as a /32', () => {
    expect(cidrContains('10.88.20.12/32', '10.88.20.12')).toBe(true);
    expect(cidrContains('10.0.0.0/8', '10.88.20.0/24')).toBe(true);
    expect(cidrContains('10.88.20.0/24', '10.0.0.0/8')).toBe(false);
  });
});

describe('object size', () => {
  it('the rendered objects of the default site are far below the API server limit', () => {
    for (const o of [...renderObjects(inputs()).values()].flat()) expect(Buffer.byteLength(JSON.stringify(o))).toBeLessThan(MAX_OBJECT_BYTES / 4);
  });

  it('refuses an object over the limit, naming it and not its content', () => {
    const big = { kind: 'ConfigMap', metadata: { name: 'hermes-seed' }, data: { x: 'SENTINEL'.repeat(MAX_OBJECT_BYTES / 8 + 1) } };
    expect(() => checkObjectSizes([big])).toThrow(ConfigError);
    try {
      checkObjectSizes([big]);
    } catch (error) {
      expect((error as Error).message).toMatch(/ConfigMap\/hermes-seed: would be \d+ bytes, over the API server's/);
      expect((error as Error).message).not.toContain('SENTINEL');
    }
  });
});
