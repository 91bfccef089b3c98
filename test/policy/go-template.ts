/**
 * A small interpreter for the subset of Go's text/template that Polaris' check definitions use, so that their
 * templated schemas (`{{ ... }}` in schemaString / additionalSchemaStrings) are rendered from their real text
 * instead of being re-typed by hand.
 *
 * Supported, with Go's semantics: text with `{{- ` / ` -}}` whitespace trimming; comments `{{/* ... *\/}}`;
 * actions that print a pipeline (a missing map key prints "<no value>"); `if` / `else` / `else if` / `end`;
 * `range [$k, $v :=] pipeline` over maps (sorted keys, like Go) and slices, with `else`; variable declaration
 * `$x := ...` and assignment `$x = ...` with Go's block scoping; field chains on `.`, `$`, `$var` and `( ... )`
 * (a missing key yields the invalid/"no value" value, a field of a non-map is an error); literals (strings, numbers,
 * true/false/nil); the functions eq, ne, not, and, or (short-circuit, returning an operand), len, index, print,
 * and Polaris' hasPrefix / hasSuffix. Anything else (pipes `|`, with, define, template, other functions) throws.
 */
import { isRecord } from './kube';

type Arg =
  | { t: 'field'; base: 'dot'; chain: string[] }
  | { t: 'var'; name: string; chain: string[] }
  | { t: 'paren'; pipe: Pipe; chain: string[] }
  | { t: 'str'; v: string }
  | { t: 'num'; v: number }
  | { t: 'bool'; v: boolean }
  | { t: 'nil' }
  | { t: 'ident'; name: string };

interface Pipe {
  decl?: { vars: string[]; assign: boolean };
  args: Arg[];
}

type Node =
  | { t: 'text'; s: string }
  | { t: 'action'; pipe: Pipe }
  | { t: 'if'; pipe: Pipe; then: Node[]; else: Node[] }
  | { t: 'range'; pipe: Pipe; then: Node[]; else: Node[] };

// ---- lexing ----

interface RawAction {
  inner: string;
  trimLeft: boolean;
  trimRight: boolean;
}

type Piece = { text: string } | { action: RawAction };

function isSpace(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\r' || c === '\n';
}

function splitTemplate(src: string): Piece[] {
  const pieces: Piece[] = [];
  let i = 0;
  while (i < src.length) {
    const open = src.indexOf('{{', i);
    if (open < 0) {
      pieces.push({ text: src.slice(i) });
      break;
    }
    pieces.push({ text: src.slice(i, open) });
    let j = open + 2;
    let trimLeft = false;
    if (src[j] === '-' && isSpace(src[j + 1])) {
      trimLeft = true;
      j += 1;
    }
    // find the closing delimiter, skipping string literals and comments
    let k = j;
    while (isSpace(src[k])) k++;
    let close: number;
    if (src.startsWith('/*', k)) {
      const endComment = src.indexOf('*/', k + 2);
      if (endComment < 0) throw new Error('template: unclosed comment');
      const m = /^\s*?(?: -)?\}\}/.exec(src.slice(endComment + 2));
      if (!m) throw new Error('template: comment ends before closing delimiter');
      close = endComment + 2 + m[0].length - 2;
    } else {
      let q: string | undefined;
      for (k = j; k < src.length; k++) {
        const c = src[k]!;
        if (q) {
          if (c === '\\' && q === '"') k++;
          else if (c === q) q = undefined;
          continue;
        }
        if (c === '"' || c === '`' || c === "'") q = c;
        else if (c === '}' && src[k + 1] === '}') break;
      }
      if (k >= src.length) throw new Error('template: unclosed action');
      close = k;
    }
    let inner = src.slice(j, close);
    let trimRight = false;
    if (/\s-$/.test(inner)) {
      trimRight = true;
      inner = inner.slice(0, -1);
    }
    pieces.push({ action: { inner, trimLeft, trimRight } });
    i = close + 2;
  }
  // apply trim markers
  for (let p = 0; p < pieces.length; p++) {
    const piece = pieces[p]!;
    if (!('action' in piece)) continue;
    const prev = pieces[p - 1];
    const next = pieces[p + 1];
    if (piece.action.trimLeft && prev && 'text' in prev) prev.text = prev.text.replace(/[ \t\r\n]+$/, '');
    if (piece.action.trimRight && next && 'text' in next) next.text = next.text.replace(/^[ \t\r\n]+/, '');
  }
  return pieces;
}

