/**
 * Security contexts, in one place. Two ways to start Hermes are supported (README "Two ways to start Hermes"):
 * - root: the image's supported start. The s6 boot hook runs as root, repairs the volume and drops to hermes.
 * - non-root: the hermes UID from the start, read-only root filesystem; the config migration runs in an init
 *   container instead of the boot hook.
 * Every other container (init containers, the seed Job) meets Pod Security "restricted" in both modes.
 */
import * as k8s from '../k8s';
import type { Site } from '../site/schema';

export const HERMES_UID = 10000;

/**
 * Capabilities the root-then-drop start needs after `drop: ALL` (all in the "baseline" allowed set):
 * CHOWN and FOWNER for the boot hook's chown/chmod of the data volume, DAC_OVERRIDE to read /run/s6-rc and
 * volume files owned by hermes (fsGroup makes them unreadable to a capability-less root), SETUID and SETGID for
 * s6-setuidgid's drop to hermes, KILL for s6-supervise (root) to signal the hermes-owned gateway.
 */
export const ROOT_START_CAPABILITIES = ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'SETGID', 'SETUID', 'KILL'] as const;

const seccomp = { type: 'RuntimeDefault' };

/** Pod-level context for the Hermes pod. */
export function agentPodSecurityContext(site: Site): k8s.PodSecurityContext {
  const common = { fsGroup: HERMES_UID, fsGroupChangePolicy: 'OnRootMismatch', seccompProfile: seccomp };
  if (site.securityMode === 'root') return common;
  return { ...common, runAsNonRoot: true, runAsUser: HERMES_UID, runAsGroup: HERMES_UID };
}

/** The Hermes (gateway) container. */
export function agentContainerSecurityContext(site: Site): k8s.SecurityContext {
  if (site.securityMode === 'root') {
    return {
      allowPrivilegeEscalation: false,
      privileged: false,
      // s6 and the boot hook write under /etc, /run and /var at start; the root start keeps the image's writable root.
      readOnlyRootFilesystem: false,
      capabilities: { drop: ['ALL'], add: [...ROOT_START_CAPABILITIES] },
      seccompProfile: seccomp,
    };
  }
  return restrictedContainerSecurityContext();
}

/** Pod Security "restricted", plus a read-only root filesystem. */
export function restrictedContainerSecurityContext(): k8s.SecurityContext {
  return {
    allowPrivilegeEscalation: false,
    privileged: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    runAsUser: HERMES_UID,
    runAsGroup: HERMES_UID,
    capabilities: { drop: ['ALL'] },
    seccompProfile: seccomp,
  };
}

/** Pod-level context for pods whose every container is restricted (the seed Job). */
export function restrictedPodSecurityContext(): k8s.PodSecurityContext {
  return { runAsNonRoot: true, runAsUser: HERMES_UID, runAsGroup: HERMES_UID, fsGroup: HERMES_UID, seccompProfile: seccomp };
}

/**
 * The ServiceAccount token as a projected volume, mounted only into the containers that call the API
 * (automountServiceAccountToken is false everywhere). Same files as the automatic mount, so kubectl's
 * in-cluster configuration finds them.
 */
export const TOKEN_VOLUME = 'kube-api-access';
export const TOKEN_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';

export function tokenVolume(): k8s.Volume {
  return {
    name: TOKEN_VOLUME,
    projected: {
      defaultMode: 0o444,
      sources: [
        { serviceAccountToken: { path: 'token', expirationSeconds: 3607 } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardApi: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    },
  };
}

export function tokenMount(): k8s.VolumeMount {
  return { name: TOKEN_VOLUME, mountPath: TOKEN_MOUNT_PATH, readOnly: true };
}
