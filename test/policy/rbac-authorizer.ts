/**
 * An offline Kubernetes RBAC authorizer: "may this subject do VERB on RESOURCE?", answered from rendered
 * Role/ClusterRole/RoleBinding/ClusterRoleBinding objects exactly the way the API server's RBAC authorizer does.
 *
 * Ported from (kubernetes/kubernetes):
 *  - plugin/pkg/auth/authorizer/rbac/rbac.go              RBACAuthorizer.Authorize, RuleAllows
 *  - pkg/apis/rbac/v1/evaluation_helpers.go               VerbMatches, APIGroupMatches, ResourceMatches,
 *                                                          ResourceNameMatches, NonResourceURLMatches
 *  - pkg/registry/rbac/validation/rule.go                 DefaultRuleResolver.VisitRulesFor, GetRoleReferenceRules,
 *                                                          appliesTo / appliesToUser
 *  - staging/src/k8s.io/apiserver/pkg/authentication/serviceaccount  (user name and groups of a service account)
 *
 * Notes on fidelity:
 *  - Resource matching is exactly upstream's: `*` matches every resource (and every subresource), an exact
 *    `resource/subresource` matches that subresource, and `*\/subresource` matches that subresource of any resource.
 *    Upstream has NO `resource/*` wildcard: a rule listing `pods/*` only matches a request whose combined resource is
 *    literally "pods/*", i.e. it never grants pods/exec or pods/log. We reproduce that (see the tests).
 *  - ClusterRoles with an `aggregationRule` are NOT expanded: in a cluster the aggregation controller copies the
 *    selected ClusterRoles' rules into `.rules`; offline we only use whatever `.rules` the object carries.
 *  - RBAC is only one authorizer of the chain. The Node authorizer, webhooks and the `system:masters` group's
 *    bootstrap binding are not modelled. By default the bootstrap ClusterRole `system:basic-user` (bound to
 *    `system:authenticated`: create selfsubjectaccessreviews / selfsubjectrulesreviews / selfsubjectreviews) is added,
 *    because every real cluster has it and `kubectl auth can-i` / `auth whoami` depend on it; pass
 *    `{ bootstrapPolicy: false }` to judge the given objects alone. The discovery roles only grant nonResourceURLs.
 *  - Role/binding objects without metadata.namespace are placed in `options.defaultNamespace` when given
 *    (rendered manifests often leave the namespace to `kubectl -n` / the Argo CD destination).
 */
import * as fs from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { apiGroupOf, isRecord, type KubeObject } from './kube';

export type { KubeObject } from './kube';

export type Subject =
  | { kind: 'ServiceAccount'; namespace: string; name: string }
  | { kind: 'User' | 'Group'; name: string };

/** The authorizer attributes of one API request (authorizer.Attributes). */
export interface Request {
  verb: string;
  /** API group, "" for the core group. */
  group: string;
  /** Plural resource name, e.g. "pods". */
  resource: string;
  subresource?: string;
  /** Absent (or "") for cluster-scoped resources and for all-namespaces list/watch. */
  namespace?: string;
  /** Absent for create, list/watch without a metadata.name field selector, and collections. */
  name?: string;
  /** Set when this is a non-resource request (e.g. "/version"); the resource fields are then ignored. */
  nonResourcePath?: string;
  /**
   * kubectlToRequests only: kubectl tolerates a denial of this request (a best-effort read such as describe's
   * events); the command still succeeds without it.
   */
  optional?: boolean;
}

export interface AuthorizeOptions {
  /** Add the bootstrap `system:basic-user` ClusterRole + binding every cluster has. Default true. */
  bootstrapPolicy?: boolean;
  /** Namespace for Roles/RoleBindings that carry no metadata.namespace. */
  defaultNamespace?: string;
  /** Extra groups of the requesting user (added to the ones derived from the subject). */
  extraGroups?: string[];
}

interface PolicyRule {
  verbs?: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

interface UserInfo {
  name: string | undefined;
  groups: string[];
}

const RBAC_GROUP = 'rbac.authorization.k8s.io';

/**
 * The bootstrap `system:basic-user` ClusterRole and its ClusterRoleBinding
 * (plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go).
 */
export const BOOTSTRAP_POLICY: KubeObject[] = [
  {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: 'system:basic-user' },
    rules: [
      { verbs: ['create'], apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'] },
      { verbs: ['create'], apiGroups: ['authentication.k8s.io'], resources: ['selfsubjectreviews'] },
    ],
  },
  {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: 'system:basic-user' },
    roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: 'system:basic-user' },
    subjects: [{ apiGroup: RBAC_GROUP, kind: 'Group', name: 'system:authenticated' }],
  },
];

/** user.Info for a subject: service accounts authenticate as system:serviceaccount:NS:NAME with their groups. */
function userInfoFor(subject: Subject, extraGroups: string[] = []): UserInfo {
  switch (subject.kind) {
    case 'ServiceAccount':
      return {
        name: `system:serviceaccount:${subject.namespace}:${subject.name}`,
        groups: ['system:serviceaccounts', `system:serviceaccounts:${subject.namespace}`, 'system:authenticated', ...extraGroups],
      };
    case 'User':
      return { name: subject.name, groups: ['system:authenticated', ...extraGroups] };
    case 'Group':
      // "A member of this group": no user name can match; authenticated members are also in system:authenticated.
      return {
        name: undefined,
        groups: subject.name === 'system:unauthenticated' ? [subject.name, ...extraGroups] : [subject.name, 'system:authenticated', ...extraGroups],
      };
  }
}

// ---- pkg/apis/rbac/v1/evaluation_helpers.go ----

function verbMatches(rule: PolicyRule, requestedVerb: string): boolean {
  return (rule.verbs ?? []).some((v) => v === '*' || v === requestedVerb);
}

function apiGroupMatches(rule: PolicyRule, requestedGroup: string): boolean {
  return (rule.apiGroups ?? []).some((g) => g === '*' || g === requestedGroup);
}

