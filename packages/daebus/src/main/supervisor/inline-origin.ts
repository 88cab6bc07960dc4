import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { InlineOrigin } from '../../shared/protocol/thread';

/** Enough frames to get past the library's own (registration is a few calls deep). */
const FRAMES = 40;
/** A stack frame's file, line and column: `at fn (file:line:col)` or `at file:line:col`. */
const FRAME = /(?:\(|at )((?:file:\/\/|\/|[A-Za-z]:\\)[^()]*?):(\d+):(\d+)\)?$/;

/**
 * Where an inline thread function is written: the file of a caller on the current stack whose text
 * holds the function's source, and the line and column (1-based) where that text starts. The worker
 * compiles the source as that file at that place, so a crash's stack names the user's line, not
 * the library's eval. Undefined when no caller's file holds the text as written (a transpiled
 * TypeScript file): the stack then names the thread instead.
 */
export function inlineOrigin(fn: (...args: never[]) => unknown): InlineOrigin | undefined {
  const text = Function.prototype.toString.call(fn);
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = FRAMES;
  const stack = new Error().stack ?? '';
  Error.stackTraceLimit = limit;
  const seen = new Set<string>();
  for (const line of stack.split('\n').slice(1)) {
    const match = FRAME.exec(line.trim());
    if (!match) continue;
    const [, file = '', callLine = '1'] = match;
    if (seen.has(file)) continue;
    seen.add(file);
    const origin = findIn(file, text, Number(callLine));
    if (origin) return origin;
  }
  return undefined;
}

function findIn(file: string, text: string, callLine: number): InlineOrigin | undefined {
  let source: string;
  try {
    source = readFileSync(file.startsWith('file://') ? fileURLToPath(file) : file, 'utf8');
  } catch {
    return undefined;
  }
  // the copy at or after the registering call, if the same text is written more than once
  let from = 0;
  for (let n = 1; n < callLine && from !== -1; n++) from = source.indexOf('\n', from) + 1 || -1;
  let at = from > 0 ? source.indexOf(text, from) : -1;
  if (at === -1) at = source.indexOf(text);
  if (at === -1) return undefined;
  const before = source.slice(0, at);
  const lineStart = before.lastIndexOf('\n') + 1;
  return { file, line: before.split('\n').length, column: at - lineStart + 1 };
}