type Tok = { k: 'str' | 'num' | 'ident' | 'field' | 'var' | 'punct'; v: string };

function tokenize(s: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (isSpace(c)) {
      i++;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      while (j < s.length && s[j] !== '"') j += s[j] === '\\' ? 2 : 1;
      toks.push({ k: 'str', v: JSON.parse(s.slice(i, j + 1)) as string });
      i = j + 1;
      continue;
    }
    if (c === '`') {
      const j = s.indexOf('`', i + 1);
      toks.push({ k: 'str', v: s.slice(i + 1, j) });
      i = j + 1;
      continue;
    }
    if (s.startsWith(':=', i)) {
      toks.push({ k: 'punct', v: ':=' });
      i += 2;
      continue;
    }
    if ('()|=,'.includes(c)) {
      toks.push({ k: 'punct', v: c });
      i++;
      continue;
    }
    const m = /^(?:\$[A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*|\.(?:[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)?|-?\d+(?:\.\d+)?|[A-Za-z_][A-Za-z0-9_]*)/.exec(s.slice(i));
    if (!m) throw new Error(`template: unexpected "${s.slice(i, i + 10)}"`);
    const w = m[0];
    toks.push({ k: w.startsWith('$') ? 'var' : w.startsWith('.') ? 'field' : /^-?\d/.test(w) ? 'num' : 'ident', v: w });
    i += w.length;
  }
  return toks;
}

// ---- parsing ----

function parsePipe(toks: Tok[], pos: { i: number }, stopAtParen: boolean): Pipe {
  const pipe: Pipe = { args: [] };
  // declaration / assignment: $a := ..., $a, $b := ..., $a = ...
  const save = pos.i;
  const vars: string[] = [];
  while (toks[pos.i]?.k === 'var' && !toks[pos.i]!.v.includes('.')) {
    vars.push(toks[pos.i]!.v);
    pos.i++;
    if (toks[pos.i]?.v === ',') {
      pos.i++;
      continue;
    }
    break;
  }
  const op = toks[pos.i];
  if (vars.length > 0 && op?.k === 'punct' && (op.v === ':=' || op.v === '=')) {
    pipe.decl = { vars, assign: op.v === '=' };
    pos.i++;
  } else {
    pos.i = save;
  }
  while (pos.i < toks.length) {
    const tok = toks[pos.i]!;
    if (tok.k === 'punct' && tok.v === ')') {
      if (!stopAtParen) throw new Error('template: unexpected )');
      break;
    }
    if (tok.k === 'punct' && tok.v === '|') throw new Error('template: pipes are not supported');
    pipe.args.push(parseOperand(toks, pos));
  }
  if (pipe.args.length === 0) throw new Error('template: missing value for command');
  return pipe;
}

function splitChain(w: string): string[] {
  return w.split('.').filter((x) => x.length > 0);
}

function parseOperand(toks: Tok[], pos: { i: number }): Arg {
  const tok = toks[pos.i++]!;
  switch (tok.k) {
    case 'str':
      return { t: 'str', v: tok.v };
    case 'num':
      return { t: 'num', v: Number(tok.v) };
    case 'field':
      return { t: 'field', base: 'dot', chain: splitChain(tok.v) };
    case 'var': {
      const dot = tok.v.indexOf('.');
      return dot < 0 ? { t: 'var', name: tok.v, chain: [] } : { t: 'var', name: tok.v.slice(0, dot), chain: splitChain(tok.v.slice(dot)) };
    }
    case 'ident':
      if (tok.v === 'true' || tok.v === 'false') return { t: 'bool', v: tok.v === 'true' };
      if (tok.v === 'nil') return { t: 'nil' };
      return { t: 'ident', name: tok.v };
    case 'punct': {
      if (tok.v !== '(') throw new Error(`template: unexpected "${tok.v}"`);
      const pipe = parsePipe(toks, pos, true);
      if (toks[pos.i++]?.v !== ')') throw new Error('template: unclosed (');
      let chain: string[] = [];
      const next = toks[pos.i];
      if (next?.k === 'field' && next.v !== '.') {
        chain = splitChain(next.v);
        pos.i++;
      }
      return { t: 'paren', pipe, chain };
    }
  }
}

function parsePipeline(s: string): Pipe {
  const toks = tokenize(s);
  const pos = { i: 0 };
  const pipe = parsePipe(toks, pos, false);
  if (pos.i !== toks.length) throw new Error(`template: unexpected tokens in "${s}"`);
  return pipe;
}

function parse(src: string): Node[] {
  const root: Node[] = [];
  // stack of open control structures; `target` is the list new nodes go to
  const stack: { node: Extract<Node, { t: 'if' | 'range' }>; inElse: boolean; elseIfDepth: number }[] = [];
  const target = (): Node[] => {
    const top = stack[stack.length - 1];
    if (!top) return root;
    return top.inElse ? top.node.else : top.node.then;
  };
  for (const piece of splitTemplate(src)) {
    if ('text' in piece) {
      if (piece.text.length > 0) target().push({ t: 'text', s: piece.text });
      continue;
    }
    const inner = piece.action.inner.trim();
    if (inner.startsWith('/*')) continue; // comment
    const kw = /^([a-z]+)\b\s*([\s\S]*)$/.exec(inner);
    const word = kw?.[1];
    const rest = kw?.[2] ?? '';
    if (word === 'if' || word === 'range') {
      const node = { t: word, pipe: parsePipeline(rest), then: [], else: [] } as Extract<Node, { t: 'if' | 'range' }>;
      target().push(node);
      stack.push({ node, inElse: false, elseIfDepth: 0 });
    } else if (word === 'else') {
      const top = stack[stack.length - 1];
      if (!top || top.inElse) throw new Error('template: unexpected else');
      top.inElse = true;
      const elseIf = /^if\b\s*([\s\S]*)$/.exec(rest);
      if (elseIf) {
        // {{ else if X }} == {{ else }}{{ if X }} ... closed by the same {{ end }}
        const node: Extract<Node, { t: 'if' }> = { t: 'if', pipe: parsePipeline(elseIf[1]!), then: [], else: [] };
        top.node.else.push(node);
        stack.push({ node, inElse: false, elseIfDepth: top.elseIfDepth + 1 });
      } else if (rest.trim() !== '') {
        throw new Error(`template: unsupported else clause "${rest}"`);
      }
    } else if (word === 'end') {
      let top = stack.pop();
      if (!top) throw new Error('template: unexpected end');
      while (top.elseIfDepth > 0) top = stack.pop()!; // unwind the else-if chain
    } else if (word && ['with', 'define', 'template', 'block', 'break', 'continue'].includes(word)) {
      throw new Error(`template: "${word}" is not supported`);
    } else {
      target().push({ t: 'action', pipe: parsePipeline(inner) });
    }
  }
  if (stack.length > 0) throw new Error('template: unexpected EOF (missing end)');
  return root;
}

// ---- evaluation ----

const NO_VALUE = undefined;

export function goTruthy(v: unknown): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string') return v.length > 0;
  if (Array.isArray(v)) return v.length > 0;
  if (isRecord(v)) return Object.keys(v).length > 0;
  return true;
}