function resourceMatches(rule: PolicyRule, combinedRequestedResource: string, requestedSubresource: string): boolean {
  for (const ruleResource of rule.resources ?? []) {
    // if everything is allowed, we match
    if (ruleResource === '*') return true;
    // if we have an exact match, we match
    if (ruleResource === combinedRequestedResource) return true;
    // We can also match a */subresource. If there isn't a subresource, then continue.
    if (requestedSubresource.length === 0) continue;
    // if the rule isn't in the format */subresource, then we don't match, continue
    if (
      ruleResource.length === requestedSubresource.length + 2 &&
      ruleResource.startsWith('*/') &&
      ruleResource.endsWith(requestedSubresource)
    ) {
      return true;
    }
  }
  return false;
}

function resourceNameMatches(rule: PolicyRule, requestedName: string): boolean {
  const names = rule.resourceNames ?? [];
  if (names.length === 0) return true;
  return names.some((n) => n === requestedName);
}

function nonResourceURLMatches(rule: PolicyRule, requestedURL: string): boolean {
  for (const ruleURL of rule.nonResourceURLs ?? []) {
    if (ruleURL === '*') return true;
    if (ruleURL === requestedURL) return true;
    if (ruleURL.endsWith('*') && requestedURL.startsWith(ruleURL.replace(/\*+$/, ''))) return true;
  }
  return false;
}

/** rbac.go RuleAllows. */
export function ruleAllows(request: Request, rule: PolicyRule): boolean {
  if (request.nonResourcePath === undefined) {
    const sub = request.subresource ?? '';
    const combinedResource = sub.length > 0 ? `${request.resource}/${sub}` : request.resource;
    return (
      verbMatches(rule, request.verb) &&
      apiGroupMatches(rule, request.group) &&
      resourceMatches(rule, combinedResource, sub) &&
      resourceNameMatches(rule, request.name ?? '')
    );
  }
  return verbMatches(rule, request.verb) && nonResourceURLMatches(rule, request.nonResourcePath);
}

// ---- pkg/registry/rbac/validation/rule.go ----

interface Subj {
  kind?: string;
  name?: string;
  namespace?: string;
}

function appliesToUser(user: UserInfo, subject: Subj, namespace: string): boolean {
  switch (subject.kind) {
    case 'User':
      return user.name !== undefined && user.name === subject.name;
    case 'Group':
      return subject.name !== undefined && user.groups.includes(subject.name);
    case 'ServiceAccount': {
      // default the namespace to namespace we're working in if its available. This allows rolebindings that
      // reference SAs in the local namespace to avoid having to qualify them.
      const saNamespace = subject.namespace ? subject.namespace : namespace;
      if (!saNamespace) return false;
      // serviceaccount.MatchesUsername
      return user.name === `system:serviceaccount:${saNamespace}:${subject.name ?? ''}`;
    }
    default:
      return false;
  }
}

function appliesTo(user: UserInfo, subjects: unknown, namespace: string): Subj | undefined {
  if (!Array.isArray(subjects)) return undefined;
  return (subjects as Subj[]).find((s) => isRecord(s) && appliesToUser(user, s, namespace));
}

interface RbacIndex {
  roles: KubeObject[];
  clusterRoles: KubeObject[];
  roleBindings: KubeObject[];
  clusterRoleBindings: KubeObject[];
}

function indexObjects(objects: KubeObject[], options: AuthorizeOptions): RbacIndex {
  const all = options.bootstrapPolicy === false ? objects : [...objects, ...BOOTSTRAP_POLICY];
  const idx: RbacIndex = { roles: [], clusterRoles: [], roleBindings: [], clusterRoleBindings: [] };
  for (const raw of all) {
    if (!isRecord(raw) || apiGroupOf(raw) !== RBAC_GROUP) continue;
    let o = raw;
    if ((o.kind === 'Role' || o.kind === 'RoleBinding') && !o.metadata?.namespace && options.defaultNamespace) {
      o = { ...o, metadata: { ...o.metadata, namespace: options.defaultNamespace } };
    }
    switch (o.kind) {
      case 'Role':
        idx.roles.push(o);
        break;
      case 'ClusterRole':
        idx.clusterRoles.push(o);
        break;
      case 'RoleBinding':
        idx.roleBindings.push(o);
        break;
      case 'ClusterRoleBinding':
        idx.clusterRoleBindings.push(o);
        break;
    }
  }
  return idx;
}

/** GetRoleReferenceRules: undefined when the referenced role does not exist (a resolution error upstream). */
function roleReferenceRules(idx: RbacIndex, roleRef: unknown, bindingNamespace: string): PolicyRule[] | undefined {
  if (!isRecord(roleRef)) return undefined;
  const name = roleRef.name;
  switch (roleRef.kind) {
    case 'Role': {
      if (!bindingNamespace) return undefined; // "must provide namespace when getting role"
      const role = idx.roles.find((r) => r.metadata?.namespace === bindingNamespace && r.metadata?.name === name);
      return role ? ((role.rules as PolicyRule[] | undefined) ?? []) : undefined;
    }
    case 'ClusterRole': {
      // aggregationRule is not expanded: only the rules present on the object count (see header comment).
      const cr = idx.clusterRoles.find((r) => r.metadata?.name === name);
      return cr ? ((cr.rules as PolicyRule[] | undefined) ?? []) : undefined;
    }
    default:
      return undefined; // unsupported role reference kind
  }
}

export interface Decision {
  allowed: boolean;
  /** "RBAC: allowed by ..." when allowed, as the API server words it. */
  reason: string;
}

