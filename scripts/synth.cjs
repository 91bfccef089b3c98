// `npm run synth`: bundles main.ts with esbuild (about 50 ms; no type check, `npm test` does that) and runs it in
// this same process. One Node start instead of three (npm, esbuild, node) keeps synth near the floor.
const { buildSync } = require('esbuild');
const { join } = require('node:path');

const outfile = join(__dirname, '..', '.build', 'main.js');
buildSync({
  entryPoints: [join(__dirname, '..', 'main.ts')],
  bundle: true,
  platform: 'node',
  target: 'node20',
  packages: 'external',
  outfile,
  logLevel: 'warning',
});
// --build-only: the tests build once and then run .build/main.js against temporary folders.
if (!process.argv.includes('--build-only')) require(outfile);
