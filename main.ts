// Synthesizes dist/ from site.yaml. Exits non-zero with the problem named, and dist/ untouched, on bad input.
import { loadProject } from './src/project';
import { ConfigError } from './src/site/load';
import { renderFiles } from './src/synth/render';
import { writeDist } from './src/synth/write-dist';

try {
  const files = renderFiles(loadProject('.', process.env.PLATFORM_ENGINEER_SITE || undefined));
  writeDist(process.env.CDK8S_OUTDIR || 'dist', files);
  console.log(`synthesized ${files.size} files into ${process.env.CDK8S_OUTDIR || 'dist'}/`);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`synth failed, dist/ left unchanged.\n${error.message}`);
  process.exitCode = 1;
}
