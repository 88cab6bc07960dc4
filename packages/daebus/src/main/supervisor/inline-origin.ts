import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { InlineOrigin } from '../../shared/protocol/thread';

/** Enough frames to get past the library's own (registration is a few calls deep). */
const FRAMES = 40;
/** A file a frame may run from: a path or a file URL (not `node:internal/...`, not an eval). */
const FILE = /^(?:file:\/\/|\/|[A-Za-z]:\\)/;

/**
 * Where an inline thread function is written: the file of a caller on the current stack whose text
 * holds the function's source, and the line and column (1-based) where that text starts. The worker
 * compiles the source as that file at that place, so a crash's stack names the user's line, not
 * the library's eval. Undefined when no caller's file holds the text as written (a transpiled
 * TypeScript file): the stack then names the thread instead.
 */
export function inlineOrigin(fn: (...args: never[]) => unknown): InlineOrigin | undefined {
  const text = Function.prototype.toString.call(fn);
  const seen = new Set<string>();
  for (const call of callSites()) {
    const file = call.getFileName() ?? '';
    if (!FILE.test(file) || seen.has(file)) continue;
    seen.add(file);
    const origin = findIn(file, text, call.getLineNumber() ?? 1);
    if (origin) return origin;
  }
  return undefined;
}

/**
 * The current stack as V8's call sites, whatever the process's own `Error.prepareStackTrace`
 * does (one that returns no string, or maps positions to a source map's: the text searched for
 * is in the file that runs).
 */
function callSites(): NodeJS.CallSite[] {
  const { stackTraceLimit, prepareStackTrace } = Error;
  Error.stackTraceLimit = FRAMES;
  Error.prepareStackTrace = (_err, calls) => calls;
  try {
    const holder: { stack?: unknown } = {};
    Error.captureStackTrace(holder);
    return Array.isArray(holder.stack) ? (holder.stack as NodeJS.CallSite[]) : [];
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
    Error.prepareStackTrace = prepareStackTrace;
  }
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
