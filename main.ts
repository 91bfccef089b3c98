// Synthesizes dist/ from site.yaml. Exits non-zero with the problem named, and dist/ untouched, on bad input.
import { deploymentWarnings, loadProject } from './src/project';
import { ConfigError } from './src/site/load';

function main(): void {
  const inputs = loadProject('.', process.env.PLATFORM_ENGINEER_SITE || undefined);
  // Loaded only once the inputs are valid: a mistake is reported without first loading cdk8s.
  const { applicationFile, renderFiles } = require('./src/synth/render') as typeof import('./src/synth/render');
  const { writeDist } = require('./src/synth/write-dist') as typeof import('./src/synth/write-dist');
  const outDir = process.env.CDK8S_OUTDIR || 'dist';
  const files = renderFiles(inputs);
  writeDist(outDir, files);
  console.log(`synthesized ${files.size} files into ${outDir}/`);
  console.log(`first install (once, after committing ${outDir}/): kubectl apply -f ${outDir}/${applicationFile(inputs.site)}`);
  for (const warning of deploymentWarnings(inputs)) console.error(`warning: ${warning}`);
}

try {
  main();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`synth failed, dist/ left unchanged.\n${error.message}`);
  process.exitCode = 1;
}
