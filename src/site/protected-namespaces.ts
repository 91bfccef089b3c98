/**
 * The protected namespaces: where a compromise is cluster-wide, so the agent changes nothing there, runs no
 * command there but the storage watchdog's df probe, and may never be given their Secrets. One list, used by the
 * admission guardrail, the pre-check settings, SOUL.md and site validation.
 */
import type { Site } from './schema';

/** Always protected, whatever watchdogs.protectedNamespaces says: the namespaces that hold cluster-wide power. */
export function builtInProtectedNamespaces(site: Pick<Site, 'argocd' | 'clusterServices' | 'dashboard'>): string[] {
  return unique([
    'kube-system', // the control plane's add-ons (k3s: CoreDNS, metrics-server, local-path, Traefik)
    site.argocd.namespace, // ArgoCD applies whatever git says with cluster-wide rights
    site.clusterServices.certManagerNamespace, // cert-manager issues the certificates the cluster trusts
    site.clusterServices.sealedSecretsNamespace, // the Sealed Secrets key decrypts every SealedSecret in git
    site.dashboard.ingressControllerNamespace, // the ingress controller sees every request and TLS key
  ]);
}

/** The built-in set, then the site's additions, then the agent's own namespace (it never acts on itself). */
export function protectedNamespaces(site: Pick<Site, 'argocd' | 'clusterServices' | 'dashboard' | 'watchdogs' | 'namespace'>): string[] {
  return unique([...builtInProtectedNamespaces(site), ...site.watchdogs.protectedNamespaces, site.namespace]);
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}
