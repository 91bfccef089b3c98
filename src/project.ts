/** Loads and validates every input of synth, from the project folder. Throws ConfigError on any user mistake. */
import { join } from 'node:path';
import type { ProjectInputs } from './charts';
import { loadSealedFile } from './credentials/sealed-file';
import { loadImageRef } from './image/image-ref';
import { loadSite } from './site/load';

export const SITE_FILE = 'site.yaml';

export function loadProject(root = '.', siteFile = join(root, SITE_FILE)): ProjectInputs {
  const site = loadSite(siteFile);
  const image = loadImageRef(root, site);
  const sealed = site.credentials.mode === 'sealed' ? loadSealedFile(site, root) : undefined;
  return { site, image, ...(sealed ? { sealed } : {}) };
}

/** The example Discord IDs site.yaml ships with: a deployment with them has a bot nobody can talk to. */
export const EXAMPLE_DISCORD_IDS = ['100000000000000001', '100000000000000002'];

/**
 * Inputs that render valid YAML but cannot work on a cluster yet. Warnings, not errors: the committed example
 * must synthesize, and CI must pass before the owner has built an image.
 */
export function deploymentWarnings(inputs: ProjectInputs): string[] {
  const warnings: string[] = [];
  if (inputs.image.tag.endsWith('-unbuilt')) {
    warnings.push(`image.lock.json: no image has been built yet (${inputs.image.tag}): run ./build-and-push.sh --push before ArgoCD syncs, or the pod cannot pull its image`);
  }
  const ids = [inputs.site.discord.homeChannel, ...inputs.site.discord.allowedUsers];
  if (ids.some((id) => EXAMPLE_DISCORD_IDS.includes(id))) {
    warnings.push('discord: homeChannel/allowedUsers still hold the example IDs from site.yaml: set your own, or nobody can talk to the bot');
  }
  // The two grants that reach cluster-admin (README "Escalation paths"): allowed, as the plan chose them, but said.
  if (inputs.site.permissions.readSecrets === true) {
    warnings.push(
      'permissions.readSecrets: true lets the agent read every Secret in the cluster: ArgoCD\'s repository credentials (a push to the GitOps repository is applied by ArgoCD with cluster-wide rights, i.e. cluster-admin), the Sealed Secrets controller key that decrypts sealed-secrets/ in git, and any ServiceAccount token Secret; list only the namespaces the agent must debug instead',
    );
  }
  if (inputs.site.permissions.podExec === true) {
    warnings.push(
      'permissions.podExec: true lets the agent run any command in every pod outside the protected namespaces: it can read the Secrets and ServiceAccount tokens mounted there and act with those workloads\' rights (cluster-admin if one of them has it); use "df" (the storage watchdog\'s probe only) unless the agent must debug inside containers',
    );
  }
  return warnings;
}