function goKind(v: unknown): string {
  if (v === undefined || v === null) return 'invalid';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  return typeof v === 'object' ? (Array.isArray(v) ? 'slice' : 'map') : typeof v;
}

/** text/template's eq: basic kinds compare by value; comparing two valid values of different kinds is an error. */
function goEq(a: unknown, ...bs: unknown[]): boolean {
  if (bs.length === 0) throw new Error('template: missing argument for comparison');
  const ka = goKind(a);
  for (const b of bs) {
    const kb = goKind(b);
    // JSON numbers decode to float64 in Go; an int literal vs a float64 field is an incompatible comparison there,
    // but our numbers carry no such type, so numbers compare by value.
    const numeric = (k: string) => k === 'int' || k === 'float';
    if (ka !== kb && !(numeric(ka) && numeric(kb))) {
      if (ka !== 'invalid' && kb !== 'invalid') throw new Error('template: incompatible types for comparison');
      continue;
    }
    if (ka === 'map' || ka === 'slice') throw new Error('template: non-comparable type');
    if (a === b || (ka === 'invalid' && kb === 'invalid')) return true;
  }
  return false;
}

/**
 * fmt's %v of a number. The resource object keeps YAML integers as Go ints (printed plainly); JSON-decoded values
 * would be float64 (1e+06 style past 6 digits), a distinction plain JS numbers do not carry: integers print plainly.
 */