/** RBACAuthorizer.Authorize, with the reason. */
export function authorizeWithReason(
  objects: KubeObject[],
  subject: Subject,
  request: Request,
  options: AuthorizeOptions = {},
): Decision {
  const idx = indexObjects(objects, options);
  const user = userInfoFor(subject, options.extraGroups);
  const allows = (rules: PolicyRule[]) => rules.some((rule) => isRecord(rule) && ruleAllows(request, rule));
  const describe = (s: Subj, ns: string) =>
    s.kind === 'ServiceAccount' ? `${s.kind} "${s.name}/${s.namespace || ns}"` : `${s.kind} "${s.name}"`;

  // VisitRulesFor: cluster role bindings first (cluster-wide, any namespace and cluster-scoped requests) ...
  for (const crb of idx.clusterRoleBindings) {
    const s = appliesTo(user, crb.subjects, '');
    if (!s) continue;
    const rules = roleReferenceRules(idx, crb.roleRef, '');
    if (rules && allows(rules)) {
      const ref = crb.roleRef as { kind: string; name: string };
      return {
        allowed: true,
        reason: `RBAC: allowed by ClusterRoleBinding "${crb.metadata?.name}" of ${ref.kind} "${ref.name}" to ${describe(s, '')}`,
      };
    }
  }
  // ... then the role bindings of the request's namespace only.
  const namespace = request.namespace ?? '';
  if (namespace.length > 0) {
    for (const rb of idx.roleBindings) {
      if ((rb.metadata?.namespace ?? '') !== namespace) continue;
      const s = appliesTo(user, rb.subjects, namespace);
      if (!s) continue;
      const rules = roleReferenceRules(idx, rb.roleRef, namespace);
      if (rules && allows(rules)) {
        const ref = rb.roleRef as { kind: string; name: string };
        return {
          allowed: true,
          reason: `RBAC: allowed by RoleBinding "${rb.metadata?.name}/${namespace}" of ${ref.kind} "${ref.name}" to ${describe(s, namespace)}`,
        };
      }
    }
  }
  return { allowed: false, reason: '' };
}

/** May `subject` make `request`? (DecisionAllow vs. DecisionNoOpinion of the RBAC authorizer.) */
export function authorize(objects: KubeObject[], subject: Subject, request: Request, options: AuthorizeOptions = {}): boolean {
  return authorizeWithReason(objects, subject, request, options).allowed;
}

export interface CommandDecision {
  /** Every non-optional request is allowed. */
  allowed: boolean;
  requests: Request[];
  /** The requests RBAC denies (optional ones included, flagged). */
  denied: Request[];
}

/** Would `kubectl ARGV` succeed for `subject` as far as RBAC is concerned? */
export function authorizeKubectl(
  objects: KubeObject[],
  subject: Subject,
  argv: string[],
  defaultNamespace: string,
  options: AuthorizeOptions & KubectlOptions = {},
): CommandDecision {
  const requests = kubectlToRequests(argv, defaultNamespace, options);
  const denied = requests.filter((r) => !authorize(objects, subject, r, options));
  return { allowed: denied.every((r) => r.optional), requests, denied };
}

// =====================================================================================================================
// kubectl command line -> API requests
// =====================================================================================================================

export interface ResourceType {
  group: string;
  resource: string;
  kind: string;
  namespaced: boolean;
  short?: string[];
  /** Only reachable as `resource.group` (kubectl prefers another group for the bare name). */
  qualifiedOnly?: boolean;
}

const t = (group: string, resource: string, kind: string, namespaced: boolean, short: string[] = [], qualifiedOnly = false): ResourceType =>
  ({ group, resource, kind, namespaced, short, qualifiedOnly });

/** What kubectl's discovery / RESTMapper would resolve (built-in API plus the CRDs this platform uses). */
export const RESOURCE_TYPES: ResourceType[] = [
  // core
  t('', 'pods', 'Pod', true, ['po']),
  t('', 'nodes', 'Node', false, ['no']),
  t('', 'services', 'Service', true, ['svc']),
  t('', 'endpoints', 'Endpoints', true, ['ep']),
  t('', 'events', 'Event', true, ['ev']),
  t('', 'configmaps', 'ConfigMap', true, ['cm']),
  t('', 'secrets', 'Secret', true),
  t('', 'persistentvolumeclaims', 'PersistentVolumeClaim', true, ['pvc']),
  t('', 'persistentvolumes', 'PersistentVolume', false, ['pv']),
  t('', 'namespaces', 'Namespace', false, ['ns']),
  t('', 'serviceaccounts', 'ServiceAccount', true, ['sa']),
  t('', 'replicationcontrollers', 'ReplicationController', true, ['rc']),
  t('', 'limitranges', 'LimitRange', true, ['limits']),
  t('', 'resourcequotas', 'ResourceQuota', true, ['quota']),
  t('', 'podtemplates', 'PodTemplate', true),
  // apps, batch, autoscaling, policy
  t('apps', 'deployments', 'Deployment', true, ['deploy']),
  t('apps', 'statefulsets', 'StatefulSet', true, ['sts']),
  t('apps', 'daemonsets', 'DaemonSet', true, ['ds']),
  t('apps', 'replicasets', 'ReplicaSet', true, ['rs']),
  t('apps', 'controllerrevisions', 'ControllerRevision', true),
  t('batch', 'jobs', 'Job', true),
  t('batch', 'cronjobs', 'CronJob', true, ['cj']),
  t('autoscaling', 'horizontalpodautoscalers', 'HorizontalPodAutoscaler', true, ['hpa']),
  t('policy', 'poddisruptionbudgets', 'PodDisruptionBudget', true, ['pdb']),
  // networking, discovery, coordination, storage, scheduling
  t('networking.k8s.io', 'ingresses', 'Ingress', true, ['ing']),
  t('networking.k8s.io', 'networkpolicies', 'NetworkPolicy', true, ['netpol']),
  t('networking.k8s.io', 'ingressclasses', 'IngressClass', false),
  t('discovery.k8s.io', 'endpointslices', 'EndpointSlice', true),
  t('coordination.k8s.io', 'leases', 'Lease', true),
  t('storage.k8s.io', 'storageclasses', 'StorageClass', false, ['sc']),
  t('storage.k8s.io', 'volumeattachments', 'VolumeAttachment', false),
  t('storage.k8s.io', 'csidrivers', 'CSIDriver', false),
  t('storage.k8s.io', 'csinodes', 'CSINode', false),
  t('scheduling.k8s.io', 'priorityclasses', 'PriorityClass', false, ['pc']),
  t('events.k8s.io', 'events', 'Event', true, ['ev'], true),
  // rbac, apiextensions, certificates, admission, aggregation, authn/authz reviews
  t(RBAC_GROUP, 'roles', 'Role', true),
  t(RBAC_GROUP, 'rolebindings', 'RoleBinding', true),
  t(RBAC_GROUP, 'clusterroles', 'ClusterRole', false),
  t(RBAC_GROUP, 'clusterrolebindings', 'ClusterRoleBinding', false),
  t('apiextensions.k8s.io', 'customresourcedefinitions', 'CustomResourceDefinition', false, ['crd', 'crds']),
  t('certificates.k8s.io', 'certificatesigningrequests', 'CertificateSigningRequest', false, ['csr']),
  t('admissionregistration.k8s.io', 'mutatingwebhookconfigurations', 'MutatingWebhookConfiguration', false),
  t('admissionregistration.k8s.io', 'validatingwebhookconfigurations', 'ValidatingWebhookConfiguration', false),
  t('apiregistration.k8s.io', 'apiservices', 'APIService', false),
  t('authorization.k8s.io', 'selfsubjectaccessreviews', 'SelfSubjectAccessReview', false),
  t('authorization.k8s.io', 'selfsubjectrulesreviews', 'SelfSubjectRulesReview', false),
  t('authorization.k8s.io', 'subjectaccessreviews', 'SubjectAccessReview', false),
  t('authentication.k8s.io', 'selfsubjectreviews', 'SelfSubjectReview', false),
  t('authentication.k8s.io', 'tokenreviews', 'TokenReview', false),
  // metrics-server (bare "nodes"/"pods" are the core ones)
  t('metrics.k8s.io', 'nodes', 'NodeMetrics', false, [], true),
  t('metrics.k8s.io', 'pods', 'PodMetrics', true, [], true),
  // CRDs of this platform
  t('argoproj.io', 'applications', 'Application', true, ['app', 'apps']),
  t('argoproj.io', 'appprojects', 'AppProject', true, ['appproj', 'appprojs']),
  t('argoproj.io', 'applicationsets', 'ApplicationSet', true, ['appset', 'appsets']),
  t('cert-manager.io', 'certificates', 'Certificate', true, ['cert', 'certs']),
  t('cert-manager.io', 'certificaterequests', 'CertificateRequest', true, ['cr', 'crs']),
  t('cert-manager.io', 'issuers', 'Issuer', true),
  t('cert-manager.io', 'clusterissuers', 'ClusterIssuer', false),
  t('acme.cert-manager.io', 'orders', 'Order', true),
  t('acme.cert-manager.io', 'challenges', 'Challenge', true),
  t('bitnami.com', 'sealedsecrets', 'SealedSecret', true),
];

