/**
 * Polaris 10.2, offline: the real check definitions (vendored in ./polaris, see its README) evaluated against
 * rendered objects by a TypeScript port of Polaris' schema-check engine (FairwindsOps/polaris v10.2.0,
 * pkg/validator/schema.go, pkg/config/schema.go, pkg/config/exemptions.go, pkg/kube/resource(s).go).
 *
 * What is reproduced:
 *  - Resource model: an object is a controller when a pod spec is reachable through spec / template / jobTemplate
 *    (kube.GetPodSpec): Pod (spec), Deployment/StatefulSet/DaemonSet/ReplicaSet/Job (spec.template.spec),
 *    CronJob (spec.jobTemplate.spec.template.spec). Its "pod template" is the object holding that spec
 *    (the whole Pod for Pods).
 *  - Targets: `Controller` (the whole controller object; controllers.include/exclude by kind), `PodSpec`,
 *    `PodTemplate` (evaluated with the PodSpec pass), `Container` (each init container, then each container;
 *    containers.include/exclude), and any other target "group/Kind" is matched against non-controller AND
 *    controller objects by Kind suffix only (`strings.HasSuffix(target, "/"+kind)`, the group is not compared).
 *    `schemaTarget: PodSpec` on a Container check validates a copy of the pod spec holding only that container
 *    and reports it per container.
 *  - Templates: every schema string (schemaString, `schema` marshalled to JSON, additionalSchemaStrings,
 *    additionalSchemas) is executed as a Go text/template (./go-template.ts) on the resource object, to which
 *    Polaris adds `.Polaris.PodSpec`, `.Polaris.PodTemplate` and (Container target) `.Polaris.Container`.
 *    A string that renders to whitespace is dropped (an empty main schema passes).
 *  - additionalSchemaStrings (cross-resource checks): evaluated only while the check still passes; for each
 *    "group/Kind" key, the objects of that group/Kind whose namespace is "" or the resource's namespace are
 *    collected and the check passes iff at least one validates (none -> fails).
 *    E.g. missingNetworkPolicy: a NetworkPolicy whose podSelector.matchLabels matches exactly ONE of the pod
 *    template's labels (`oneOf` over the labels, a Polaris quirk) and which has ingress and egress rules;
 *    automountServiceAccountToken: unless the pod spec sets automountServiceAccountToken: false, a ServiceAccount
 *    named like spec.serviceAccountName ("<no value>" when unset) with automountServiceAccountToken: false;
 *    clusterrolebindingPodExecAttach / rolebinding*PodExecAttach / *ClusterAdmin*: the referenced (Cluster)Role
 *    must exist and grant no pods/exec|attach (resp. no wildcard) rules. The main schema of linuxHardening is
 *    templated on the pod spec and pod template: a container passes with the AppArmor annotation
 *    `container.apparmor.security.beta.kubernetes.io/<container>` on the pod template, or a seccomp profile other
 *    than Unconfined (pod-level, not overridden to Unconfined, or its own), or non-empty seLinuxOptions (pod or
 *    container), or a non-empty capabilities.drop without adding ALL. Quirks kept: templates that render only
 *    `type: object` (e.g. clusterrolebindingPodExecAttach for a binding to "view", rolebindingClusterAdminRole for a
 *    RoleBinding to a ClusterRole) still require at least one object of that kind in scope.
 *  - JSON Schema 2019-09 via ajv, with Go's `(?i)` regexp flag translated (goRegExp) and the qri-io/jsonschema
 *    leniencies Polaris relies on (`required:` / `anyOf:` / `oneOf:` rendered as null, `$schema` ignored).
 *  - Severities from default.yaml; severity "ignore" skips a check. Exemptions: the object annotations
 *    `polaris.fairwinds.com/exempt: "true"` and `polaris.fairwinds.com/<checkId>-exempt: "true"`, and the
 *    exemptions of default.yaml (namespace / controllerNames prefixes / rules), as in Polaris' default config.
 *    Polaris omits exempted checks from its output; here they are reported with `exempt: true, passed: true`.
 *
 * Checked against Polaris itself: run out of tree over the success and failure fixtures of Polaris v10.2.0's own
 * test suite (test/checks/<checkId>/, with test/schema_test.go's rules: only that check, no config exemptions),
 * this engine gives the expected outcome for all 280 fixtures of the 43 schema-based checks, the three templated
 * default-skipped ones included (the fixtures are not vendored here).
 *
 * Approximations (documented, not faithful):
 *  - Polaris validates pod specs and containers after a typed round trip through corev1 (json.Marshal of
 *    corev1.PodSpec): unknown fields vanish and omitempty zero values are dropped. We approximate it
 *    (normalizePodSpec): unknown fields of the (pod and container) security contexts and their parts, resources,
 *    env vars and ports are dropped (other unknown fields are kept: no check reads them), as are nulls, empty
 *    strings (except names), empty lists (except containers), env values "", hostPort 0 and false
 *    hostNetwork/hostPID/hostIPC; numeric resource quantities become strings.
 *  - Numbers print in templates as Go ints when integral (see go-template.ts).
 *  - Skipped checks (SKIPPED_CHECKS), each with its reason; name them in `only` (or pass `skip: []`) to run the
 *    templated ones anyway.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import Ajv2019 from 'ajv/dist/2019';
import type { ValidateFunction } from 'ajv';
import { renderGoTemplate } from './go-template';
import { apiGroupOf, isRecord, type KubeObject } from './kube';

export type { KubeObject } from './kube';

export type Severity = 'danger' | 'warning' | 'ignore';

export interface PolarisResult {
  checkId: string;
  severity: Severity;
  category: string;
  kind: string;
  namespace: string;
  name: string;
  container?: string;
  passed: boolean;
  exempt: boolean;
  message: string;
}

export interface PolarisOptions {
  /** Namespace for namespaced objects that carry none (Polaris itself would use ""). */
  defaultNamespace?: string;
  /** Apply default.yaml's exemptions (default true, as Polaris does with its default config). */
  configExemptions?: boolean;
  /** Honour polaris.fairwinds.com/*exempt annotations (default true). */
  annotationExemptions?: boolean;
  /** Checks not to run (default: the keys of SKIPPED_CHECKS, unless `only` is given). */
  skip?: string[];
  /** Run only these checks (pdbMinAvailableGreaterThanHPAMinReplicas can never run: it has no schema). */
  only?: string[];
}

