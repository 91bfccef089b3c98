// For build-and-push.sh: prints image.repository and node.arch from the site file, one per line (the schema's
// defaults when a field is absent). Full validation is synth's job; this refuses anything but plain values.
const { readFileSync } = require('node:fs');

const DEFAULTS = { repository: 'git.rogi.casa/roger/hermes-agent', arch: 'amd64' };
let parse;
try {
  ({ parse } = require('yaml'));
} catch {
  console.error('the yaml package is missing: run `npm ci` first (the script reads site.yaml)');
  process.exit(1);
}
let site;
try {
  site = parse(readFileSync(process.argv[2], 'utf8'), { maxAliasCount: 0 }) ?? {};
} catch {
  console.error('site.yaml cannot be read as YAML: run `npm run synth` to see where');
  process.exit(1);
}
const repository = site?.image?.repository ?? DEFAULTS.repository;
const arch = site?.node?.arch ?? DEFAULTS.arch;
if (typeof repository !== 'string' || typeof arch !== 'string' || /\s/.test(repository + arch)) {
  console.error('site.yaml: image.repository or node.arch is not a plain value: run `npm run synth` to see which');
  process.exit(1);
}
process.stdout.write(`${repository}\n${arch}\n`);