function goNumber(n: number): string {
  if (Number.isInteger(n)) return String(n);
  return String(n).replace(/e([+-])(\d)$/, 'e$10$2');
}

function goPrintValue(v: unknown): string {
  if (v === undefined) return '<no value>';
  if (v === null) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return goNumber(v);
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(goPrintValue).join(' ')}]`;
  if (isRecord(v)) return `map[${Object.keys(v).sort().map((k) => `${k}:${goPrintValue(v[k])}`).join(' ')}]`;
  return String(v);
}

/** fmt.Sprint: spaces between operands when neither side is a string. */
function goSprint(args: unknown[]): string {
  let out = '';
  args.forEach((a, i) => {
    const s = a === undefined || a === null ? '<nil>' : goPrintValue(a);
    if (i > 0 && typeof a !== 'string' && typeof args[i - 1] !== 'string') out += ' ';
    out += s;
  });
  return out;
}

class Scope {
  private frames: Map<string, unknown>[] = [new Map()];
  constructor(root: unknown) {
    this.frames[0]!.set('$', root);
  }
  push() {
    this.frames.push(new Map());
  }
  pop() {
    this.frames.pop();
  }
  declare(name: string, v: unknown) {
    this.frames[this.frames.length - 1]!.set(name, v);
  }
  assign(name: string, v: unknown) {
    for (let i = this.frames.length - 1; i >= 0; i--) {
      if (this.frames[i]!.has(name)) {
        this.frames[i]!.set(name, v);
        return;
      }
    }
    throw new Error(`template: undefined variable: ${name}`);
  }
  get(name: string): unknown {
    for (let i = this.frames.length - 1; i >= 0; i--) {
      if (this.frames[i]!.has(name)) return this.frames[i]!.get(name);
    }
    throw new Error(`template: undefined variable: ${name}`);
  }
}

function fieldChain(v: unknown, chain: string[]): unknown {
  for (const name of chain) {
    if (v === undefined || v === null) return NO_VALUE;
    if (!isRecord(v)) throw new Error(`template: can't evaluate field ${name} in type ${goKind(v)}`);
    v = Object.prototype.hasOwnProperty.call(v, name) ? v[name] : NO_VALUE;
  }
  return v;
}

function evalArg(arg: Arg, dot: unknown, scope: Scope): unknown {
  switch (arg.t) {
    case 'field':
      return fieldChain(dot, arg.chain);
    case 'var':
      return fieldChain(scope.get(arg.name), arg.chain);
    case 'paren':
      return fieldChain(evalPipe(arg.pipe, dot, scope), arg.chain);
    case 'str':
    case 'num':
    case 'bool':
      return arg.v;
    case 'nil':
      return null;
    case 'ident':
      return callFunction(arg.name, [], dot, scope);
  }
}

