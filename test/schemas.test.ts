// Every object synth writes, in both security modes and both credential modes, validates against the Kubernetes
// 1.33 schemas (kubernetes-models 4.5: the last release whose engines fit Node 20), the ArgoCD Application schema and the SealedSecret schema.
import { describe, expect, it } from 'vitest';
import * as apps from 'kubernetes-models/apps/v1';
import * as batch from 'kubernetes-models/batch/v1';
import * as core from 'kubernetes-models/v1';
import * as networking from 'kubernetes-models/networking.k8s.io/v1';
import * as rbac from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import * as admission from 'kubernetes-models/admissionregistration.k8s.io/v1';
import { Application } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1';
import { SealedSecret } from '@kubernetes-models/sealed-secrets/bitnami.com/v1alpha1';
import { objects, type KubeObject } from './helpers';
import { fakeSealedFile } from './sealed-fixture';

const MODELS: Record<string, new (data: any) => { validate(): void }> = {
  'v1/Namespace': core.Namespace,
  'v1/ServiceAccount': core.ServiceAccount,
  'v1/PersistentVolumeClaim': core.PersistentVolumeClaim,
  'v1/ConfigMap': core.ConfigMap,
  'v1/Service': core.Service,
  'apps/v1/Deployment': apps.Deployment,
  'batch/v1/Job': batch.Job,
  'networking.k8s.io/v1/Ingress': networking.Ingress,
  'networking.k8s.io/v1/NetworkPolicy': networking.NetworkPolicy,
  'rbac.authorization.k8s.io/v1/ClusterRole': rbac.ClusterRole,
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': rbac.ClusterRoleBinding,
  'rbac.authorization.k8s.io/v1/Role': rbac.Role,
  'rbac.authorization.k8s.io/v1/RoleBinding': rbac.RoleBinding,
  'admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy': admission.ValidatingAdmissionPolicy,
  'admissionregistration.k8s.io/v1/ValidatingAdmissionPolicyBinding': admission.ValidatingAdmissionPolicyBinding,
  'argoproj.io/v1alpha1/Application': Application,
  'bitnami.com/v1alpha1/SealedSecret': SealedSecret,
};

const VARIANTS: Array<[string, KubeObject[]]> = [
  ['root, external credentials', objects()],
  ['non-root, no exec, no secrets', objects({ securityMode: 'non-root', permissions: { podExec: false, readSecrets: false } })],
  ['sealed credentials', objects({ credentials: { mode: 'sealed' } }, { sealed: fakeSealedFile() })],
  ['any exec, Secrets in listed namespaces', objects({ permissions: { podExec: true, readSecrets: ['apps', 'media'] } })],
  ['Secrets everywhere', objects({ permissions: { readSecrets: true } })],
];

describe.each(VARIANTS)('schema validation (%s)', (_name, objs) => {
  it.each(objs.map((o) => [`${o.kind}/${o.metadata.name}`, o] as const))('%s is valid', (_id, o) => {
    const Model = MODELS[`${o.apiVersion}/${o.kind}`];
    expect(Model, `no schema for ${o.apiVersion}/${o.kind}`).toBeDefined();
    expect(() => new Model(o).validate()).not.toThrow();
  });
});

describe('the validator catches mistakes (it can fail)', () => {
  it('rejects a Deployment with a string replica count', () => {
    const d = structuredClone(objects().find((o) => o.kind === 'Deployment')) as KubeObject;
    d.spec.replicas = 'one';
    expect(() => new apps.Deployment(d).validate()).toThrow(/replicas/);
  });
});
