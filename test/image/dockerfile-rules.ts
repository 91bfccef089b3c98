/**
 * Text-level checks of the dockerfile (no Docker engine is needed, or available, to run them). Each rule returns
 * the problems it found, so the tests can both require none for ./dockerfile and require some for a known-bad
 * dockerfile (the original plan), which keeps the rules from passing vacuously.
 */

export interface Instruction {
  /** Upper-case keyword: FROM, ARG, RUN, ... */
  readonly keyword: string;
  /** Everything after the keyword, continuation lines joined (with a space, as Docker joins them). */
  readonly args: string;
  /** 1-based line of the keyword. */
  readonly line: number;
}

/** Splits a dockerfile into instructions: joins backslash continuations and drops comment and blank lines. */
export function parseDockerfile(text: string): Instruction[] {
  const lines = text.split(/\r?\n/);
  const out: Instruction[] = [];
  let current: { start: number; parts: string[] } | undefined;
  lines.forEach((raw, i) => {
    const trimmed = raw.trim();
    if (trimmed.startsWith('#') || (trimmed === '' && current === undefined)) return;
    if (trimmed === '') return; // an empty line inside a continuation is ignored by Docker too
    const continues = /\\\s*$/.test(raw);
    const body = continues ? raw.replace(/\\\s*$/, '') : raw;
    if (current === undefined) current = { start: i + 1, parts: [] };
    current.parts.push(body);
    if (!continues) {
      const joined = current.parts.join(' ').trim();
      const m = /^(\S+)\s*([\s\S]*)$/.exec(joined);
      if (m) out.push({ keyword: m[1]!.toUpperCase(), args: m[2]!, line: current.start });
      current = undefined;
    }
  });
  if (current !== undefined) {
    const joined = current.parts.join(' ').trim();
    const m = /^(\S+)\s*([\s\S]*)$/.exec(joined);
    if (m) out.push({ keyword: m[1]!.toUpperCase(), args: m[2]!, line: current.start });
  }
  return out;
}

/** `ARG NAME=value` defaults (the first one wins, as for the synth's regex). */
export function argDefaults(instructions: readonly Instruction[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const ins of instructions) {
    if (ins.keyword !== 'ARG') continue;
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(\S*)$/.exec(ins.args.trim());
    if (m && !map.has(m[1]!)) map.set(m[1]!, m[2]!.replace(/^"(.*)"$/, '$1'));
  }
  return map;
}

/** Splits a RUN's shell text into simple statements at ';', '&&', '||', '|' and newlines (quotes respected). */
export function shellStatements(script: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < script.length; i++) {
    const c = script[i]!;
    if (quote) {
      cur += c;
      if (c === quote) quote = undefined;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      cur += c;
      continue;
    }
    const two = script.slice(i, i + 2);
    if (two === '&&' || two === '||' || two === ';;') {
      out.push(cur);
      cur = '';
      i++;
      continue;
    }
    if (c === ';' || c === '\n' || c === '|') {
      out.push(cur);
      cur = '';
      continue;
    }
    cur += c;
  }
  out.push(cur);
  return out.map((s) => s.trim()).filter((s) => s !== '');
}