function callFunction(name: string, args: Arg[], dot: unknown, scope: Scope): unknown {
  const ev = (a: Arg) => evalArg(a, dot, scope);
  const str = (v: unknown, fn: string): string => {
    if (typeof v !== 'string') throw new Error(`template: error calling ${fn}: invalid value; expected string`);
    return v;
  };
  switch (name) {
    case 'and': {
      let v: unknown;
      for (const a of args) {
        v = ev(a);
        if (!goTruthy(v)) return v;
      }
      return v;
    }
    case 'or': {
      let v: unknown;
      for (const a of args) {
        v = ev(a);
        if (goTruthy(v)) return v;
      }
      return v;
    }
    case 'not':
      if (args.length !== 1) throw new Error('template: wrong number of args for not');
      return !goTruthy(ev(args[0]!));
    case 'eq':
      return goEq(ev(args[0]!), ...args.slice(1).map(ev));
    case 'ne':
      if (args.length !== 2) throw new Error('template: wrong number of args for ne');
      return !goEq(ev(args[0]!), ev(args[1]!));
    case 'hasPrefix':
      return str(ev(args[0]!), name).startsWith(str(ev(args[1]!), name));
    case 'hasSuffix':
      return str(ev(args[0]!), name).endsWith(str(ev(args[1]!), name));
    case 'len': {
      const v = ev(args[0]!);
      if (typeof v === 'string' || Array.isArray(v)) return v.length;
      if (isRecord(v)) return Object.keys(v).length;
      throw new Error(`template: error calling len: len of ${goKind(v)}`);
    }
    case 'index': {
      let v = ev(args[0]!);
      for (const a of args.slice(1)) {
        const k = ev(a);
        if (v === undefined || v === null) throw new Error('template: error calling index: index of untyped nil');
        if (Array.isArray(v) && typeof k === 'number') v = v[k];
        else if (isRecord(v) && typeof k === 'string') v = Object.prototype.hasOwnProperty.call(v, k) ? v[k] : NO_VALUE;
        else throw new Error(`template: error calling index: cannot index ${goKind(v)} with ${goKind(k)}`);
      }
      return v;
    }
    case 'print':
      return goSprint(args.map(ev));
    default:
      throw new Error(`template: function "${name}" not defined`);
  }
}

function evalPipe(pipe: Pipe, dot: unknown, scope: Scope): unknown {
  const [first, ...rest] = pipe.args;
  if (first!.t === 'ident' && !['true', 'false', 'nil'].includes(first!.name)) return callFunction(first!.name, rest, dot, scope);
  if (rest.length > 0) throw new Error("template: can't give argument to non-function");
  return evalArg(first!, dot, scope);
}

function execNodes(nodes: Node[], dot: unknown, scope: Scope, out: string[]): void {
  for (const node of nodes) {
    switch (node.t) {
      case 'text':
        out.push(node.s);
        break;
      case 'action': {
        const v = evalPipe(node.pipe, dot, scope);
        if (node.pipe.decl) {
          const name = node.pipe.decl.vars[0]!;
          if (node.pipe.decl.assign) scope.assign(name, v);
          else scope.declare(name, v);
        } else {
          out.push(goPrintValue(v));
        }
        break;
      }
      case 'if': {
        const v = evalPipe(node.pipe, dot, scope);
        scope.push();
        execNodes(goTruthy(v) ? node.then : node.else, dot, scope, out);
        scope.pop();
        break;
      }
      case 'range': {
        const v = evalPipe(node.pipe, dot, scope);
        const vars = node.pipe.decl?.vars ?? [];
        let entries: [unknown, unknown][] = [];
        if (Array.isArray(v)) entries = v.map((x, i) => [i, x]);
        else if (isRecord(v)) entries = Object.keys(v).sort().map((k) => [k, v[k]]);
        else if (v !== undefined && v !== null) throw new Error(`template: range can't iterate over ${goPrintValue(v)}`);
        if (entries.length === 0) {
          scope.push();
          execNodes(node.else, dot, scope, out);
          scope.pop();
          break;
        }
        for (const [k, x] of entries) {
          scope.push();
          if (vars.length === 1) scope.declare(vars[0]!, x);
          else if (vars.length === 2) {
            scope.declare(vars[0]!, k);
            scope.declare(vars[1]!, x);
          }
          execNodes(node.then, x, scope, out);
          scope.pop();
        }
        break;
      }
    }
  }
}

const cache = new Map<string, Node[]>();

/** Execute a Go text/template (the supported subset) on `data`. */
export function renderGoTemplate(src: string, data: unknown): string {
  let nodes = cache.get(src);
  if (!nodes) {
    nodes = parse(src);
    cache.set(src, nodes);
  }
  const out: string[] = [];
  execNodes(nodes, data, new Scope(data), out);
  return out.join('');
}