/** `kubectl get all` (the "all" category). */
const ALL_CATEGORY = ['pods', 'services', 'daemonsets', 'deployments', 'replicasets', 'statefulsets', 'replicationcontrollers', 'horizontalpodautoscalers', 'cronjobs', 'jobs'];

function singular(rt: ResourceType): string {
  return rt.kind.toLowerCase();
}

function matchesName(rt: ResourceType, word: string): boolean {
  return rt.resource === word || singular(rt) === word || (rt.short ?? []).includes(word);
}

/**
 * Resolve a kubectl resource argument: plural, singular, kind, short name, or any of those qualified as
 * `name.group` / `name.version.group` (case-insensitive, like the RESTMapper). An unknown `plural.group` is taken
 * as a namespaced custom resource; an unknown bare name throws.
 */
export function resolveResourceType(arg: string): ResourceType {
  const word = arg.toLowerCase();
  const bare = RESOURCE_TYPES.find((rt) => !rt.qualifiedOnly && matchesName(rt, word));
  if (bare) return bare;
  const dot = word.indexOf('.');
  if (dot > 0) {
    const name = word.slice(0, dot);
    let group = word.slice(dot + 1);
    const versioned = /^v\d+(?:(?:alpha|beta)\d+)?\.(.+)$/.exec(group);
    const candidates = (g: string) => RESOURCE_TYPES.find((rt) => rt.group === g && matchesName(rt, name));
    let found = candidates(group);
    if (!found && versioned) {
      group = versioned[1]!;
      found = candidates(group);
    }
    if (found) return found;
    if (/^v\d+(?:(?:alpha|beta)\d+)?$/.test(group)) {
      const core = RESOURCE_TYPES.find((rt) => rt.group === '' && matchesName(rt, name));
      if (core) return core;
    }
    return { group, resource: name, kind: name, namespaced: true };
  }
  throw new Error(`kubectl: the server doesn't have a resource type "${arg}"`);
}

function resourceTypeForObject(obj: KubeObject): ResourceType {
  const group = apiGroupOf(obj);
  const found = RESOURCE_TYPES.find((rt) => rt.group === group && rt.kind === obj.kind);
  if (!found) throw new Error(`kubectl: no resource mapping for ${obj.apiVersion}/${obj.kind}`);
  return found;
}

export interface KubectlOptions {
  /** Objects of the files named by `-f` (otherwise the files are read from disk). */
  files?: Record<string, KubeObject[]>;
}

// ---- flag parsing (pflag semantics: interspersed flags, `--x=y`, `--x y`, `-xy`, `-x=y`, `--` ends flags) ----

/** Long flags that take a value (anything else without `=` is boolean). */
const VALUE_FLAGS = new Set([
  'namespace', 'output', 'selector', 'field-selector', 'container', 'tail', 'since', 'since-time', 'sort-by', 'replicas',
  'current-replicas', 'resource-version', 'patch', 'patch-file', 'type', 'timeout', 'image', 'from', 'clusterrole', 'role',
  'serviceaccount', 'user', 'group', 'filename', 'grace-period', 'subresource', 'limit-bytes', 'max-log-requests',
  'pod-running-timeout', 'chunk-size', 'template', 'field-manager', 'context', 'kubeconfig', 'cluster', 'as', 'as-group',
  'as-uid', 'request-timeout', 'server', 'token', 'for', 'kustomize', 'label-columns', 'address', 'v', 'revision',
  'to-revision', 'cache-dir', 'certificate-authority', 'client-certificate', 'client-key', 'tls-server-name', 'profile',
  'profile-output', 'log-file', 'log-dir', 'vmodule', 'from-literal', 'from-file', 'from-env-file', 'docker-server',
  'docker-username', 'docker-password', 'docker-email', 'cert', 'key', 'port', 'target-port', 'protocol', 'external-name',
  'schedule', 'restart', 'env', 'overrides', 'verb', 'resource', 'resource-name', 'aggregation-rule', 'non-resource-url',
  'clusterip', 'tcp', 'node-port', 'duration', 'audience', 'bound-object-kind', 'bound-object-name', 'bound-object-uid',
  'class', 'default-backend', 'annotation', 'rule', 'min', 'max', 'cpu-percent', 'name', 'limits', 'requests',
  'types', 'raw', 'pod-selector',
]);

