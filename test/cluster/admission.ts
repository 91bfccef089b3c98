/**
 * Replays an admission case (test/guardrail-cases.ts) as the real request on the real API server: the stored
 * object is put in place as admin, then the subject makes the change the way kubectl does (a merge patch, a
 * delete, both as server dry runs) or opens exec/attach/port-forward (a CONNECT, through the API with
 * impersonation headers). The answer is the server's: allowed, or denied by whom and with which message.
 */
import { request } from 'node:https';
import { readFileSync } from 'node:fs';
import type { AdmissionRequest } from '../guardrail-cases';
import type { Cluster } from './cluster';

export interface Verdict {
  allowed: boolean;
  /** Who refused: the guardrail policy, RBAC, or something else (the message says what). */
  by?: 'policy' | 'rbac' | 'other';
  message: string;
}

const KINDS: Record<string, { apiVersion: string; kind: string }> = {
  deployments: { apiVersion: 'apps/v1', kind: 'Deployment' },
  statefulsets: { apiVersion: 'apps/v1', kind: 'StatefulSet' },
  daemonsets: { apiVersion: 'apps/v1', kind: 'DaemonSet' },
  replicasets: { apiVersion: 'apps/v1', kind: 'ReplicaSet' },
  pods: { apiVersion: 'v1', kind: 'Pod' },
  jobs: { apiVersion: 'batch/v1', kind: 'Job' },
  cronjobs: { apiVersion: 'batch/v1', kind: 'CronJob' },
};

const CONTAINERS = [{ name: 'app', image: 'registry.example/app:1.0.0' }];

/**
 * The case's object made valid for its resource: the tables write workloads Deployment-shaped; a StatefulSet needs
 * a serviceName and has no strategy, a DaemonSet neither replicas nor strategy; Jobs and CronJobs get a template.
 */
export function storable(resource: string, loose: any): any {
  const o = structuredClone(loose);
  Object.assign(o, KINDS[resource]);
  if (resource === 'statefulsets') {
    o.spec.serviceName = 'web';
    delete o.spec.strategy;
  }
  if (resource === 'daemonsets') {
    delete o.spec.replicas;
    delete o.spec.strategy;
  }
  if (resource === 'jobs') o.spec = { template: { spec: { containers: CONTAINERS, restartPolicy: 'Never' } } };
  if (resource === 'cronjobs') o.spec = { schedule: '0 3 * * *', jobTemplate: { spec: { template: { spec: { containers: CONTAINERS, restartPolicy: 'Never' } } } }, ...o.spec };
  return o;
}

/**
 * A patch that turns `from` into `to`: removed keys become null, changed values are set; sent as a strategic merge
 * patch (what kubectl patch sends), so lists with a merge key (containers, env) merge by name.
 */
export function mergePatch(from: any, to: any): any {
  const patch: Record<string, unknown> = {};
  for (const key of new Set([...Object.keys(from ?? {}), ...Object.keys(to ?? {})])) {
    const [a, b] = [from?.[key], to?.[key]];
    if (b === undefined) patch[key] = null;
    else if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
      const inner = mergePatch(a, b);
      if (Object.keys(inner).length) patch[key] = inner;
    } else if (JSON.stringify(a) !== JSON.stringify(b)) patch[key] = b;
  }
  return patch;
}

function verdict(status: number, text: string): Verdict {
  if (status === 0) return { allowed: true, message: text };
  if (/ValidatingAdmissionPolicy '[^']+' with binding '[^']+' denied request/.test(text)) return { allowed: false, by: 'policy', message: text };
  if (/cannot [\w-]+ resource "/.test(text)) return { allowed: false, by: 'rbac', message: text };
  return { allowed: false, by: 'other', message: text };
}

/** The user to impersonate, or undefined for the suite's admin (the tables' human "roger" stands for a cluster admin). */
const subject = (r: AdmissionRequest) => (r.userInfo.username.startsWith('system:') ? r.userInfo.username : undefined);

/** UPDATE or DELETE: store the old object as admin, then make the change as the subject, as a server dry run. */
export function replayWrite(cluster: Cluster, r: AdmissionRequest): Verdict {
  const old = storable(r.resource.resource, r.oldObject);
  const stored = cluster.kubectl(['apply', '--server-side', '--force-conflicts', '--field-manager=fixture', '-f', '-'], { input: JSON.stringify(old) });
  if (stored.status !== 0) throw new Error(`storing the old object failed: ${stored.stderr}`);
  const target = [`${r.resource.resource}/${old.metadata.name}`, '-n', r.namespace];
  const run =
    r.operation === 'DELETE'
      ? cluster.kubectl(['delete', ...target, '--dry-run=server'], { as: subject(r) })
      : cluster.kubectl(['patch', ...target, '--type=strategic', '-p', JSON.stringify(mergePatch(old, storable(r.resource.resource, r.object))), '--dry-run=server'], { as: subject(r) });
  return verdict(run.status, run.stderr.trim());
}

/**
 * CONNECT: POST the pods/<subresource> URL with the options as query parameters, impersonating the subject.
 * The pod exists but is bound to no node: a request admission lets through ends in "does not have a host
 * assigned" before the server would dial a kubelet.
 */
export function replayConnect(cluster: Cluster, r: AdmissionRequest, pod: string): Promise<Verdict> {
  const o = r.object ?? {};
  const query = new URLSearchParams();
  for (const c of o.command ?? []) query.append('command', c);
  for (const flag of ['stdin', 'stdout', 'stderr', 'tty']) if (o[flag]) query.set(flag, 'true');
  if (o.container) query.set('container', o.container);
  for (const p of o.ports ?? []) query.append('ports', String(p));
  const path = `/api/v1/namespaces/${r.namespace}/pods/${pod}/${r.subResource}?${query}`;
  const user = subject(r);
  const { access } = cluster;
  return new Promise((done, fail) => {
    const req = request(
      `${access.server}${path}`,
      {
        method: 'POST',
        ca: readFileSync(access.ca),
        cert: readFileSync(access.cert),
        key: readFileSync(access.key),
        headers: user ? { 'Impersonate-User': user } : {},
        timeout: 15_000,
      },
      (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => {
          let message = body;
          try {
            message = JSON.parse(body).message ?? body;
          } catch {
            // not a Status object
          }
          // Past admission, the server looks for the pod's node and finds none: the request was allowed.
          done(/does not have a host assigned/.test(message) ? { allowed: true, message } : verdict(res.statusCode ?? -1, message));
        });
      },
    );
    req.on('error', fail);
    req.on('timeout', () => req.destroy(new Error(`CONNECT ${path} timed out`)));
    req.end();
  });
}
