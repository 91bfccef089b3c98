// The admission guardrails as rendered: a Deny-bound ValidatingAdmissionPolicy that fails closed, binds the agent
// only, matches exec/attach/port-forward, and tells the scripts and the prompt the protected set it enforces. What
// it admits and refuses is asked of the real API server: test/cluster/guardrails.cluster.test.ts.
import { describe, expect, it } from 'vitest';
import type { SiteInput } from '../src/site/schema';
import { protectedNamespaces } from '../src/site/protected-namespaces';
import { find, inputs, objects } from './helpers';
import { CONNECT_CASES } from './guardrail-cases';

const all = objects();

describe('admission guardrails', () => {
  it('are a Deny-bound ValidatingAdmissionPolicy that fails closed and applies to the agent only', () => {
    const policy = find(all, 'ValidatingAdmissionPolicy', 'platform-engineer-guardrails');
    expect(policy.spec.failurePolicy).toBe('Fail');
    expect(policy.spec.matchConditions).toEqual([
      { name: 'only-the-platform-engineer', expression: "request.userInfo.username == 'system:serviceaccount:platform-engineer:platform-engineer'" },
    ]);
    expect(find(all, 'ValidatingAdmissionPolicyBinding', 'platform-engineer-guardrails').spec).toEqual({ policyName: 'platform-engineer-guardrails', validationActions: ['Deny'] });
  });

  it('tells the pre-check scripts the protected set the site enforces', () => {
    const site = { watchdogs: { protectedNamespaces: ['monitoring'] } } as const;
    const settings = JSON.parse(find(objects(site as any), 'ConfigMap', 'hermes-seed').data['precheck-settings.json']);
    expect(settings.protectedNamespaces).toEqual(protectedNamespaces(inputs(site as any).site));
    expect(settings.protectedNamespaces).toEqual(expect.arrayContaining(['kube-system', 'argocd', 'cert-manager', 'monitoring', 'platform-engineer']));
  });
});

describe.each(CONNECT_CASES)('exec, attach and port-forward with %s', (_mode, permissions) => {
  it('are matched as CONNECT on every pod subresource that opens a container', () => {
    const rules = find(objects({ permissions }), 'ValidatingAdmissionPolicy', 'platform-engineer-guardrails').spec.matchConstraints.resourceRules;
    expect(rules).toContainEqual({ apiGroups: [''], apiVersions: ['*'], operations: ['CONNECT'], resources: ['pods/exec', 'pods/attach', 'pods/portforward'] });
  });
});

/** [permissions, what SOUL.md says of exec, of Secrets]: the prompt matches what admission and RBAC let through. */
const SOUL_LINES: Array<[string, SiteInput['permissions'], RegExp, RegExp]> = [
  ['defaults', {}, /only `kubectl exec` the API server lets through is\s+`kubectl exec -n <namespace> <pod> -c <container> -- df -Pk <mount path>`/, /You cannot read Secrets/],
  ['the plan', { podExec: true, readSecrets: true }, /In the protected namespaces only `kubectl exec .* df -Pk/, /read Secrets in every namespace/],
  ['none, listed', { podExec: false, readSecrets: ['apps', 'media'] }, /You have no `kubectl exec`/, /read Secrets only in `apps`, `media`/],
];

describe('SOUL.md', () => {
  it.each(SOUL_LINES)('tells the agent what it may exec and read (%s)', (_label, permissions, exec, secrets) => {
    const soul: string = find(objects({ permissions }), 'ConfigMap', 'hermes-seed').data['SOUL.md'];
    expect(soul).toMatch(exec);
    expect(soul).toMatch(secrets);
  });

  it('names every protected namespace', () => {
    const soul: string = find(objects({ watchdogs: { protectedNamespaces: ['monitoring'] } }), 'ConfigMap', 'hermes-seed').data['SOUL.md'];
    expect(soul).toContain('Never in these namespaces: `kube-system`, `argocd`, `cert-manager`, `monitoring`.');
  });
});