type ShortSpec = Record<string, { long: string; value: boolean }>;

const SHORT_COMMON: ShortSpec = {
  n: { long: 'namespace', value: true },
  A: { long: 'all-namespaces', value: false },
  o: { long: 'output', value: true },
  l: { long: 'selector', value: true },
  w: { long: 'watch', value: false },
  s: { long: 'server', value: true },
  v: { long: 'v', value: true },
  R: { long: 'recursive', value: false },
  k: { long: 'kustomize', value: true },
  L: { long: 'label-columns', value: true },
  i: { long: 'stdin', value: false },
  t: { long: 'tty', value: false },
  q: { long: 'quiet', value: false },
  h: { long: 'help', value: false },
  f: { long: 'filename', value: true },
  c: { long: 'container', value: true },
  p: { long: 'patch', value: true },
};

const SHORT_BY_COMMAND: Record<string, ShortSpec> = {
  logs: { f: { long: 'follow', value: false }, p: { long: 'previous', value: false } },
  exec: { p: { long: 'pod', value: true } },
};

/** Flags whose value is optional (`--dry-run`, `--wait`, `--cascade`): only `--x=value` carries one. */
const OPTIONAL_VALUE_FLAGS = new Set(['dry-run', 'wait', 'cascade', 'show-managed-fields', 'server-side']);

const GLOBAL_SHORT_VALUE = new Set(['n', 's', 'v']);
const GLOBAL_LONG_VALUE = new Set([
  'namespace', 'context', 'kubeconfig', 'cluster', 'user', 'server', 'token', 'as', 'as-group', 'as-uid', 'request-timeout',
  'v', 'cache-dir', 'certificate-authority', 'client-certificate', 'client-key', 'tls-server-name', 'profile', 'profile-output',
  'log-file', 'log-dir', 'vmodule',
]);

interface Parsed {
  command: string;
  positionals: string[];
  flags: Map<string, string | true>;
  afterDash: string[];
}

function findCommand(argv: string[]): string {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') break;
    if (a.startsWith('--')) {
      if (!a.includes('=') && GLOBAL_LONG_VALUE.has(a.slice(2))) i++;
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      if (a.length === 2 && GLOBAL_SHORT_VALUE.has(a[1]!)) i++;
      continue;
    }
    return a;
  }
  throw new Error('kubectl: no command');
}

function parseArgv(argv: string[]): Parsed {
  const command = findCommand(argv);
  const shorts: ShortSpec = { ...SHORT_COMMON, ...(SHORT_BY_COMMAND[command] ?? {}) };
  const flags = new Map<string, string | true>();
  const positionals: string[] = [];
  let afterDash: string[] = [];
  let seenCommand = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      afterDash = argv.slice(i + 1);
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      if (eq >= 0) {
        flags.set(a.slice(2, eq), a.slice(eq + 1));
      } else {
        const name = a.slice(2);
        if (VALUE_FLAGS.has(name) && !OPTIONAL_VALUE_FLAGS.has(name)) {
          if (i + 1 >= argv.length) throw new Error(`kubectl: flag needs an argument: --${name}`);
          flags.set(name, argv[++i]!);
        } else {
          flags.set(name, true);
        }
      }
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const spec = shorts[a[j]!];
        if (!spec) throw new Error(`kubectl: unknown shorthand flag: '${a[j]}' in ${a}`);
        if (!spec.value) {
          flags.set(spec.long, true);
          continue;
        }
        let rest = a.slice(j + 1);
        if (rest.startsWith('=')) rest = rest.slice(1);
        if (rest.length > 0) flags.set(spec.long, rest);
        else {
          if (i + 1 >= argv.length) throw new Error(`kubectl: flag needs an argument: -${a[j]}`);
          flags.set(spec.long, argv[++i]!);
        }
        break;
      }
      continue;
    }
    if (!seenCommand && a === command) {
      seenCommand = true;
      continue;
    }
    positionals.push(a);
  }
  return { command, positionals, flags, afterDash };
}

function flagStr(p: Parsed, name: string): string | undefined {
  const v = p.flags.get(name);
  return typeof v === 'string' ? v : undefined;
}

function flagBool(p: Parsed, name: string): boolean {
  const v = p.flags.get(name);
  if (v === undefined) return false;
  if (v === true) return true;
  return v !== 'false';
}

/** `metadata.name=X` (or `==`) as the only term of a field selector: the API server authorizes it as name X. */
function nameFromFieldSelector(sel: string | undefined): string | undefined {
  if (!sel) return undefined;
  const m = /^metadata\.name==?([^,]+)$/.exec(sel.trim());
  return m ? m[1] : undefined;
}

const MUTATING = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);

interface Target {
  rt: ResourceType;
  name?: string;
}

/** kubectl's builder arguments: `TYPE[,TYPE] [NAME...]` or `TYPE/NAME...`. */
function builderTargets(args: string[]): Target[] {
  if (args.length === 0) throw new Error('kubectl: you must specify the type of resource');
  if (args.some((a) => a.includes('/'))) {
    return args.map((a) => {
      const slash = a.indexOf('/');
      if (slash < 0) throw new Error(`kubectl: there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (${a})`);
      return { rt: resolveResourceType(a.slice(0, slash)), name: a.slice(slash + 1) };
    });
  }
  const types = args[0]!.split(',').filter((x) => x.length > 0).flatMap((ty) => (ty.toLowerCase() === 'all' ? ALL_CATEGORY : [ty])).map(resolveResourceType);
  const names = args.slice(1);
  if (names.length === 0) return types.map((rt) => ({ rt }));
  return types.flatMap((rt) => names.map((name) => ({ rt, name })));
}

function readFileObjects(file: string, options: KubectlOptions): KubeObject[] {
  const given = options.files?.[file];
  if (given) return given;
  if (!fs.existsSync(file)) throw new Error(`kubectl: cannot map -f ${file}: pass its objects in options.files`);
  return parseAllDocuments(fs.readFileSync(file, 'utf8'))
    .map((d) => d.toJS() as unknown)
    .flatMap((o) => (isRecord(o) && o.kind === 'List' && Array.isArray(o.items) ? (o.items as KubeObject[]) : [o as KubeObject]))
    .filter((o) => isRecord(o) && typeof o.kind === 'string');
}

