// The namespace's Pod Security labels admit every pod synth writes, and every container but the root-start
// gateway meets "restricted" with a read-only root filesystem (test/policy/pod-security.ts evaluates the
// standard's controls).
import { describe, expect, it } from 'vitest';
import { meetsLevel, podSecurityViolations } from './policy/pod-security';
import { find, objects, podSpec } from './helpers';

const MODES = [['root', objects()], ['non-root', objects({ securityMode: 'non-root' })]] as const;

describe.each(MODES)('Pod Security (%s)', (mode, objs) => {
  const ns = find(objs as any, 'Namespace', 'platform-engineer');
  const enforce = ns.metadata.labels!['pod-security.kubernetes.io/enforce'] as 'baseline' | 'restricted';
  const pods = objs.filter((o) => o.kind === 'Deployment' || o.kind === 'Job');

  it('enforces the strictest level every pod meets', () => {
    expect(enforce).toBe(mode === 'root' ? 'baseline' : 'restricted');
    for (const o of pods) expect(meetsLevel(podSpec(o), enforce), `${o.kind}/${o.metadata.name}: ${JSON.stringify(podSecurityViolations(podSpec(o)))}`).toBe(true);
  });

  it('keeps every container restricted and read-only, except the root-start gateway in root mode', () => {
    for (const o of pods) {
      const spec = podSpec(o);
      for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
        if (mode === 'root' && c.name === 'hermes') continue;
        expect(meetsLevel({ ...spec, initContainers: [], containers: [c] }, 'restricted'), `${o.metadata.name}/${c.name}`).toBe(true);
        expect(c.securityContext.readOnlyRootFilesystem, `${o.metadata.name}/${c.name}`).toBe(true);
      }
    }
  });

  it('mounts the service-account token only into containers that call the API', () => {
    const users: Record<string, string[]> = { hermes: ['hermes'], 'hermes-cron-seed': ['seed'] };
    for (const o of pods) {
      const spec = podSpec(o);
      expect(spec.automountServiceAccountToken, o.metadata.name).toBe(false);
      const mounting = [...(spec.initContainers ?? []), ...spec.containers].filter((c: any) => (c.volumeMounts ?? []).some((m: any) => m.name === 'kube-api-access')).map((c: any) => c.name);
      expect(mounting, o.metadata.name).toEqual(users[o.metadata.name]);
    }
  });
});

describe('the root start', () => {
  it('is kept out of "restricted" by exactly the gateway container, which the warn/audit labels will report', () => {
    const spec = podSpec(find(objects(), 'Deployment', 'hermes'));
    const violations = podSecurityViolations(spec);
    expect(new Set(violations.map((v) => v.container))).toEqual(new Set(['hermes']));
    expect([...new Set(violations.map((v) => v.control))].sort()).toEqual(['capabilities.add', 'runAsNonRoot']);
  });

  it('the evaluator can fail: a privileged container breaks baseline', () => {
    const spec = structuredClone(podSpec(find(objects(), 'Deployment', 'hermes')));
    spec.containers[0].securityContext.privileged = true;
    expect(meetsLevel(spec, 'baseline')).toBe(false);
  });
});
