/**
 * Reading the site file: size and encoding checks, YAML parse, schema validation, and errors a user can act on.
 *
 * Errors name the field, say what is expected and where (line and column), and never repeat the value: a
 * credential pasted into the wrong field must not end up in a terminal or a CI log. Every check is bounded, so a
 * hostile file is refused as fast as a typo.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { Document, isAlias, isCollection, isMap, isScalar, isSeq, LineCounter, parseDocument, visit, type Node } from 'yaml';
import { z } from 'zod';
import { siteSchema, type Site } from './schema';

/** The site file is a few kilobytes; anything much larger is a mistake (or an attack on the parser). */
export const SITE_FILE_MAX_BYTES = 32 * 1024;
/** The most YAML errors listed: the first ones are the ones to fix. */
const MAX_REPORTED = 10;

/** A mistake in the user's input. main.ts prints its message and exits non-zero; nothing is written. */
export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(`${file}: ${problems.length === 1 ? 'invalid' : `${problems.length} problems`}\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Validates an already parsed site object (tests use this directly). `doc` adds line and column to errors. */
export function parseSite(raw: unknown, file = 'site.yaml', located?: LocatedDocument): Site {
  // reportInput lets the message say what type was found; the value itself is never printed.
  const result = siteSchema.safeParse(raw ?? {}, { reportInput: true });
  if (!result.success) {
    const issues = result.error.issues.slice(0, MAX_REPORTED * 2);
    throw new ConfigError(file, issues.map((issue) => withPosition(describeIssue(issue), located && positionOfPath(located, issuePath(issue)))));
  }
  return result.data;
}

/** Reads and validates the site file. */
export function loadSite(file: string): Site {
  const bytes = readBounded(file);
  const text = decodeUtf8(file, bytes);
  const located = parseYaml(file, text);
  let raw: unknown;
  try {
    // Aliases are refused above, so this cannot expand; the catch is for anything the parser did not foresee.
    raw = located.doc.toJS({ maxAliasCount: 0 });
  } catch {
    throw new ConfigError(file, ['not valid YAML: the document cannot be read as plain data (see README "Site configuration")']);
  }
  return parseSite(raw, file, located);
}

interface LocatedDocument {
  readonly doc: Document;
  readonly lines: LineCounter;
}

/** The file's bytes, refusing anything but a regular file of at most SITE_FILE_MAX_BYTES (checked before reading). */
function readBounded(file: string): Buffer {
  let fd: number;
  try {
    // Non-blocking: a FIFO named as the site file must not hang synth waiting for a writer.
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    throw new ConfigError(file, ['cannot read the file: create it (see README "Site configuration")']);
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new ConfigError(file, ['expected a regular file (see README "Site configuration")']);
    if (stat.size > SITE_FILE_MAX_BYTES) {
      throw new ConfigError(file, [`the file is larger than ${SITE_FILE_MAX_BYTES / 1024} KiB: a site file is a few kilobytes; start again from the committed site.yaml`]);
    }
    const buffer = Buffer.alloc(SITE_FILE_MAX_BYTES + 1);
    let length = 0;
    for (let n; (n = readSync(fd, buffer, length, buffer.length - length, null)) > 0; ) length += n;
    if (length > SITE_FILE_MAX_BYTES) throw new ConfigError(file, [`the file is larger than ${SITE_FILE_MAX_BYTES / 1024} KiB`]);
    return buffer.subarray(0, length);
  } finally {
    closeSync(fd);
  }
}

/** Strict UTF-8 (no silent replacement characters), and no control characters but tab, CR and LF. */
function decodeUtf8(file: string, bytes: Buffer): string {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    const bad = firstInvalidUtf8(bytes);
    throw new ConfigError(file, [`${at(lineColumnOfBytes(bytes, bad))}not valid UTF-8: save the file as UTF-8`]);
  }
  const control = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u2028\u2029\ufeff]/.exec(text);
  if (control) {
    const lines = new LineCounter();
    let offset = 0;
    for (const line of text.split('\n')) {
      lines.addNewLine(offset);
      offset += line.length + 1;
    }
    throw new ConfigError(file, [`${at(lines.linePos(control.index))}a control or invisible character: remove it (only tabs inside values, and line breaks)`]);
  }
  return text;
}

function firstInvalidUtf8(bytes: Buffer): number {
  // Binary search for the longest prefix that decodes: O(n log n) on at most 64 KiB.
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const ok = (n: number) => {
    try {
      decoder.decode(bytes.subarray(0, n), { stream: true });
      return true;
    } catch {
      return false;
    }
  };
  let lo = 0;
  let hi = bytes.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (ok(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

function lineColumnOfBytes(bytes: Buffer, offset: number): { line: number; col: number } {
  const before = bytes.subarray(0, offset);
  const line = before.filter((b) => b === 0x0a).length + 1;
  const lastNewline = before.lastIndexOf(0x0a);
  return { line, col: offset - lastNewline };
}

/** Plain words for the YAML library's error codes (its own messages quote the offending line). */
const YAML_ERRORS: Record<string, string> = {
  DUPLICATE_KEY: 'a key appears twice in the same mapping: keep one',
  TAB_AS_INDENT: 'a tab is used for indentation: indent with spaces',
  MULTIPLE_DOCS: 'a second document ("---"): the site file is a single mapping',
  BAD_INDENT: 'the indentation does not line up with the lines above',
  BAD_DIRECTIVE: 'an unsupported directive ("%")',
  MISSING_CHAR: 'a closing bracket or quote is missing',
  UNEXPECTED_TOKEN: 'an unexpected character',
  BLOCK_AS_IMPLICIT_KEY: 'a key spans several lines or is missing its ":"',
  MULTILINE_IMPLICIT_KEY: 'a key spans several lines or is missing its ":"',
  TAG_RESOLVE_FAILED: 'an unknown tag ("!"): write plain values',
  ALIAS_PROPS: 'an alias with a tag or anchor',
};

function parseYaml(file: string, text: string): LocatedDocument {
  const lines = new LineCounter();
  let doc: Document;
  try {
    doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true, lineCounter: lines, strict: true, stringKeys: false });
  } catch {
    throw new ConfigError(file, ['not valid YAML: the parser gave up (nesting too deep?); start again from the committed site.yaml']);
  }
  const problems = [...doc.errors, ...doc.warnings].map((e) => `${at(lines.linePos(e.pos[0]))}not valid YAML: ${YAML_ERRORS[e.code] ?? 'see the YAML syntax around this point'} (${e.code})`);
  if (problems.length > 0) throw new ConfigError(file, problems.slice(0, MAX_REPORTED));

  const located = { doc, lines };
  const structural: string[] = [];
  const where = (node: { range?: [number, number, number] | null } | null | undefined) => (node?.range ? at(lines.linePos(node.range[0])) : '');
  if (doc.contents !== null && !isMap(doc.contents)) {
    structural.push(`${where(doc.contents)}(top level): expected a mapping of fields (namespace:, discord:, ...), got ${isSeq(doc.contents) ? 'a list' : 'a single value'}`);
  }
  visit(doc, {
    Alias(_key, node) {
      structural.push(`${where(node)}not valid YAML here: aliases ("*name") are not supported in the site file; write the value out`);
      return visit.SKIP;
    },
    Node(_key, node) {
      // Binary and other tagged types would arrive as objects no field accepts; refuse them by position.
      if (node.tag && !['tag:yaml.org,2002:str', 'tag:yaml.org,2002:int', 'tag:yaml.org,2002:float', 'tag:yaml.org,2002:bool', 'tag:yaml.org,2002:null', 'tag:yaml.org,2002:map', 'tag:yaml.org,2002:seq'].includes(node.tag)) {
        structural.push(`${where(node)}not valid here: a YAML tag ("!!" or "!"); write plain values`);
      }
      return undefined;
    },
    Pair(_key, pair) {
      const key = pair.key as Node | null;
      if (!isScalar(key) || typeof key.value !== 'string') {
        structural.push(`${where(key as Node)}not valid here: every key must be a plain name`);
        return undefined;
      }
      // JavaScript would treat these keys as the object's prototype: the entry would vanish instead of failing.
      if (['__proto__', 'constructor', 'prototype'].includes(key.value)) {
        structural.push(`${where(key)}not valid here: a reserved key ("__proto__", "constructor" or "prototype")`);
      }
      return undefined;
    },
  });
  if (structural.length > 0) throw new ConfigError(file, structural.slice(0, MAX_REPORTED));
  return located;
}

function at(pos: { line: number; col: number } | undefined): string {
  return pos ? `line ${pos.line}, column ${pos.col}: ` : '';
}

function withPosition(problem: string, pos: { line: number; col: number } | undefined): string {
  return `${at(pos)}${problem}`;
}

/** Where the node at `path` starts, or its closest ancestor that exists in the file (a missing field). */
function positionOfPath(located: LocatedDocument, path: readonly PropertyKey[]): { line: number; col: number } | undefined {
  let node: unknown = located.doc.contents;
  let found: unknown = node;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && p.key.value === segment);
      if (!pair) break;
      found = pair.key;
      node = pair.value;
      if (node) found = node;
    } else if (isSeq(node) && typeof segment === 'number') {
      node = node.items[segment];
      if (!node) break;
      found = node;
    } else break;
  }
  const range = isCollection(found) || isScalar(found) || isAlias(found) ? (found as Node).range : undefined;
  return range ? located.lines.linePos(range[0]) : undefined;
}

/** Every field name the schema knows: only those are printed; any other key is user text and is not repeated. */
const KNOWN_FIELDS: ReadonlySet<string> = (() => {
  const names = new Set<string>();
  const walk = (schema: unknown) => {
    if (!schema || typeof schema !== 'object') return;
    const s = schema as Record<string, unknown>;
    if (s.properties && typeof s.properties === 'object') {
      for (const [name, child] of Object.entries(s.properties)) {
        names.add(name);
        walk(child);
      }
    }
    for (const key of ['items', 'additionalProperties']) walk(s[key]);
    for (const key of ['anyOf', 'allOf', 'oneOf']) if (Array.isArray(s[key])) (s[key] as unknown[]).forEach(walk);
  };
  walk(z.toJSONSchema(siteSchema, { io: 'input', unrepresentable: 'any' }));
  return names;
})();

function issuePath(issue: z.core.$ZodIssue): PropertyKey[] {
  return issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]] : [...issue.path];
}

function fieldPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(top level)';
  return path
    .map((p, i) => {
      if (typeof p === 'number') return `[${p}]`;
      const name = KNOWN_FIELDS.has(String(p)) ? String(p) : '<key>';
      return `${i === 0 ? '' : '.'}${name}`;
    })
    .join('');
}

/** Edit distance, to recognise a misspelt field name (which is then safe and useful to repeat). */
function distance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2 || a.length > 40) return 99;
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length];
}

function unknownField(issue: z.core.$ZodIssue & { code: 'unrecognized_keys' }): string {
  const parent = issue.path.length === 0 ? '' : `${fieldPath(issue.path)}.`;
  const names = issue.keys.map((key) => {
    // A real field name or a near miss of one is a typo, safe to repeat; anything else could be pasted text.
    if (KNOWN_FIELDS.has(key)) return `${parent}${key} (a field of another section: check the indentation)`;
    const close = [...KNOWN_FIELDS].find((known) => distance(key, known) <= 2);
    return close ? `${parent}${key} (did you mean ${parent}${close}?)` : `${parent}<a key that is not shown>`;
  });
  return `${names.join(', ')}: unknown field${issue.keys.length > 1 ? 's' : ''}; check the spelling against README "Site configuration"`;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const at = fieldPath(issue.path);
  switch (issue.code) {
    case 'unrecognized_keys':
      return unknownField(issue);
    case 'invalid_type':
      if (issue.input === undefined) return `${at}: required field is missing (expected ${EXPECTED_TYPES[issue.expected] ?? issue.expected})`;
      // A number of the right type but not whole: our own message ("expected a whole port number").
      if (issue.expected === 'int' && typeof issue.input === 'number' && Number.isFinite(issue.input) && custom(issue.message)) return `${at}: ${issue.message}`;
      return `${at}: expected ${EXPECTED_TYPES[issue.expected] ?? issue.expected}, got ${describeType(issue.input)}`;
    case 'invalid_value':
      return `${at}: expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_key':
      return `${at}: a key here is not valid: expected a Kubernetes label key such as "hardware" or "example.com/gpu"`;
    case 'too_small':
      return `${at}: ${custom(issue.message) ?? (issue.origin === 'array' ? `expected at least ${issue.minimum} entries` : `expected at least ${issue.minimum}`)}`;
    case 'too_big':
      return `${at}: ${custom(issue.message) ?? (issue.origin === 'array' ? `expected at most ${issue.maximum} entries` : `expected at most ${issue.maximum}`)}`;
    default:
      return `${at}: ${custom(issue.message) ?? 'not valid here (see README "Site configuration")'}`;
  }
}

/** zod's type names in the words of a YAML file. */
const EXPECTED_TYPES: Record<string, string> = { int: 'a whole number', object: 'a mapping', record: 'a mapping', array: 'a list' };

/** Our schema's own messages; zod's defaults ("Too small: ...", "Invalid input") are replaced by plainer ones. */
function custom(message: string): string | undefined {
  return /^(Too small|Too big|Invalid)/.test(message) ? undefined : message;
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'number' && !Number.isFinite(value)) return 'a number out of range';
  return typeof value === 'object' ? 'a mapping' : `a ${typeof value}`;
}