/**
 * The API requests `kubectl ARGV` makes (argv without the leading "kubectl"), in order, de-duplicated, as
 * authorizer attributes. Follows kubectl's source (k8s.io/kubectl/pkg/cmd/...):
 *  - get: `get TYPE` = list (+ watch with -w); `get TYPE NAME` = get (+ watch by name with -w); -A = all namespaces;
 *    `--field-selector metadata.name=X` authorizes as name X (as the API server's RequestInfo does).
 *  - describe: get (+ list for a bare type) and a best-effort list of events (optional); ReplicaSet, StatefulSet,
 *    DaemonSet and ReplicationController describers list pods; Deployment lists ReplicaSets and Node lists pods and
 *    reads its Lease best-effort (optional).
 *  - logs POD: get pods + get pods/log; `logs TYPE/NAME` (deploy, sts, ds, rs, job, ...): get that object, list pods,
 *    get pods/log (the pod is chosen at run time, so no name); `-l`: list pods + get pods/log.
 *  - top nodes: list nodes.metrics.k8s.io + list nodes (kubectl reads allocatable from the core API);
 *    top pods: list pods.metrics.k8s.io (by name: get).
 *  - rollout restart|pause|resume: get + patch; rollout status: get + list/watch by name (current kubectl watches
 *    the object only; it does not list ReplicaSets); rollout undo/history: get + list replicasets
 *    (controllerrevisions for StatefulSet/DaemonSet) (+ patch for undo).
 *  - delete NAME: delete, then (unless --wait=false) kubectl waits for the deletion: get + list/watch by name.
 *    `-l`/`--all`: list, then delete each (no name known).
 *  - exec/attach/port-forward/cp POD: get pods + create pods/exec|attach|portforward.
 *  - scale: get + patch TYPE/scale (get + update of the scale subresource with --current-replicas/--resource-version).
 *  - auth can-i: create selfsubjectaccessreviews (--list: selfsubjectrulesreviews); auth whoami: create
 *    selfsubjectreviews; cluster-scoped.
 *  - cordon/uncordon/taint/label/annotate/edit/patch/set: get + patch; drain: get + patch node, list pods
 *    (all namespaces), get daemonsets, create pods/eviction (delete pods with --disable-eviction), get pods.
 *  - create TYPE NAME / create -f / run / expose / autoscale: create (+ get of the --from source / exposed object);
 *    create token SA: create serviceaccounts/token; apply -f: get + patch of each object (client-side apply of an
 *    object that does not exist yet would create it instead; --server-side: patch only); replace -f: update.
 *  - --dry-run / --dry-run=client: no mutating request is sent. version/api-resources/api-versions/explain/config:
 *    no resource request (discovery and /version are non-resource URLs every user may read).
 * Throws on commands or flags it does not model (e.g. --as impersonation, --raw).
 */