const SHA_ARG = /^[A-Z0-9_]*SHA256[A-Z0-9_]*$/;
const DOWNLOADER = /(?:^|[\s(])(curl|wget)\s/;

/** Output path of a curl/wget statement (-o, --output, -O FILE for wget), undefined when it writes to stdout. */
export function downloadTarget(statement: string): string | undefined {
  const curl = /(?:^|\s)(?:-o|--output)(?:\s+|=)("[^"]*"|'[^']*'|\S+)/.exec(statement);
  if (curl) return curl[1];
  const wget = /(?:^|\s)(?:-O|--output-document)(?:\s+|=)("[^"]*"|'[^']*'|\S+)/.exec(statement);
  if (wget && /\bwget\b/.test(statement)) return wget[1];
  return undefined;
}

function variablesIn(statement: string): string[] {
  return [...statement.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!);
}

/**
 * Every curl/wget download in a RUN goes to a file that is checked with `sha256sum -c` against a checksum coming
 * from a *SHA256* ARG before anything else touches the file; no download is piped anywhere; no ADD of a URL.
 */
export function checkDownloadsVerified(text: string): string[] {
  const problems: string[] = [];
  const instructions = parseDockerfile(text);
  const args = argDefaults(instructions);
  for (const [name, value] of args) {
    if (SHA_ARG.test(name) && !/^[0-9a-f]{64}$/.test(value)) problems.push(`ARG ${name} is not a 64-hex SHA-256: ${value}`);
  }
  for (const ins of instructions) {
    if (ins.keyword === 'ADD' && /https?:\/\//.test(ins.args)) problems.push(`line ${ins.line}: ADD of a URL (download with curl and sha256sum -c instead)`);
    if (ins.keyword !== 'RUN') continue;
    const statements = shellStatements(ins.args);
    // Shell variables assigned from a checksum ARG, e.g. kubectl_sha256="${KUBECTL_SHA256_AMD64}".
    const checksumVars = new Set([...args.keys()].filter((n) => SHA_ARG.test(n)));
    for (const st of statements) {
      for (const m of st.matchAll(/(?:^|[\s)])([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|'[^']*'|\S+)/g)) {
        if (variablesIn(m[2]!).some((v) => checksumVars.has(v))) checksumVars.add(m[1]!);
      }
    }
    statements.forEach((st, i) => {
      if (!DOWNLOADER.test(` ${st}`)) return;
      const target = downloadTarget(st);
      if (target === undefined) {
        problems.push(`line ${ins.line}: download without an output file (piped or to stdout): ${st.split('\n')[0]}`);
        return;
      }
      const path = target.replace(/^["']|["']$/g, '');
      const uses = statements.map((s, j) => ({ s, j })).filter(({ s, j }) => j > i && s.includes(path));
      const sumLine = uses.find(({ s }) => variablesIn(s).some((v) => checksumVars.has(v)));
      const check = statements.findIndex((s, j) => j > i && /\bsha256sum\b(?:\s+--?[a-z-]+)*\s+(?:-c|--check)\b/.test(s));
      if (!sumLine) problems.push(`line ${ins.line}: ${path} is never paired with a checksum from a *SHA256* ARG`);
      if (check < 0) problems.push(`line ${ins.line}: ${path} is downloaded but no 'sha256sum -c' follows`);
      const early = uses.find(({ s, j }) => s !== sumLine?.s && (check < 0 || j < check));
      if (early) problems.push(`line ${ins.line}: ${path} is used before its checksum is verified: ${early.s.split('\n')[0]}`);
    });
  }
  return problems;
}

/** No `curl ... | sh`, `curl ... | tar`, `curl ... | gpg`: nothing flows from a download into a program unverified. */
export function checkNoPipedDownloads(text: string): string[] {
  const problems: string[] = [];
  for (const ins of parseDockerfile(text)) {
    if (ins.keyword !== 'RUN') continue;
    // A pipe character (not '||') after curl/wget within the same statement chain.
    const flat = ins.args.replace(/\n/g, ' ');
    for (const m of flat.matchAll(/\b(curl|wget)\b[^;&]*?(?<!\|)\|(?!\|)\s*(\S+)/g)) {
      problems.push(`line ${ins.line}: ${m[1]} output piped into ${m[2]}`);
    }
  }
  return problems;
}

/** The image keeps the base's start user (root): no USER line, or the last one is root/0. */
export function checkStartsAsRoot(text: string): string[] {
  const users = parseDockerfile(text).filter((i) => i.keyword === 'USER');
  const last = users.at(-1);
  if (last === undefined) return [];
  const user = last.args.trim().split(':')[0];
  return user === 'root' || user === '0' ? [] : [`line ${last.line}: USER ${last.args.trim()} switches away from root; the base image's boot hook must start as root`];
}

/** The only FROM is nousresearch/hermes-agent:${HERMES_VERSION} (optionally @sha256:...), and the ARG is a release. */
export function checkBasePinned(text: string): string[] {
  const problems: string[] = [];
  const instructions = parseDockerfile(text);
  const froms = instructions.filter((i) => i.keyword === 'FROM');
  const version = /^ARG HERMES_VERSION=(\S+)$/m.exec(text)?.[1];
  if (version === undefined) problems.push('no "ARG HERMES_VERSION=<version>" line (the synth reads the Hermes version from it)');
  else if (!/^v?\d+\.\d+\.\d+(\.\d+)?$/.test(version)) problems.push(`HERMES_VERSION ${version} is not a released X.Y.Z version`);
  if (froms.length !== 1) problems.push(`expected exactly one FROM, found ${froms.length}`);
  for (const from of froms) {
    const image = from.args.trim().split(/\s+/)[0]!;
    if (!/^(?:docker\.io\/)?nousresearch\/hermes-agent:\$\{HERMES_VERSION\}(?:@sha256:[0-9a-f]{64})?$/.test(image)) {
      problems.push(`line ${from.line}: FROM ${image} is not nousresearch/hermes-agent:\${HERMES_VERSION}`);
    }
    if (/latest/.test(image)) problems.push(`line ${from.line}: FROM uses latest`);
  }
  const firstFrom = instructions.findIndex((i) => i.keyword === 'FROM');
  const arg = instructions.findIndex((i) => i.keyword === 'ARG' && i.args.startsWith('HERMES_VERSION='));
  if (arg >= 0 && firstFrom >= 0 && arg > firstFrom) problems.push('ARG HERMES_VERSION=... must come before FROM to be usable in it');
  return problems;
}

/**
 * TARGETARCH is declared after FROM and mapped by a `case` with amd64) and arm64) branches that pick the matching
 * *_AMD64 / *_ARM64 checksums, and a *) branch that fails; every downloaded tool has checksums for both.
 */
export function checkArchMapping(text: string): string[] {
  const problems: string[] = [];
  const instructions = parseDockerfile(text);
  const firstFrom = instructions.findIndex((i) => i.keyword === 'FROM');
  const declared = instructions.findIndex((i, idx) => idx > firstFrom && i.keyword === 'ARG' && /^TARGETARCH$/.test(i.args.trim()));
  if (declared < 0) problems.push('ARG TARGETARCH is not declared after FROM (BuildKit sets it only where it is declared)');
  const runs = instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args).join('\n');
  const caseBlock = /case\s+"?\$\{?TARGETARCH[^\n]*\bin\b([\s\S]*?)\besac\b/.exec(runs)?.[1];
  if (caseBlock === undefined) {
    problems.push('no `case "${TARGETARCH}" in ... esac` mapping');
    return problems;
  }
  const branch = (label: string) => new RegExp(`(?:^|\\s)${label.replace(/[*]/g, '\\*')}\\)([\\s\\S]*?);;`).exec(caseBlock)?.[1];
  for (const arch of ['amd64', 'arm64']) {
    const body = branch(arch);
    if (body === undefined) problems.push(`the TARGETARCH case has no ${arch}) branch`);
    else if (!new RegExp(`_${arch.toUpperCase()}\\b`).test(body)) problems.push(`the ${arch}) branch does not select *_${arch.toUpperCase()} checksums`);
  }
  const fallback = branch('*');
  if (fallback === undefined || !/exit\s+[1-9]/.test(fallback)) problems.push('the TARGETARCH case has no *) branch that fails the build for other architectures');
  const args = argDefaults(instructions);
  for (const name of args.keys()) {
    const m = /^([A-Z0-9]+)_VERSION$/.exec(name);
    if (!m || name === 'HERMES_VERSION') continue;
    for (const arch of ['AMD64', 'ARM64']) {
      if (!args.has(`${m[1]}_SHA256_${arch}`)) problems.push(`${name} has no ARG ${m[1]}_SHA256_${arch}`);
    }
  }
  return problems;
}

/** When apt-get install is used, the same RUN removes /var/lib/apt/lists afterwards. */
export function checkAptListsCleaned(text: string): string[] {
  const problems: string[] = [];
  for (const ins of parseDockerfile(text)) {
    if (ins.keyword !== 'RUN') continue;
    const install = ins.args.search(/\bapt(?:-get)?\s+(?:-\S+\s+)*install\b/);
    if (install < 0) continue;
    const cleaned = ins.args.slice(install).search(/rm\s+-rf?\s+\/var\/lib\/apt\/lists/);
    if (cleaned < 0) problems.push(`line ${ins.line}: apt install without 'rm -rf /var/lib/apt/lists/*' after it in the same RUN`);
  }
  return problems;
}

/** No credentials baked in: no ARG/ENV whose name looks like a secret. */
export function checkNoSecrets(text: string): string[] {
  const problems: string[] = [];
  for (const ins of parseDockerfile(text)) {
    if (ins.keyword !== 'ARG' && ins.keyword !== 'ENV') continue;
    const name = ins.args.trim().split(/[=\s]/)[0]!;
    if (/TOKEN|PASSWORD|PASSWD|SECRET|API_?KEY|PRIVATE/i.test(name)) problems.push(`line ${ins.line}: ${ins.keyword} ${name} looks like a secret; secrets never go into image layers`);
  }
  return problems;
}
