/**
 * Starts a real control plane on loopback, envtest style: one etcd, then kube-apiserver with RBAC authorization,
 * the default admission plugins (PodSecurity and ValidatingAdmissionPolicy among them), and a CA, serving cert and
 * admin client cert of its own. Nothing listens beyond 127.0.0.1; every process is recorded by PID in the run
 * folder so that teardown, or a signal, stops exactly what was started.
 *
 * kube-controller-manager runs only the controllers a test asks for (the admission policies' status); no scheduler or
 * kubelet, and no other controller: pods never run, Deployments make no ReplicaSets, namespaces
 * never finish deleting, and there are no default ServiceAccounts. Tests create what they need.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { join } from 'node:path';

export interface ClusterAccess {
  /** https://127.0.0.1:PORT */
  server: string;
  kubeconfig: string;
  ca: string;
  cert: string;
  key: string;
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolvePort(port));
    });
  });
}

function openssl(dir: string, args: string[]): void {
  const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new Error(`openssl ${args[0]} failed: ${r.error?.message ?? r.stderr}`);
}

/** CA, serving cert for 127.0.0.1, admin client cert (system:masters), service-account signing key. */
function makePki(dir: string): void {
  mkdirSync(dir, { recursive: true });
  openssl(dir, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=cluster-suite-ca']);
  const leaf = (name: string, subj: string, ext: string) => {
    writeFileSync(join(dir, `${name}.ext`), ext);
    openssl(dir, ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subj]);
    openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`]);
  };
  leaf('serving', '/CN=kube-apiserver', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  leaf('admin', '/O=system:masters/CN=cluster-suite-admin', 'extendedKeyUsage=clientAuth\n');
  openssl(dir, ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', 'sa.key']);
  openssl(dir, ['pkey', '-in', 'sa.key', '-pubout', '-out', 'sa.pub']);
}

/** Records a started process so teardown and signal handlers can stop it by PID. */
function track(runDir: string, child: ChildProcess, name: string): void {
  mkdirSync(join(runDir, 'pids'), { recursive: true });
  writeFileSync(join(runDir, 'pids', `${name}.pid`), String(child.pid));
}

/** Stops every process recorded under runDir/pids: SIGTERM, then SIGKILL for any still alive after 5 s. */
export function stopAll(runDir: string): void {
  const dir = join(runDir, 'pids');
  if (!existsSync(dir)) return;
  const pids = readdirSync(dir).map((f) => Number(readFileSync(join(dir, f), 'utf8'))).filter((p) => p > 0);
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 5000;
  while (pids.some(alive) && Date.now() < deadline) spawnSync('sleep', ['0.1']);
  for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
}

function startProcess(runDir: string, name: string, binary: string, args: string[]): ChildProcess {
  const log = openSync(join(runDir, `${name}.log`), 'a');
  const child = spawn(binary, args, { stdio: ['ignore', log, log] });
  track(runDir, child, name);
  child.on('exit', (code, signal) => appendFileSync(join(runDir, `${name}.log`), `\n[cluster-suite] ${name} exited: ${code ?? signal}\n`));
  return child;
}

function tail(file: string, lines = 30): string {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n') : '(no log)';
}

/** GET path with the admin cert; resolves the status code (0 when the server does not answer yet). */
export function adminGet(access: ClusterAccess, path: string): Promise<{ status: number; body: string }> {
  return new Promise((done) => {
    const req = request(
      `${access.server}${path}`,
      { ca: readFileSync(access.ca), cert: readFileSync(access.cert), key: readFileSync(access.key), timeout: 5000 },
      (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => done({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', () => done({ status: 0, body: '' }));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

async function waitFor(what: string, check: () => Promise<boolean>, logFile: string, child: ChildProcess, seconds = 90): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${what} exited during start-up:\n${tail(logFile)}`);
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} not ready after ${seconds} s:\n${tail(logFile)}`);
}

export interface StartOptions {
  kubeApiserver: string;
  /** When given, kube-controller-manager runs with exactly these controllers. */
  kubeControllerManager?: { binary: string; controllers: string[] };
  etcd: string;
  runDir: string;
}

/** Starts etcd and kube-apiserver; resolves once /readyz answers ok. */
export async function startControlPlane({ kubeApiserver, kubeControllerManager, etcd, runDir }: StartOptions): Promise<ClusterAccess> {
  const pki = join(runDir, 'pki');
  makePki(pki);
  const [etcdClient, etcdPeer, apiPort] = [await freePort(), await freePort(), await freePort()];

  const etcdUrl = `http://127.0.0.1:${etcdClient}`;
  const etcdChild = startProcess(runDir, 'etcd', etcd, [
    '--name=cluster-suite',
    `--data-dir=${join(runDir, 'etcd')}`,
    `--listen-client-urls=${etcdUrl}`,
    `--advertise-client-urls=${etcdUrl}`,
    `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
    `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
    `--initial-cluster=cluster-suite=http://127.0.0.1:${etcdPeer}`,
    '--unsafe-no-fsync',
    '--log-level=warn',
  ]);
  await waitFor('etcd', async () => {
    const r = await fetch(`${etcdUrl}/health`).catch(() => undefined);
    return r?.ok ?? false;
  }, join(runDir, 'etcd.log'), etcdChild);

  const access: ClusterAccess = {
    server: `https://127.0.0.1:${apiPort}`,
    kubeconfig: join(runDir, 'kubeconfig'),
    ca: join(pki, 'ca.crt'),
    cert: join(pki, 'admin.crt'),
    key: join(pki, 'admin.key'),
  };
  const api = startProcess(runDir, 'kube-apiserver', kubeApiserver, [
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    `--secure-port=${apiPort}`,
    `--etcd-servers=${etcdUrl}`,
    `--cert-dir=${join(runDir, 'apiserver-certs')}`,
    `--tls-cert-file=${join(pki, 'serving.crt')}`,
    `--tls-private-key-file=${join(pki, 'serving.key')}`,
    `--client-ca-file=${access.ca}`,
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${join(pki, 'sa.pub')}`,
    `--service-account-signing-key-file=${join(pki, 'sa.key')}`,
    '--service-cluster-ip-range=10.0.0.0/24',
    '--authorization-mode=RBAC',
    // No Endpoints for the kubernetes Service: nothing may point at a non-loopback address.
    '--endpoint-reconciler-type=none',
    // As on a real node-backed cluster, so that a privileged pod is refused by Pod Security, not by this flag.
    '--allow-privileged=true',
    '--profiling=false',
    '--v=0',
  ]);
  await waitFor('kube-apiserver', async () => (await adminGet(access, '/readyz')).status === 200, join(runDir, 'kube-apiserver.log'), api);

  writeFileSync(
    access.kubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      `- name: suite\n  cluster:\n    server: ${access.server}\n    certificate-authority: ${access.ca}`,
      'users:',
      `- name: admin\n  user:\n    client-certificate: ${access.cert}\n    client-key: ${access.key}`,
      'contexts:',
      '- name: suite\n  context:\n    cluster: suite\n    user: admin',
      'current-context: suite',
      '',
    ].join('\n'),
  );
  if (kubeControllerManager) {
    startProcess(runDir, 'kube-controller-manager', kubeControllerManager.binary, [
      `--kubeconfig=${access.kubeconfig}`,
      `--controllers=${kubeControllerManager.controllers.join(',')}`,
      '--leader-elect=false',
      // No serving port at all: nothing listens.
      '--secure-port=0',
      '--v=0',
    ]);
  }
  return access;
}