export function kubectlToRequests(argv: string[], defaultNamespace: string, options: KubectlOptions = {}): Request[] {
  const p = parseArgv(argv);
  if (p.flags.has('as') || p.flags.has('as-group') || p.flags.has('as-uid')) throw new Error('kubectl: impersonation (--as) is not modelled');
  if (p.flags.has('raw')) throw new Error('kubectl: --raw is not modelled');
  const ns = flagStr(p, 'namespace') ?? defaultNamespace;
  const allNs = flagBool(p, 'all-namespaces');
  const out: Request[] = [];

  const nsFor = (rt: ResourceType, namespace: string | undefined = ns) => (rt.namespaced ? namespace : undefined);
  const add = (verb: string, rt: ResourceType, opts: { name?: string; sub?: string; namespace?: string | null; optional?: boolean } = {}) => {
    const r: Request = { verb, group: rt.group, resource: rt.resource };
    if (opts.sub) r.subresource = opts.sub;
    const namespace = opts.namespace === null ? undefined : nsFor(rt, opts.namespace ?? ns);
    if (namespace) r.namespace = namespace;
    if (opts.name) r.name = opts.name;
    if (opts.optional) r.optional = true;
    out.push(r);
  };
  const R = (resource: string, group = '') => {
    const rt = RESOURCE_TYPES.find((x) => x.resource === resource && x.group === group);
    if (!rt) throw new Error(`internal: unknown ${resource}.${group}`);
    return rt;
  };
  const pods = R('pods');
  const selector = flagStr(p, 'selector');
  const listNs = () => (allNs ? null : undefined);

  /** Objects named by -f/--filename, with their namespace. */
  const fileTargets = (): { rt: ResourceType; name?: string; namespace?: string }[] => {
    const f = flagStr(p, 'filename');
    if (!f) return [];
    return readFileObjects(f, options).map((o) => {
      const rt = resourceTypeForObject(o);
      return { rt, name: o.metadata?.name, namespace: o.metadata?.namespace ?? ns };
    });
  };

  /** TYPE NAME / TYPE/NAME / -f targets; with -l/--all the collection is listed first. */
  const objectTargets = (args: string[]): { rt: ResourceType; name?: string; namespace?: string }[] => {
    const files = fileTargets();
    if (files.length > 0) return files;
    const targets = builderTargets(args);
    const result: { rt: ResourceType; name?: string; namespace?: string }[] = [];
    for (const tg of targets) {
      if (tg.name === undefined) {
        if (!selector && !flagBool(p, 'all')) throw new Error(`kubectl: resource(s) were provided, but no name was specified`);
        add('list', tg.rt, { namespace: listNs() });
      }
      result.push(tg);
    }
    return result;
  };

  const getThenPatch = (args: string[], sub?: string) => {
    for (const tg of objectTargets(args)) {
      if (tg.name) add('get', tg.rt, { name: tg.name, namespace: tg.namespace, sub });
      add('patch', tg.rt, { name: tg.name, namespace: tg.namespace, sub });
    }
  };

  const waitForDeletion = (rt: ResourceType, name: string | undefined, namespace: string | undefined) => {
    if (p.flags.has('wait') && !flagBool(p, 'wait')) return;
    add('get', rt, { name, namespace });
    add('list', rt, { name, namespace });
    add('watch', rt, { name, namespace });
  };

  /** The pod behind TYPE/NAME for logs/exec/attach/port-forward (GetFirstPod / AttachablePodForObject). */
  const podBehind = (arg: string): { name?: string } => {
    const slash = arg.indexOf('/');
    if (slash < 0) {
      add('get', pods, { name: arg });
      return { name: arg };
    }
    const rt = resolveResourceType(arg.slice(0, slash));
    const name = arg.slice(slash + 1);
    if (rt === pods) {
      add('get', pods, { name });
      return { name };
    }
    add('get', rt, { name });
    add('list', pods);
    return {};
  };

  switch (p.command) {
    case 'get': {
      const watch = flagBool(p, 'watch') || flagBool(p, 'watch-only');
      for (const tg of builderTargets(p.positionals)) {
        if (tg.name !== undefined) {
          if (allNs && tg.rt.namespaced) throw new Error('kubectl: a resource cannot be retrieved by name across all namespaces');
          add('get', tg.rt, { name: tg.name });
          if (watch) add('watch', tg.rt, { name: tg.name });
        } else {
          const name = nameFromFieldSelector(flagStr(p, 'field-selector'));
          add('list', tg.rt, { name, namespace: listNs() });
          if (watch) add('watch', tg.rt, { name, namespace: listNs() });
        }
      }
      break;
    }
    case 'describe': {
      const events = R('events');
      for (const tg of builderTargets(p.positionals)) {
        const objNs = tg.rt.namespaced ? (allNs ? null : undefined) : null;
        if (tg.name === undefined) add('list', tg.rt, { namespace: objNs });
        else add('get', tg.rt, { name: tg.name });
        // searchEvents: the events of a cluster-scoped object are searched in all namespaces; errors are ignored.
        add('list', events, { namespace: objNs, optional: true });
        switch (tg.rt.kind) {
          case 'ReplicaSet':
          case 'StatefulSet':
          case 'DaemonSet':
          case 'ReplicationController':
            add('list', pods, { namespace: objNs }); // getPodStatusForController: an error fails describe
            break;
          case 'Deployment':
            add('list', R('replicasets', 'apps'), { namespace: objNs, optional: true });
            break;
          case 'Node':
            add('list', pods, { namespace: null, optional: true }); // Forbidden is tolerated ("canViewPods")
            if (tg.name) add('get', R('leases', 'coordination.k8s.io'), { name: tg.name, namespace: 'kube-node-lease', optional: true });
            break;
        }
      }
      break;
    }
    case 'logs': {
      const log = { sub: 'log' };
      if (selector) {
        add('list', pods);
        add('get', pods, log);
        break;
      }
      const target = p.positionals[0];
      if (!target) throw new Error('kubectl logs: a pod, TYPE/NAME or -l selector is required');
      const pod = podBehind(target);
      add('get', pods, { ...log, name: pod.name });
      break;
    }
    case 'top': {
      const what = (p.positionals[0] ?? '').toLowerCase();
      const name = p.positionals[1];
      if (['node', 'nodes', 'no'].includes(what)) {
        add(name ? 'get' : 'list', R('nodes', 'metrics.k8s.io'), { name });
        add(name ? 'get' : 'list', R('nodes'), { name });
      } else if (['pod', 'pods', 'po'].includes(what)) {
        add(name ? 'get' : 'list', R('pods', 'metrics.k8s.io'), { name, namespace: name ? undefined : listNs() });
      } else {
        throw new Error(`kubectl top: unknown resource "${what}"`);
      }
      break;
    }
    case 'rollout': {
      const sub = p.positionals[0];
      const targets = objectTargets(p.positionals.slice(1));
      for (const tg of targets) {
        const o = { name: tg.name, namespace: tg.namespace };
        if (tg.name) add('get', tg.rt, o);
        const history = tg.rt.kind === 'Deployment' ? R('replicasets', 'apps') : R('controllerrevisions', 'apps');
        switch (sub) {
          case 'restart':
          case 'pause':
          case 'resume':
            add('patch', tg.rt, o);
            break;
          case 'status':
            add('list', tg.rt, o);
            add('watch', tg.rt, o);
            break;
          case 'history':
            add('list', history, { namespace: tg.namespace });
            break;
          case 'undo':
            add('list', history, { namespace: tg.namespace });
            add('patch', tg.rt, o);
            break;
          default:
            throw new Error(`kubectl rollout: unknown subcommand "${sub}"`);
        }
      }
      break;
    }
    case 'wait': {
      // kubectl wait (pkg/cmd/wait): resolves the objects (get by name, or list), then watches them with a
      // metadata.name field selector until the condition holds.
      for (const tg of builderTargets(p.positionals)) {
        if (tg.name !== undefined) {
          add('get', tg.rt, { name: tg.name });
          add('list', tg.rt, { name: tg.name });
          add('watch', tg.rt, { name: tg.name });
        } else {
          add('list', tg.rt, { namespace: listNs() });
          add('watch', tg.rt, { namespace: listNs() });
        }
      }
      break;
    }
    case 'delete': {
      const files = fileTargets();
      const targets: { rt: ResourceType; name?: string; namespace?: string }[] = files.length > 0 ? files : builderTargets(p.positionals);
      for (const tg of targets) {
        const namespace = tg.namespace;
        if (tg.name === undefined) {
          if (!selector && !flagBool(p, 'all')) throw new Error('kubectl delete: resource(s) were provided, but no name was specified');
          add('list', tg.rt, { namespace: listNs() });
        }
        add('delete', tg.rt, { name: tg.name, namespace });
        waitForDeletion(tg.rt, tg.name, namespace);
      }
      break;
    }
    case 'exec':
    case 'attach':
    case 'port-forward': {
      const target = flagStr(p, 'pod') ?? p.positionals[0];
      if (!target) throw new Error(`kubectl ${p.command}: a pod is required`);
      const pod = podBehind(target);
      // exec.go: Run (re-)reads the chosen pod before POSTing to its subresource.
      if (pod.name === undefined) add('get', pods);
      const sub = p.command === 'exec' ? 'exec' : p.command === 'attach' ? 'attach' : 'portforward';
      // kubectl 1.30+ opens the stream over WebSocket first (an HTTP GET, authorized as `get`) and falls back to
      // SPDY (a POST, `create`); Kubernetes 1.35 also checks `create` on the WebSocket path. Require both, so a
      // role that works today keeps working when the fallback goes away.
      add('get', pods, { sub, name: pod.name });
      add('create', pods, { sub, name: pod.name });
      break;
    }
    case 'cp': {
      const remote = p.positionals.find((a) => a.includes(':'));
      if (!remote) throw new Error('kubectl cp: one of the paths must be POD:PATH');
      let podRef = remote.slice(0, remote.indexOf(':'));
      let podNs = ns;
      if (podRef.includes('/')) [podNs, podRef] = podRef.split('/', 2) as [string, string];
      add('get', pods, { name: podRef, namespace: podNs });
      add('create', pods, { sub: 'exec', name: podRef, namespace: podNs });
      break;
    }
    case 'scale': {
      const precondition = p.flags.has('current-replicas') || p.flags.has('resource-version');
      for (const tg of objectTargets(p.positionals)) {
        const o = { name: tg.name, namespace: tg.namespace };
        if (tg.name) add('get', tg.rt, o);
        if (precondition) {
          add('get', tg.rt, { ...o, sub: 'scale' });
          add('update', tg.rt, { ...o, sub: 'scale' });
        } else {
          add('patch', tg.rt, { ...o, sub: 'scale' });
        }
      }
      break;
    }
    case 'auth': {
      const sub = p.positionals[0];
      if (sub === 'can-i') {
        add('create', R(flagBool(p, 'list') ? 'selfsubjectrulesreviews' : 'selfsubjectaccessreviews', 'authorization.k8s.io'));
      } else if (sub === 'whoami') {
        add('create', R('selfsubjectreviews', 'authentication.k8s.io'));
      } else {
        throw new Error(`kubectl auth: subcommand "${sub}" is not modelled`);
      }
      break;
    }
    case 'cordon':
    case 'uncordon': {
      const nodes = R('nodes');
      const names = p.positionals;
      if (names.length === 0 && selector) add('list', nodes);
      for (const name of names) {
        add('get', nodes, { name });
        add('patch', nodes, { name });
      }
      break;
    }
    case 'drain': {
      const nodes = R('nodes');
      for (const name of p.positionals) {
        add('get', nodes, { name });
        add('patch', nodes, { name });
        add('list', pods, { namespace: null });
        add('get', R('daemonsets', 'apps'), { namespace: null });
        if (flagBool(p, 'disable-eviction')) add('delete', pods, { namespace: null });
        else add('create', pods, { sub: 'eviction', namespace: null });
        add('get', pods, { namespace: null });
      }
      break;
    }
    case 'taint':
    case 'label':
    case 'annotate':
    case 'edit': {
      // Drop the KEY=VAL / KEY- / KEY=VAL:EFFECT arguments; what remains is the builder's TYPE NAME list.
      const args = p.positionals.filter((a, i) => i === 0 || !(a.includes('=') || a.endsWith('-') || (p.command === 'taint' && a.includes(':'))));
      getThenPatch(args.length > 0 ? args : p.positionals);
      break;
    }
    case 'patch':
      getThenPatch(p.positionals, flagStr(p, 'subresource'));
      break;
    case 'set': {
      // set image|env|resources|selector|serviceaccount|subject TYPE/NAME ...
      const args = p.positionals.slice(1).filter((a) => !a.includes('='));
      getThenPatch(args);
      break;
    }
    case 'apply': {
      const serverSide = flagBool(p, 'server-side');
      const targets = fileTargets();
      if (targets.length === 0) throw new Error('kubectl apply: -f FILE is required');
      for (const tg of targets) {
        if (!serverSide) add('get', tg.rt, { name: tg.name, namespace: tg.namespace });
        add('patch', tg.rt, { name: tg.name, namespace: tg.namespace });
      }
      break;
    }
    case 'replace': {
      const targets = fileTargets();
      if (targets.length === 0) throw new Error('kubectl replace: -f FILE is required');
      for (const tg of targets) {
        if (flagBool(p, 'force')) {
          add('delete', tg.rt, { name: tg.name, namespace: tg.namespace });
          add('create', tg.rt, { namespace: tg.namespace });
        } else {
          add('update', tg.rt, { name: tg.name, namespace: tg.namespace });
        }
      }
      break;
    }
    case 'create': {
      const files = fileTargets();
      if (files.length > 0) {
        for (const tg of files) add('create', tg.rt, { namespace: tg.namespace });
        break;
      }
      const what = (p.positionals[0] ?? '').toLowerCase();
      if (what === 'token') {
        add('create', R('serviceaccounts'), { sub: 'token', name: p.positionals[1] });
        break;
      }
      if (what === 'job' && flagStr(p, 'from')) {
        const from = flagStr(p, 'from')!;
        const slash = from.indexOf('/');
        add('get', resolveResourceType(from.slice(0, slash)), { name: from.slice(slash + 1) });
      }
      // create deployment|job|cronjob|configmap|secret generic|service clusterip|namespace|role|... NAME
      add('create', resolveResourceType(what));
      break;
    }
    case 'run':
      add('create', pods);
      break;
    case 'expose':
      for (const tg of objectTargets(p.positionals)) add('get', tg.rt, { name: tg.name, namespace: tg.namespace });
      add('create', R('services'));
      break;
    case 'autoscale':
      for (const tg of objectTargets(p.positionals)) add('get', tg.rt, { name: tg.name, namespace: tg.namespace });
      add('create', R('horizontalpodautoscalers', 'autoscaling'));
      break;
    case 'events': {
      const events = R('events');
      add('list', events, { namespace: listNs() });
      if (flagBool(p, 'watch')) add('watch', events, { namespace: listNs() });
      break;
    }
    case 'cluster-info':
      add('list', R('services'), { namespace: flagStr(p, 'namespace') ?? 'kube-system' });
      break;
    case 'version':
    case 'api-resources':
    case 'api-versions':
    case 'explain':
    case 'config':
    case 'completion':
    case 'plugin':
      break;
    default:
      throw new Error(`kubectl: command "${p.command}" is not modelled`);
  }

  const dryRun = p.flags.get('dry-run');
  const clientDryRun = dryRun === true || dryRun === 'client';
  const seen = new Set<string>();
  return out.filter((r) => {
    if (clientDryRun && MUTATING.has(r.verb)) return false;
    const key = JSON.stringify([r.verb, r.group, r.resource, r.subresource, r.namespace, r.name, r.optional]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
