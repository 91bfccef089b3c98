// Cases shared by the offline RBAC test (what is rendered) and the cluster suite (what the real authorizer answers).
import type { SiteInput } from '../src/site/schema';

const NS = 'platform-engineer';

/** [namespace, may the agent read its Secrets] per permissions.readSecrets; the cluster suite asks the real authorizer. */
export const SECRET_READS: Array<[string, SiteInput['permissions'], Array<[string, boolean]>]> = [
  ['false (default)', {}, [['apps', false], ['default', false], ['kube-system', false], ['argocd', false], [NS, false]]],
  ['[apps, media]', { readSecrets: ['apps', 'media'] }, [['apps', true], ['media', true], ['default', false], ['kube-system', false], ['argocd', false], ['cert-manager', false], [NS, false]]],
  ['true (the plan)', { readSecrets: true }, [['apps', true], ['default', true], ['kube-system', true], ['argocd', true], [NS, true]]],
];
