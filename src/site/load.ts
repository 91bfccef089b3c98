/**
 * Reading the site file: YAML parse, schema validation, and errors a user can act on.
 *
 * Errors name the field and what is expected, never the value that was there: a credential pasted into the
 * wrong field must not end up in a terminal or a CI log.
 */
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { siteSchema, type Site } from './schema';

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

/** Validates an already parsed site object (tests use this directly). */
export function parseSite(raw: unknown, file = 'site.yaml'): Site {
  // reportInput lets the message say what type was found; the value itself is never printed.
  const result = siteSchema.safeParse(raw ?? {}, { reportInput: true });
  if (!result.success) throw new ConfigError(file, result.error.issues.map(describeIssue));
  return result.data;
}

/** Reads and validates the site file. */
export function loadSite(file: string): Site {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new ConfigError(file, [`cannot read the file: create it (see README "Site configuration")`]);
  }
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    // The YAML library's messages quote the offending line; report the position only.
    throw new ConfigError(
      file,
      doc.errors.map((e) => `line ${e.linePos?.[0].line ?? '?'}, column ${e.linePos?.[0].col ?? '?'}: not valid YAML (${e.code})`),
    );
  }
  return parseSite(doc.toJS(), file);
}

function fieldPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(top level)';
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('');
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const at = fieldPath(issue.path);
  switch (issue.code) {
    case 'unrecognized_keys':
      return `${fieldPath([...issue.path, issue.keys[0]])}: unknown field${issue.keys.length > 1 ? `s ${issue.keys.join(', ')}` : ''}; check the spelling against README "Site configuration"`;
    case 'invalid_type':
      return issue.input === undefined
        ? `${at}: required field is missing (expected ${issue.expected})`
        : `${at}: expected ${issue.expected}, got ${describeType(issue.input)}`;
    case 'invalid_value':
      return `${at}: expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'too_small':
      return `${at}: ${custom(issue.message) ?? (issue.origin === 'array' ? `expected at least ${issue.minimum} entries` : `expected at least ${issue.minimum}`)}`;
    case 'too_big':
      return `${at}: ${custom(issue.message) ?? (issue.origin === 'array' ? `expected at most ${issue.maximum} entries` : `expected at most ${issue.maximum}`)}`;
    default:
      return `${at}: ${issue.message}`;
  }
}

/** Our schema's own messages; zod's defaults ("Too small: ...") are replaced by plainer ones. */
function custom(message: string): string | undefined {
  return /^(Too small|Too big|Invalid)/.test(message) ? undefined : message;
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'a mapping' : `a ${typeof value}`;
}