export const POLARIS_DIR = path.join(__dirname, 'polaris');

/** Checks not run by default, and why. */
export const SKIPPED_CHECKS: Record<string, string> = {
  pdbMinAvailableGreaterThanHPAMinReplicas:
    'has no schema: Polaris implements it in Go (pkg/validator/pdb_hpa_validator.go, validatorMapper); not ported. ' +
    'It cannot be enabled.',
  hpaMaxAvailability: 'HorizontalPodAutoscaler check; the platform renders no HPA. Out of scope (runs if enabled).',
};

// ---- check definitions ----

interface IncludeExclude {
  include?: string[];
  exclude?: string[];
}

export interface CheckDefinition {
  id: string;
  category: string;
  successMessage: string;
  failureMessage: string;
  target: string;
  schemaTarget: string;
  controllers: IncludeExclude;
  containers: IncludeExclude;
  /** The schema as a (template) string: schemaString, or `schema` marshalled to JSON. */
  schemaString: string;
  /** group/Kind -> schema (template) string. */
  additionalSchemaStrings: Record<string, string>;
}

/** Parse YAML the way sigs.k8s.io/yaml does (YAML 1.1 scalars: yes/no/on/off are booleans). */
function parseYaml11(text: string): unknown {
  return parse(text, { version: '1.1' });
}

/** encoding/json matches struct fields case-insensitively (linuxHardening spells `FailureMessage`). */
function field(obj: Record<string, unknown>, name: string): unknown {
  if (name in obj) return obj[name];
  const key = Object.keys(obj).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : obj[key];
}

let checksCache: CheckDefinition[] | undefined;

