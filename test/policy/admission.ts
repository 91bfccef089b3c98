/**
 * ValidatingAdmissionPolicy evaluated offline (k8s.io/apiserver/pkg/admission/plugin/policy/validating): a
 * binding with Deny selects the policy; matchConstraints pick the request by group, resource and operation;
 * every matchCondition must be true; then every validation must be true, or the request is denied with its
 * message. Variables (spec.variables) are available as `variables.<name>`. CEL is evaluated by @marcbachmann/cel-js (standard CEL; the expressions here use no Kubernetes
 * extension library). Namespace and object selectors are not modelled (the project's policy uses neither).
 */
import { evaluate } from '@marcbachmann/cel-js';
import type { KubeObject } from './kube';

export interface AdmissionRequest {
  operation: 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';
  resource: { group: string; version: string; resource: string };
  subResource?: string;
  namespace: string;
  userInfo: { username: string };
  object?: unknown;
  oldObject?: unknown;
}

export interface AdmissionDecision {
  allowed: boolean;
  /** Messages of the failed validations. */
  denials: string[];
}

const matches = (values: string[] | undefined, value: string) => (values ?? []).some((v) => v === '*' || v === value);

export function admit(objects: KubeObject[], request: AdmissionRequest): AdmissionDecision {
  const denials: string[] = [];
  const bindings = objects.filter((o) => o.kind === 'ValidatingAdmissionPolicyBinding') as any[];
  for (const binding of bindings) {
    if (!(binding.spec.validationActions ?? []).includes('Deny')) continue;
    const policy = objects.find((o) => o.kind === 'ValidatingAdmissionPolicy' && o.metadata?.name === binding.spec.policyName) as any;
    if (!policy) continue;
    const rules: any[] = policy.spec.matchConstraints?.resourceRules ?? [];
    const resource = request.subResource ? `${request.resource.resource}/${request.subResource}` : request.resource.resource;
    const selected = rules.some(
      (r) => matches(r.apiGroups, request.resource.group) && matches(r.resources, resource) && matches(r.operations, request.operation),
    );
    if (!selected) continue;
    const base = { request, object: request.object ?? null, oldObject: request.oldObject ?? null };
    // The API server evaluates variables lazily. Eagerly here, leaving out any that cannot be evaluated for this
    // request (e.g. one reading `object` on a DELETE): an expression that then uses it fails, as it would there.
    const variables: Record<string, unknown> = {};
    for (const v of policy.spec.variables ?? []) {
      try {
        variables[v.name] = evaluate(v.expression, { ...base, variables });
      } catch {
        /* not defined for this request */
      }
    }
    const context = { ...base, variables };
    const conditions: any[] = policy.spec.matchConditions ?? [];
    if (!conditions.every((c) => evaluate(c.expression, context) === true)) continue;
    for (const v of policy.spec.validations ?? []) {
      let ok: unknown;
      try {
        ok = evaluate(v.expression, context);
      } catch (error) {
        // failurePolicy Fail: an expression error denies.
        ok = policy.spec.failurePolicy === 'Ignore' ? true : false;
        if (!ok) denials.push(`${v.message} (evaluation error: ${(error as Error).message})`);
        continue;
      }
      if (ok !== true) denials.push(v.message);
    }
  }
  return { allowed: denials.length === 0, denials };
}
