// Synthesizes dist/ from site.yaml. Exits non-zero with the problem named, and dist/ untouched, on bad input.
import { deploymentWarnings, loadProject } from './src/project';
import { ConfigError } from './src/site/load';
import { renderFiles } from './src/synth/render';
import { writeDist } from './src/synth/write-dist';

try {
  const inputs = loadProject('.', process.env.PLATFORM_ENGINEER_SITE || undefined);
  const files = renderFiles(inputs);
  writeDist(process.env.CDK8S_OUTDIR || 'dist', files);
  console.log(`synthesized ${files.size} files into ${process.env.CDK8S_OUTDIR || 'dist'}/`);
  for (const warning of deploymentWarnings(inputs)) console.error(`warning: ${warning}`);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`synth failed, dist/ left unchanged.\n${error.message}`);
  process.exitCode = 1;
}
