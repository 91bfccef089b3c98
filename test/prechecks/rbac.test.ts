// Every kubectl call the pre-check scripts make, over every recorded cluster state, is allowed by the rendered
// ClusterRole for the agent's ServiceAccount (checked as the RBAC authorizer would), and none reads Secrets or
// uses credential-changing flags.
import { afterAll, describe, expect, it } from 'vitest';
import { authorizeKubectl, kubectlToRequests } from '../policy/rbac-authorizer';
import { objects } from '../helpers';
import { cleanupTemp, collectAllCalls } from './harness';

afterAll(cleanupTemp);

const agent = { kind: 'ServiceAccount' as const, namespace: 'platform-engineer', name: 'platform-engineer' };
const calls = collectAllCalls();

describe('pre-check kubectl calls', () => {
  it('are many and varied (the collection ran every script over every scenario)', () => {
    expect(calls.length).toBeGreaterThan(15);
    for (const verb of ['get', 'top', 'logs', 'exec']) expect(calls.some((c) => c[0] === verb), verb).toBe(true);
  });

  it.each(calls.map((c) => [c.join(' '), c] as const))('allowed: kubectl %s', (_cmd, argv) => {
    const d = authorizeKubectl(objects(), agent, [...argv], 'default');
    expect(d.allowed, JSON.stringify(d.denied)).toBe(true);
  });

  it('never read Secrets, never change identity or endpoint', () => {
    for (const argv of calls) {
      expect(kubectlToRequests([...argv], 'default').some((r) => r.resource === 'secrets'), argv.join(' ')).toBe(false);
      expect(argv.join(' ')).not.toMatch(/--kubeconfig|--token|--as\b|--as-group|--server|--raw|--insecure/);
    }
  });

  it('would be denied without the exec switch only for df (the storage check degrades, it does not break)', () => {
    const noExec = objects({ permissions: { podExec: false } });
    const denied = calls.filter((argv) => !authorizeKubectl(noExec, agent, [...argv], 'default').allowed);
    expect(denied.length).toBeGreaterThan(0);
    expect(denied.every((argv) => argv[0] === 'exec' && argv.includes('df'))).toBe(true);
  });
});