/** All check definitions of ./polaris/checks, initialized like SchemaCheck.Initialize. */
export function loadChecks(): CheckDefinition[] {
  if (checksCache) return checksCache;
  const dir = path.join(POLARIS_DIR, 'checks');
  checksCache = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((file) => {
      const raw = parseYaml11(fs.readFileSync(path.join(dir, file), 'utf8'));
      if (!isRecord(raw)) throw new Error(`polaris: ${file} is not a mapping`);
      const str = (n: string) => {
        const v = field(raw, n);
        return typeof v === 'string' ? v : '';
      };
      const schema = field(raw, 'schema');
      let schemaString = str('schemaString');
      if (schemaString === '') schemaString = JSON.stringify(schema ?? null);
      const additional: Record<string, string> = {};
      const addStrings = field(raw, 'additionalSchemaStrings');
      if (isRecord(addStrings)) for (const [k, v] of Object.entries(addStrings)) additional[k] = String(v);
      const addSchemas = field(raw, 'additionalSchemas');
      if (isRecord(addSchemas)) for (const [k, v] of Object.entries(addSchemas)) additional[k] = JSON.stringify(v);
      const ie = (n: string): IncludeExclude => {
        const v = field(raw, n);
        return isRecord(v) ? { include: v.include as string[] | undefined, exclude: v.exclude as string[] | undefined } : {};
      };
      return {
        id: file.replace(/\.yaml$/, ''),
        category: str('category'),
        successMessage: str('successMessage'),
        failureMessage: str('failureMessage'),
        target: str('target'),
        schemaTarget: str('schemaTarget'),
        controllers: ie('controllers'),
        containers: ie('containers'),
        schemaString,
        additionalSchemaStrings: additional,
      };
    });
  return checksCache;
}

interface Exemption {
  namespace?: string;
  controllerNames?: string[];
  containerNames?: string[];
  rules?: string[];
}

interface PolarisConfig {
  checks: Record<string, Severity>;
  exemptions: Exemption[];
}

let configCache: PolarisConfig | undefined;

export function loadConfig(): PolarisConfig {
  if (configCache) return configCache;
  const raw = parseYaml11(fs.readFileSync(path.join(POLARIS_DIR, 'default.yaml'), 'utf8'));
  if (!isRecord(raw) || !isRecord(raw.checks)) throw new Error('polaris: default.yaml has no checks');
  configCache = { checks: raw.checks as Record<string, Severity>, exemptions: (raw.exemptions as Exemption[] | undefined) ?? [] };
  return configCache;
}

// ---- regular expressions: Go RE2 flags ----

/**
 * ajv RegExp engine for Go patterns: Go accepts inline flags such as `(?i)`; JavaScript does not. A `(?i)` at the
 * start of the pattern or right after a leading `^` (both spellings occur in the checks) applies to the whole
 * expression, so it is removed and the `i` flag added. Other inline flag groups are refused rather than guessed.
 */
export const goRegExp = Object.assign(
  (pattern: string, flags: string): RegExp => {
    const m = /^(\^?)\(\?i\)/.exec(pattern);
    let source = pattern;
    let f = flags;
    if (m) {
      source = m[1] + pattern.slice(m[0].length);
      if (!f.includes('i')) f += 'i';
    }
    if (/\(\?[a-zA-Z]/.test(source)) throw new Error(`polaris: unsupported Go regexp flags in ${pattern}`);
    return new RegExp(source, f);
  },
  { code: 'goRegExp' },
);

// ---- JSON Schema (qri-io/jsonschema leniencies -> ajv) ----

const ajv = new Ajv2019({
  strict: false,
  validateSchema: false,
  allErrors: false,
  code: { regExp: goRegExp },
});

const SCHEMA_MAPS = ['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas'];
const SCHEMA_SINGLE = ['items', 'additionalItems', 'additionalProperties', 'propertyNames', 'contains', 'not', 'if', 'then', 'else', 'unevaluatedItems', 'unevaluatedProperties'];
const SCHEMA_ARRAYS = ['allOf', 'anyOf', 'oneOf'];

/**
 * qri-io/jsonschema (used by Polaris) unmarshals a null keyword into an empty value: `required: null` requires
 * nothing, `allOf: null` is vacuous, `anyOf: null` / `oneOf: null` never match. ajv rejects such schemas, so they
 * are rewritten with the same meaning. `$schema` is dropped (the dialect is always 2019-09).
 */
function toAjvSchema(s: unknown, top = true): unknown {
  if (!isRecord(s)) return s;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s)) {
    if (top && k === '$schema') continue;
    if (SCHEMA_ARRAYS.includes(k)) {
      if (v === null || (Array.isArray(v) && v.length === 0)) {
        if (k !== 'allOf') out[k] = [false];
      } else if (Array.isArray(v)) {
        out[k] = v.map((x) => toAjvSchema(x, false));
      } else out[k] = v;
    } else if (k === 'required' || k === 'enum' || k === 'type') {
      if (v !== null) out[k] = v;
    } else if (SCHEMA_MAPS.includes(k)) {
      if (isRecord(v)) out[k] = Object.fromEntries(Object.entries(v).map(([pk, pv]) => [pk, toAjvSchema(pv, false)]));
      else if (v !== null) out[k] = v;
    } else if (SCHEMA_SINGLE.includes(k)) {
      if (Array.isArray(v)) out[k] = v.map((x) => toAjvSchema(x, false));
      else if (v !== null) out[k] = toAjvSchema(v, false);
    } else {
      out[k] = v;
    }
  }
  return out;
}

