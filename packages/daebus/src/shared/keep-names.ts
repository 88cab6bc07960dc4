/**
 * esbuild's keepNames (tsx, `esbuild --keep-names`) names a function's inner functions and classes
 * with a helper defined in the compiled file: `__name(fn, "x")`, or, minified, a one- or
 * two-letter name (`t(i=>i*2,"double")`, `n(this,"K")` in a static block). The helper is not part
 * of the function, so an inline thread that uses it finds it undefined in its worker: the shipped
 * source brings its own. Minified, the helper is known only by that call shape, so this scans
 * the function's source for it (strings, comments, templates and regular expressions skipped).
 */

/** A minified helper's name is short; a longer name in this shape is more likely the user's own function. */
const MINIFIED = /^[A-Za-z_$][\w$]{0,2}$/;
const UNMINIFIED = /^__name\d*$/;
/** Words a `(` may follow that are not a callee. */
const KEYWORDS = new Set(
  (
    'if for while switch catch function return typeof void delete await yield new in of instanceof do else case ' +
    'throw import super this class const let var with try finally export default extends static get set async'
  ).split(' '),
);

type Token = { kind: 'name' | 'string' | 'punct' | 'other'; text: string };

/**
 * The names the function's source calls only as `X(anything, "string")`, that are not globals:
 * esbuild's keepNames helper, to be supplied in the worker.
 */
export function keepNamesHelpersIn(source: string): string[] {
  const uses = new Map<string, number>();
  const shaped = new Map<string, number>();
  const open: { callee?: string; commas: number }[] = [];
  const list = [...tokens(source)];
  list.forEach((token, at) => {
    const prev = list[at - 1];
    const beforePrev = list[at - 2];
    if (token.kind === 'name' && !isProperty(prev) && !isKey(prev, list[at + 1])) uses.set(token.text, (uses.get(token.text) ?? 0) + 1);
    if (token.kind !== 'punct') return;
    if (token.text === '(' || token.text === '[' || token.text === '{' || token.text === '${') {
      const callee =
        token.text === '(' && prev?.kind === 'name' && !isProperty(beforePrev) && !isDeclaration(beforePrev) ? prev.text : undefined;
      open.push(callee === undefined ? { commas: 0 } : { callee, commas: 0 });
    } else if (token.text === ',') {
      const top = open[open.length - 1];
      if (top) top.commas += 1;
    } else if (token.text === ')' || token.text === ']' || token.text === '}') {
      const call = open.pop();
      const callee = call?.callee;
      if (callee !== undefined && call?.commas === 1 && prev?.kind === 'string' && beforePrev?.text === ',') {
        shaped.set(callee, (shaped.get(callee) ?? 0) + 1);
      }
    }
  });
  const minified = looksMinified(source);
  return [...shaped].filter(([name, count]) => uses.get(name) === count && isHelperName(name, minified)).map(([name]) => name);
}

/**
 * A short name counts only in minified text: in code as written (indented lines), `go(fn, "job")`
 * calls the user's own helper of the file, and a stand-in that only names `fn` would silently do
 * nothing of what it does; left undefined, it fails with THREAD_INLINE_SCOPE, which says why.
 */
function isHelperName(name: string, minified: boolean): boolean {
  return (UNMINIFIED.test(name) || (minified && MINIFIED.test(name))) && !KEYWORDS.has(name) && !(name in globalThis);
}

/** A minifier's output has no indented lines (esbuild --minify writes the function on one line). */
function looksMinified(source: string): boolean {
  return !/\n[ \t]+\S/.test(source);
}

function isProperty(before: Token | undefined): boolean {
  return before !== undefined && (before.text === '.' || before.text === '?.' || before.text === '#');
}

/** An object literal's key (`{ n: 1 }`, `, n: 2`): a property, not the variable. */
function isKey(before: Token | undefined, after: Token | undefined): boolean {
  return after?.text === ':' && (before?.text === '{' || before?.text === ',');
}

/** `function X(`, `new X(`: not a call of X as a plain function. */
function isDeclaration(before: Token | undefined): boolean {
  return before !== undefined && (before.text === 'function' || before.text === 'new' || before.text === 'class');
}

