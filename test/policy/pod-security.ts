/**
 * The Pod Security Standards (kubernetes/pod-security-admission, policy/check_*.go), "baseline" and "restricted"
 * levels, evaluated over a pod spec. Returns the violated controls, per container where the control is per
 * container, so a test can say exactly which container keeps a pod out of a level.
 */

export type Level = 'baseline' | 'restricted';

export interface Violation {
  readonly level: Level;
  readonly control: string;
  /** Container name, or undefined for a pod-level control. */
  readonly container?: string;
}

// check_capabilities_baseline.go
const BASELINE_CAPABILITIES = new Set([
  'AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT',
]);
// check_restrictedVolumes.go
const RESTRICTED_VOLUME_TYPES = new Set(['configMap', 'csi', 'downwardAPI', 'downwardApi', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret', 'image']);
// check_sysctls.go (the safe set as of 1.32)
const SAFE_SYSCTLS = new Set([
  'kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.ip_unprivileged_port_start', 'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range',
  'net.ipv4.ip_local_reserved_ports', 'net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes',
]);

export function podSecurityViolations(podSpec: any): Violation[] {
  const out: Violation[] = [];
  const add = (level: Level, control: string, container?: string) => out.push({ level, control, ...(container ? { container } : {}) });
  const containers: any[] = [...(podSpec.initContainers ?? []), ...(podSpec.containers ?? []), ...(podSpec.ephemeralContainers ?? [])];
  const podSc = podSpec.securityContext ?? {};

  // --- baseline ---
  if (podSpec.hostNetwork || podSpec.hostPID || podSpec.hostIPC) add('baseline', 'hostNamespaces');
  for (const v of podSpec.volumes ?? []) if (v.hostPath) add('baseline', 'hostPathVolumes');
  if (podSc.seccompProfile?.type === 'Unconfined') add('baseline', 'seccompProfile');
  for (const s of podSc.sysctls ?? []) if (!SAFE_SYSCTLS.has(s.name)) add('baseline', 'sysctls');
  if (podSc.seLinuxOptions?.user || podSc.seLinuxOptions?.role) add('baseline', 'seLinuxOptions');
  for (const c of containers) {
    const sc = c.securityContext ?? {};
    if (sc.privileged) add('baseline', 'privileged', c.name);
    for (const cap of sc.capabilities?.add ?? []) if (!BASELINE_CAPABILITIES.has(cap)) add('baseline', 'capabilities', c.name);
    for (const p of c.ports ?? []) if (p.hostPort) add('baseline', 'hostPorts', c.name);
    if (sc.seccompProfile?.type === 'Unconfined') add('baseline', 'seccompProfile', c.name);
    if (sc.procMount && sc.procMount !== 'Default') add('baseline', 'procMount', c.name);
    if (sc.seLinuxOptions?.user || sc.seLinuxOptions?.role) add('baseline', 'seLinuxOptions', c.name);
    if (sc.windowsOptions?.hostProcess) add('baseline', 'hostProcess', c.name);
    for (const probe of [c.livenessProbe, c.readinessProbe, c.startupProbe]) {
      if (probe?.httpGet?.host || probe?.tcpSocket?.host) add('baseline', 'probeHost', c.name);
    }
  }

  // --- restricted ---
  for (const v of podSpec.volumes ?? []) {
    const type = Object.keys(v).find((k) => k !== 'name');
    if (!type || !RESTRICTED_VOLUME_TYPES.has(type)) add('restricted', 'volumeTypes');
  }
  const podNonRoot = podSc.runAsNonRoot === true;
  const podSeccomp = ['RuntimeDefault', 'Localhost'].includes(podSc.seccompProfile?.type);
  if (podSc.runAsUser === 0) add('restricted', 'runAsUser');
  for (const c of containers) {
    const sc = c.securityContext ?? {};
    if (sc.allowPrivilegeEscalation !== false) add('restricted', 'allowPrivilegeEscalation', c.name);
    const nonRoot = sc.runAsNonRoot ?? podNonRoot;
    if (nonRoot !== true) add('restricted', 'runAsNonRoot', c.name);
    if (sc.runAsUser === 0) add('restricted', 'runAsUser', c.name);
    const seccomp = sc.seccompProfile ? ['RuntimeDefault', 'Localhost'].includes(sc.seccompProfile.type) : podSeccomp;
    if (!seccomp) add('restricted', 'seccompProfile', c.name);
    if (!(sc.capabilities?.drop ?? []).includes('ALL')) add('restricted', 'capabilities.drop', c.name);
    for (const cap of sc.capabilities?.add ?? []) if (cap !== 'NET_BIND_SERVICE') add('restricted', 'capabilities.add', c.name);
  }
  return out;
}

/** Does the pod spec meet this level? (restricted includes baseline.) */
export function meetsLevel(podSpec: any, level: Level): boolean {
  return podSecurityViolations(podSpec).every((v) => level === 'baseline' && v.level === 'restricted');
}
