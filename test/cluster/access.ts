/** Asking the real API server what a service account may do: by running kubectl as it, or by SubjectAccessReview. */
import { serviceAccountUser, type Cluster } from './cluster';

/** Attributes of one SubjectAccessReview (kubectl auth can-i cannot name a subresource of a resource it does not discover). */
export interface Access {
  verb: string;
  group?: string;
  resource: string;
  subresource?: string;
  name?: string;
  namespace?: string;
}

/** The real RBAC authorizer's answer for a service account, through a SubjectAccessReview the admin creates. */
export function canI(cluster: Cluster, namespace: string, serviceAccount: string, access: Access): boolean {
  const review = {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SubjectAccessReview',
    spec: {
      user: serviceAccountUser(namespace, serviceAccount),
      groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'],
      resourceAttributes: { group: '', ...access },
    },
  };
  const out = JSON.parse(cluster.ok(['create', '-f', '-', '-o', 'json'], { input: JSON.stringify(review) }));
  return out.status.allowed === true;
}

// `rollout restart` has no dry run: it runs for real, against fixtures.
const MUTATING = new Set(['create', 'delete', 'patch', 'label', 'annotate', 'cordon', 'drain', 'taint', 'scale', 'run']);
const RBAC_DENIAL = /cannot [\w-]+ resource "/;

export interface Answer {
  rbacDenied: boolean;
  output: string;
}

/** Runs a kubectl command line as a subject; mutations go through the server's dry run. */
export function ask(cluster: Cluster, as: string, command: string | string[]): Answer {
  const argv = typeof command === 'string' ? command.split(' ') : [...command];
  if (MUTATING.has(argv[0]) && !argv.includes('--dry-run=server')) {
    const dash = argv.indexOf('--');
    argv.splice(dash === -1 ? argv.length : dash, 0, '--dry-run=server');
  }
  const r = cluster.kubectl(argv, { as });
  return { rbacDenied: RBAC_DENIAL.test(r.stderr), output: `exit ${r.status}: ${r.stderr.trim().slice(0, 400)}` };
}

