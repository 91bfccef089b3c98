/** Loads and validates every input of synth, from the project folder. Throws ConfigError on any user mistake. */
import { join } from 'node:path';
import type { ProjectInputs } from './charts';
import { loadSealedFile } from './credentials/sealed-file';
import { loadImageRef } from './image/image-ref';
import { loadSite } from './site/load';

export const SITE_FILE = 'site.yaml';

export function loadProject(root = '.', siteFile = join(root, SITE_FILE)): ProjectInputs {
  const site = loadSite(siteFile);
  const image = loadImageRef(root);
  const sealed = site.credentials.mode === 'sealed' ? loadSealedFile(site, root) : undefined;
  return { site, image, ...(sealed ? { sealed } : {}) };
}