const validators = new Map<string, ValidateFunction | null>();

/** Compile a rendered schema string; null for an empty one (which passes everything). */
function compile(schemaText: string): ValidateFunction | null {
  let v = validators.get(schemaText);
  if (v !== undefined) return v;
  const parsed = parseYaml11(schemaText);
  v = parsed === null || parsed === undefined ? null : ajv.compile(toAjvSchema(parsed) as object);
  validators.set(schemaText, v);
  return v;
}

function validate(schemaText: string, data: unknown): boolean {
  const v = compile(schemaText);
  return v === null ? true : (v(data) as boolean);
}

// ---- resources ----

const CLUSTER_SCOPED = new Set([
  'Namespace', 'Node', 'PersistentVolume', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'StorageClass',
  'PriorityClass', 'IngressClass', 'CertificateSigningRequest', 'MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration',
  'APIService', 'ClusterIssuer', 'VolumeAttachment', 'CSIDriver', 'CSINode', 'RuntimeClass',
]);

interface Resource {
  obj: KubeObject;
  kind: string;
  groupKind: string;
  namespace: string;
  name: string;
  annotations: Record<string, string>;
  /** Normalized (typed round-trip approximation) pod spec, for controllers. */
  podSpec?: Record<string, unknown>;
  podTemplate?: Record<string, unknown>;
}

const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

/** kube.GetPodSpec: follow jobTemplate / spec / template (first present wins) to the map holding `containers`. */
function getPodSpec(m: Record<string, unknown>): Record<string, unknown> | undefined {
  for (const child of ['jobTemplate', 'spec', 'template']) {
    if (child in m) return isRecord(m[child]) ? getPodSpec(m[child]) : undefined;
  }
  return 'containers' in m ? m : undefined;
}

/** kube.GetPodTemplate: the map whose `spec` holds `containers`. */
function getPodTemplate(m: Record<string, unknown>): Record<string, unknown> | undefined {
  if (isRecord(m.spec) && 'containers' in m.spec) return m;
  for (const child of ['jobTemplate', 'spec', 'template']) {
    if (child in m) return isRecord(m[child]) ? getPodTemplate(m[child]) : undefined;
  }
  return undefined;
}

const KEEP_EMPTY_STRING = new Set(['name', 'mountPath']);

/** Approximation of json.Marshal(corev1.PodSpec) after json.Unmarshal: drop nulls and omitempty zero values. */
function normalizeTyped(v: unknown, key = ''): unknown {
  if (Array.isArray(v)) return v.map((x) => normalizeTyped(x));
  if (!isRecord(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, raw] of Object.entries(v)) {
    if (raw === null || raw === undefined) continue;
    if (raw === '' && !KEEP_EMPTY_STRING.has(k)) continue;
    if (Array.isArray(raw) && raw.length === 0 && k !== 'containers') continue;
    if ((k === 'requests' || k === 'limits') && key === 'resources' && isRecord(raw)) {
      out[k] = Object.fromEntries(Object.entries(raw).map(([rk, rv]) => [rk, typeof rv === 'number' ? String(rv) : rv]));
      continue;
    }
    out[k] = normalizeTyped(raw, k);
  }
  return out;
}

/** Fields of the corev1 types whose unknown keys would otherwise change a check's outcome (k8s.io/api v0.35). */
const TYPED_FIELDS = {
  PodSecurityContext: ['seLinuxOptions', 'windowsOptions', 'runAsUser', 'runAsGroup', 'runAsNonRoot', 'supplementalGroups',
    'supplementalGroupsPolicy', 'fsGroup', 'sysctls', 'fsGroupChangePolicy', 'seccompProfile', 'appArmorProfile', 'seLinuxChangePolicy'],
  SecurityContext: ['capabilities', 'privileged', 'seLinuxOptions', 'windowsOptions', 'runAsUser', 'runAsGroup', 'runAsNonRoot',
    'readOnlyRootFilesystem', 'allowPrivilegeEscalation', 'procMount', 'seccompProfile', 'appArmorProfile'],
  Capabilities: ['add', 'drop'],
  SeccompProfile: ['type', 'localhostProfile'],
  SELinuxOptions: ['user', 'role', 'type', 'level'],
  WindowsSecurityContextOptions: ['gmsaCredentialSpecName', 'gmsaCredentialSpec', 'runAsUserName', 'hostProcess'],
  ResourceRequirements: ['limits', 'requests', 'claims'],
  EnvVar: ['name', 'value', 'valueFrom'],
  ContainerPort: ['name', 'hostPort', 'containerPort', 'protocol', 'hostIP'],
};

