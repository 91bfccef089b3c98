// npm run seal: seals the git-ignored env file's values for the cluster's Sealed Secrets controller, writes
// sealed-secrets/<secret>.sealed.json (safe to commit) and synthesizes dist/ with the SealedSecret. Prints no value.
import { sealCredentials } from '../src/credentials/seal';
import { SITE_FILE, loadProject } from '../src/project';
import { ConfigError, loadSite } from '../src/site/load';
import { renderFiles } from '../src/synth/render';
import { writeDist } from '../src/synth/write-dist';

try {
  const siteFile = process.env.PLATFORM_ENGINEER_SITE || SITE_FILE;
  const out = sealCredentials(loadSite(siteFile), '.', process.env.PLATFORM_ENGINEER_ENV_FILE || undefined);
  writeDist('dist', renderFiles(loadProject('.', siteFile)));
  console.log(`sealed into ${out} and synthesized dist/. Commit both.`);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`seal failed, nothing written to dist/.\n${error.message}`);
  process.exitCode = 1;
}
