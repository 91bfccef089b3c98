/**
 * The shape of a rendered Kubernetes object as the policy evaluators see it: a plain JS object, as parsed from YAML.
 */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

/** The API group of an apiVersion ("apps/v1" -> "apps", "v1" -> ""). */
export function apiGroupOf(obj: KubeObject): string {
  const v = obj.apiVersion ?? '';
  const slash = v.indexOf('/');
  return slash < 0 ? '' : v.slice(0, slash);
}

export function isKind(obj: KubeObject, group: string, kind: string): boolean {
  return obj.kind === kind && apiGroupOf(obj) === group;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