function pick(v: unknown, fields: string[]): unknown {
  if (!isRecord(v)) return v;
  return Object.fromEntries(Object.entries(v).filter(([k]) => fields.includes(k)));
}

function typedSecurityContext(sc: unknown, fields: string[]): unknown {
  const out = pick(sc, fields);
  if (!isRecord(out)) return out;
  if ('capabilities' in out) out.capabilities = pick(out.capabilities, TYPED_FIELDS.Capabilities);
  if ('seccompProfile' in out) out.seccompProfile = pick(out.seccompProfile, TYPED_FIELDS.SeccompProfile);
  if ('seLinuxOptions' in out) out.seLinuxOptions = pick(out.seLinuxOptions, TYPED_FIELDS.SELinuxOptions);
  if ('windowsOptions' in out) out.windowsOptions = pick(out.windowsOptions, TYPED_FIELDS.WindowsSecurityContextOptions);
  return out;
}

/**
 * Approximation of Polaris' typed round trip (json.Unmarshal into corev1.PodSpec, then json.Marshal): unknown
 * fields of the security contexts (and their parts), resources, env vars and ports vanish (e.g. a pod-level
 * `allowPrivilegeEscalation` or `privileged`, which only exist on containers), nulls and omitempty zero values are
 * dropped, numeric resource quantities become strings.
 */
export function normalizePodSpec(spec: Record<string, unknown>): Record<string, unknown> {
  const s = clone(spec);
  if ('securityContext' in s) s.securityContext = typedSecurityContext(s.securityContext, TYPED_FIELDS.PodSecurityContext);
  for (const list of ['containers', 'initContainers', 'ephemeralContainers']) {
    for (const c of (s[list] as unknown[] | undefined) ?? []) {
      if (!isRecord(c)) continue;
      if ('securityContext' in c) c.securityContext = typedSecurityContext(c.securityContext, TYPED_FIELDS.SecurityContext);
      if ('resources' in c) c.resources = pick(c.resources, TYPED_FIELDS.ResourceRequirements);
      if (Array.isArray(c.env)) c.env = c.env.map((e) => pick(e, TYPED_FIELDS.EnvVar));
      if (Array.isArray(c.ports)) c.ports = c.ports.map((p) => pick(p, TYPED_FIELDS.ContainerPort));
    }
  }
  const n = normalizeTyped(s) as Record<string, unknown>;
  for (const flag of ['hostNetwork', 'hostPID', 'hostIPC']) if (n[flag] === false) delete n[flag];
  for (const list of ['containers', 'initContainers', 'ephemeralContainers']) {
    for (const c of (n[list] as Record<string, unknown>[] | undefined) ?? []) {
      for (const e of (c.env as Record<string, unknown>[] | undefined) ?? []) if (e.value === '') delete e.value;
      for (const p of (c.ports as Record<string, unknown>[] | undefined) ?? []) {
        if (p.hostPort === 0) delete p.hostPort;
        if (p.containerPort === undefined) p.containerPort = 0;
      }
      for (const flag of ['stdin', 'stdinOnce', 'tty']) if (c[flag] === false) delete c[flag];
    }
  }
  if (!Array.isArray(n.containers)) n.containers = null;
  return n;
}