/** The tokens a call's shape depends on; string and template contents, comments and regexes skipped. */
function* tokens(source: string): Generator<Token> {
  // each open template's `${` depth: a `}` at that depth resumes the template's text
  const templates: number[] = [];
  let depth = 0;
  let last: Token | undefined;
  let i = 0;
  const emit = (token: Token): Token => (last = token);
  while (i < source.length) {
    const c = source[i] as string;
    const next = source[i + 1];
    if (/\s/.test(c)) {
      i += 1;
    } else if (c === '/' && next === '/') {
      i = lineEnd(source, i);
    } else if (c === '/' && next === '*') {
      const end = source.indexOf('*/', i + 2);
      i = end < 0 ? source.length : end + 2;
    } else if (c === '"' || c === "'") {
      i = quotedEnd(source, i, c);
      yield emit({ kind: 'string', text: c });
    } else if (c === '`' || (c === '}' && templates[templates.length - 1] === depth)) {
      if (c === '}') {
        // the end of a template's `${ ... }`: its text goes on
        templates.pop();
        depth -= 1;
        yield emit({ kind: 'punct', text: '}' });
      }
      const end = templateEnd(source, i + 1);
      i = end.at;
      if (end.opensExpression) {
        templates.push(++depth);
        yield emit({ kind: 'punct', text: '${' });
      } else {
        yield emit({ kind: 'other', text: '`' });
      }
    } else if (c === '/' && startsExpression(last)) {
      i = regexEnd(source, i);
      yield emit({ kind: 'other', text: '/re/' });
    } else if (/[A-Za-z_$]/.test(c)) {
      const name = /^[\w$]+/.exec(source.slice(i, i + 256))?.[0] ?? c;
      i += name.length;
      yield emit({ kind: 'name', text: name });
    } else if (/[0-9]/.test(c)) {
      i += /^[\w.]+/.exec(source.slice(i, i + 64))?.[0].length ?? 1;
      yield emit({ kind: 'other', text: '0' });
    } else {
      const text = c === '?' && next === '.' && !/[0-9]/.test(source[i + 2] ?? '') ? '?.' : c;
      i += text.length;
      if (text === '{' || text === '(' || text === '[') depth += 1;
      if (text === '}' || text === ')' || text === ']') depth -= 1;
      yield emit({ kind: 'punct', text });
    }
  }
}

/** A `/` after these starts a regular expression; after a value (name, `)`, `]`, number, string) it divides. */
function startsExpression(last: Token | undefined): boolean {
  if (last === undefined) return true;
  if (last.kind === 'name') return KEYWORDS.has(last.text) && last.text !== 'this' && last.text !== 'super';
  if (last.kind === 'punct') return last.text !== ')' && last.text !== ']';
  return false;
}

function lineEnd(source: string, from: number): number {
  const end = source.indexOf('\n', from);
  return end < 0 ? source.length : end + 1;
}

function quotedEnd(source: string, from: number, quote: string): number {
  let i = from + 1;
  while (i < source.length && source[i] !== quote && source[i] !== '\n') i += source[i] === '\\' ? 2 : 1;
  return i + 1;
}

/** Where a template's text ends: at its closing backquote, or at a `${` (just after it). */
function templateEnd(source: string, from: number): { at: number; opensExpression: boolean } {
  let i = from;
  while (i < source.length) {
    if (source[i] === '\\') i += 2;
    else if (source[i] === '`') return { at: i + 1, opensExpression: false };
    else if (source[i] === '$' && source[i + 1] === '{') return { at: i + 2, opensExpression: true };
    else i += 1;
  }
  return { at: i, opensExpression: false };
}

function regexEnd(source: string, from: number): number {
  let i = from + 1;
  let inClass = false;
  while (i < source.length && source[i] !== '\n') {
    const c = source[i];
    if (c === '\\') i += 1;
    else if (c === '[') inClass = true;
    else if (c === ']') inClass = false;
    else if (c === '/' && !inClass) break;
    i += 1;
  }
  i += 1;
  while (i < source.length && /[a-z]/.test(source[i] as string)) i += 1;
  return i;
}

/** The helper for `name`: names a function as esbuild's does; anything else is the user's own, undefined here. */
export function keepNamesHelper(name: string): string {
  return (
    `(fn, name) => { if (typeof fn !== "function") throw new ReferenceError(${JSON.stringify(`${name} is not defined`)}); ` +
    'return Object.defineProperty(fn, "name", { value: name, configurable: true }); }'
  );
}

/** `candidate` (an expression for the function) with the keepNames helpers it calls supplied around it. */
export function withKeepNamesHelpers(candidate: string, helpers: string[]): string {
  return helpers.length === 0 ? candidate : `((${helpers.join(', ')}) => ${candidate})(${helpers.map(keepNamesHelper).join(', ')})`;
}
