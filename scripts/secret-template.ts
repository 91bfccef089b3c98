// npm run secret:template: writes the git-ignored env-file template (never overwrites it) and prints the exact
// command that creates the Secret from it. Prints no value.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { checkCredentials, envFilePath, envFileTemplate, parseEnvFile } from '../src/credentials/env-file';
import { SITE_FILE } from '../src/project';
import { ConfigError, loadSite } from '../src/site/load';

try {
  const site = loadSite(process.env.PLATFORM_ENGINEER_SITE || SITE_FILE);
  const file = envFilePath(site.credentials.secretName);
  if (existsSync(file)) {
    // Check before printing the command: a short API key or a malformed hash only shows up as a crash-looping pod.
    checkCredentials(parseEnvFile(readFileSync(file, 'utf8'), file), file);
    console.log(`${file} exists and every credential is well-formed; left as it is.`);
  } else {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(file, envFileTemplate(site.credentials.secretName, site.namespace), { mode: 0o600 });
    chmodSync(file, 0o600);
    console.log(`wrote ${file} (git-ignored). Fill in every value; for the dashboard password hash run: npm run -s hash-password`);
  }
  console.log('\nThen create or update the Secret (credentials.mode: external):\n');
  console.log(
    `kubectl create secret generic ${site.credentials.secretName} --namespace ${site.namespace} --from-env-file=${file} --dry-run=client -o yaml | kubectl apply -f -`,
  );
  console.log('\nor seal it for git (credentials.mode: sealed): npm run seal');
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exitCode = 1;
}