function toResources(objects: KubeObject[], options: PolarisOptions): Resource[] {
  const flat = objects.flatMap((o) => (isRecord(o) && o.kind === 'List' && Array.isArray(o.items) ? (o.items as KubeObject[]) : [o]));
  return flat
    .filter((o) => isRecord(o) && typeof o.kind === 'string')
    .map((o0) => {
      const obj = clone(o0);
      // NewGenericResourceFromUnstructured: without creationTimestamp, drop it and status.
      if (isRecord(obj.metadata) && !obj.metadata.creationTimestamp) {
        delete obj.metadata.creationTimestamp;
        delete obj.status;
      }
      if (options.defaultNamespace && !obj.metadata?.namespace && !CLUSTER_SCOPED.has(obj.kind!)) {
        obj.metadata = { ...obj.metadata, namespace: options.defaultNamespace };
      }
      const group = apiGroupOf(obj);
      const kind = obj.kind!;
      const res: Resource = {
        obj,
        kind,
        groupKind: group ? `${group}/${kind}` : kind,
        namespace: obj.metadata?.namespace ?? '',
        name: obj.metadata?.name ?? '',
        annotations: obj.metadata?.annotations ?? {},
      };
      const spec = getPodSpec(obj);
      if (spec) {
        res.podSpec = normalizePodSpec(spec);
        const tmpl = getPodTemplate(obj);
        if (tmpl) res.podTemplate = kind === 'Pod' ? { ...clone(tmpl), spec: res.podSpec } : clone(tmpl);
      }
      return res;
    });
}

// ---- applicability and exemptions ----

const HANDLED_TARGETS = ['Controller', 'Container', 'PodSpec', 'PodTemplate'];

/** SchemaCheck.IsActionable. */
function isActionable(check: CheckDefinition, target: string, kind: string, isInit: boolean): boolean {
  if (HANDLED_TARGETS.includes(target)) {
    if (check.target === 'PodTemplate' && target === 'PodSpec') return true;
    if (check.target !== target) return false;
  } else if (check.target !== kind && !check.target.endsWith(`/${kind}`)) {
    return false;
  }
  const inc = check.controllers.include ?? [];
  if (inc.length > 0 && !inc.includes(kind)) return false;
  if ((check.controllers.exclude ?? []).includes(kind)) return false;
  if (check.target === 'Container') {
    const cinc = check.containers.include ?? [];
    if (cinc.length > 0 && !cinc.some((x) => (x === 'initContainer' && isInit) || (x === 'container' && !isInit))) return false;
    if ((check.containers.exclude ?? []).some((x) => (x === 'initContainer' && isInit) || (x === 'container' && !isInit))) return false;
  }
  return true;
}

/** hasExemptionAnnotation. */
function annotationExempt(res: Resource, checkId: string): boolean {
  const a = res.annotations;
  return (a['polaris.fairwinds.com/exempt'] ?? '').toLowerCase() === 'true' || (a[`polaris.fairwinds.com/${checkId}-exempt`] ?? '').toLowerCase() === 'true';
}

/** Configuration.IsActionable's exemption loop (default.yaml exemptions; names match by prefix). */
function configExempt(config: PolarisConfig, checkId: string, res: Resource, containerName: string): boolean {
  const matched = (arr: string[] | undefined, s: string) => !arr || arr.length === 0 || arr.some((p) => s.startsWith(p));
  for (const ex of config.exemptions) {
    if (ex.namespace && ex.namespace !== res.namespace) continue;
    const rules = ex.rules ?? [];
    if (rules.length === 0 || rules.includes(checkId)) {
      if (!matched(ex.controllerNames, res.name)) continue;
      if (matched(ex.containerNames, containerName)) return true;
    }
  }
  return false;
}

// ---- running ----

interface TestCase {
  target: string; // '' for kind-targeted checks
  res: Resource;
  container?: Record<string, unknown>;
  isInit: boolean;
}

function templateInput(tc: TestCase): Record<string, unknown> {
  const input: Record<string, unknown> = { ...tc.res.obj };
  if (tc.target === 'PodSpec' || tc.target === 'Container') {
    const polaris: Record<string, unknown> = { PodSpec: tc.res.podSpec };
    if (tc.res.podTemplate) polaris.PodTemplate = tc.res.podTemplate;
    if (tc.target === 'Container') polaris.Container = tc.container;
    input.Polaris = polaris;
  }
  return input;
}

function runCheck(
  check: CheckDefinition,
  tc: TestCase,
  all: Resource[],
  config: PolarisConfig,
  options: PolarisOptions,
): PolarisResult | undefined {
  const containerName = (tc.container?.name as string | undefined) ?? '';
  if (!isActionable(check, tc.target, tc.res.kind, tc.isInit)) return undefined;
  const severity = config.checks[check.id]!;
  const base = {
    checkId: check.id,
    severity,
    category: check.category,
    kind: tc.res.kind,
    namespace: tc.res.namespace,
    name: tc.res.name,
    ...(tc.target === 'Container' ? { container: containerName } : {}),
  };
  if (options.annotationExemptions !== false && annotationExempt(tc.res, check.id)) {
    return { ...base, passed: true, exempt: true, message: `exempt by annotation on ${tc.res.kind} ${tc.res.name}` };
  }
  if (options.configExemptions !== false && configExempt(config, check.id, tc.res, containerName)) {
    return { ...base, passed: true, exempt: true, message: 'exempt by the exemptions of Polaris default.yaml' };
  }

  // TemplateForResource
  const input = templateInput(tc);
  const render = (s: string) => (s.includes('{{') ? renderGoTemplate(s, input) : s);
  const main = render(check.schemaString);
  const additional: [string, string][] = [];
  for (const [gk, s] of Object.entries(check.additionalSchemaStrings)) {
    const r = render(s);
    if (r.trim() !== '') additional.push([gk, r]);
  }
  const mainText = main.trim() === '' ? '' : main;

  let passes: boolean;
  const spec = tc.res.podSpec;
  if (check.schemaTarget) {
    if (check.schemaTarget !== 'PodSpec' || check.target !== 'Container') {
      throw new Error(`polaris: unknown combination of target (${check.target}) and schema target (${check.schemaTarget})`);
    }
    const podCopy: Record<string, unknown> = { ...spec, containers: [tc.container] };
    delete podCopy.initContainers;
    passes = validate(mainText, podCopy);
  } else if (check.target === 'PodSpec') {
    passes = validate(mainText, spec);
  } else if (check.target === 'PodTemplate') {
    passes = validate(mainText, tc.res.podTemplate ?? null);
  } else if (check.target === 'Container') {
    passes = validate(mainText, tc.container);
  } else {
    passes = validate(mainText, tc.res.obj);
  }

  for (const [gk, text] of additional) {
    if (!passes) break;
    const namespace = tc.res.kind === 'Namespace' ? tc.res.name : tc.res.namespace;
    const candidates = all.filter((r) => r.groupKind === gk && (r.namespace === '' || r.namespace === namespace));
    passes = candidates.some((r) => validate(text, r.obj));
  }
  return { ...base, passed: passes, exempt: false, message: passes ? check.successMessage : check.failureMessage };
}

/** Run the Polaris checks over `objects`, as `polaris audit` on their YAML would (plus exempt results). */
export function runPolaris(objects: KubeObject[], options: PolarisOptions = {}): PolarisResult[] {
  const config = loadConfig();
  // Default skips apply unless the caller names the checks to run (`only`) or the skips (`skip`).
  const skip = new Set(options.skip ?? (options.only ? [] : Object.keys(SKIPPED_CHECKS)));
  skip.add('pdbMinAvailableGreaterThanHPAMinReplicas');
  const checks = loadChecks()
    .filter((c) => c.id in config.checks && config.checks[c.id] !== 'ignore')
    .filter((c) => !skip.has(c.id) && (!options.only || options.only.includes(c.id)))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const resources = toResources(objects, options);
  const results: PolarisResult[] = [];
  const runAll = (tc: TestCase) => {
    for (const check of checks) {
      const r = runCheck(check, tc, resources, config, options);
      if (r) results.push(r);
    }
  };
  for (const res of resources) {
    if (!res.podSpec) {
      runAll({ target: '', res, isInit: false });
      continue;
    }
    runAll({ target: 'Controller', res, isInit: false });
    runAll({ target: '', res, isInit: false });
    runAll({ target: 'PodSpec', res, isInit: false });
    for (const c of (res.podSpec.initContainers as Record<string, unknown>[] | undefined) ?? []) runAll({ target: 'Container', res, container: c, isInit: true });
    for (const c of (res.podSpec.containers as Record<string, unknown>[] | null) ?? []) runAll({ target: 'Container', res, container: c, isInit: false });
  }
  return results;
}

/** The failed, non-exempt results, as "severity checkId Kind/ns/name[container]: message" lines (for assertions). */
export function polarisFailures(results: PolarisResult[], severities: Severity[] = ['danger', 'warning']): string[] {
  return results
    .filter((r) => !r.passed && !r.exempt && severities.includes(r.severity))
    .map((r) => `${r.severity} ${r.checkId} ${r.kind}/${r.namespace}/${r.name}${r.container ? `[${r.container}]` : ''}: ${r.message}`);
}
