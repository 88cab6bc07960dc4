import { toPlainError } from '../../shared/errors';
import { CountedLines } from './counted-lines';
import type { Logger } from './logger';

/**
 * A winston transport whose `log()` throws never calls its callback: winston then holds every
 * later record in that transport's buffer, and the throw reaches whoever logged (an action's
 * caller got the transport's error, a stop's line left the stop half done). And an error a
 * transport reports (its callback's, an 'error' event) is thrown by winston at whoever logged
 * when the logger has no 'error' listener. The app's logger has each transport's writing methods
 * wrapped, those piped later too (`add`, `configure`, the exception and rejection handlers): a
 * throw is told once per transport on stderr (the logger may be the one that cannot write), and
 * a reported error when the app does not listen for them; the service and the other records go on.
 */
export function guardTransports(logger: Logger): Logger {
  if (guardedLoggers.has(logger)) return logger;
  const pipe = logger.pipe;
  const guardedPipe = function (this: Logger, destination: NodeJS.WritableStream, options?: { end?: boolean }) {
    guardTransport(destination);
    return pipe.call(this, destination, options);
  };
  // a logger that cannot take the wrapper (frozen) is used as it is
  if (!Reflect.defineProperty(logger, 'pipe', { value: guardedPipe, configurable: true, writable: true })) return logger;
  guardedLoggers.add(logger);
  for (const transport of logger.transports) guardTransport(transport);
  const reported = reportedLines();
  reportedByLogger.set(logger, reported);
  logger.on('error', (err: unknown, transport?: unknown) => {
    if (logger.listenerCount('error') === 1) tellReported(reported, transport, err);
  });
  return logger;
}

/** Say now how many reported errors of `logger`'s transports were counted and not said (a stop's end: the timer may not get to). */
export function flushTransportReports(logger: Logger): void {
  reportedByLogger.get(logger)?.flush();
}

const guardedLoggers = new WeakSet<object>();
const guarded = new WeakSet<object>();
const toldThrown = new WeakSet<object>();
/** A guarded logger's transports' reported errors: the first of each in a second said, the rest counted. */
const reportedByLogger = new WeakMap<object, CountedLines<Reported>>();
/** A key per transport, for the counts. */
const transportKeys = new WeakMap<object, string>();
let transportsKeyed = 0;

interface Reported {
  name: string;
  message: string;
}

/** A writing method's name and where its callback goes in its arguments. */
const WRITERS = [
  ['log', 1],
  ['logv', 1],
  ['_write', 2],
  ['_writev', 1],
] as const;

type Writer = (...args: unknown[]) => unknown;

function guardTransport(transport: object): void {
  if (guarded.has(transport)) return;
  guarded.add(transport);
  const methods = transport as Record<string, unknown>;
  for (const [key, at] of WRITERS) {
    const original = methods[key];
    if (typeof original !== 'function') continue;
    const wrapped = function (this: object, ...args: unknown[]) {
      // the callback runs once, whether the method called it before throwing or not
      const callback = args[at];
      let called = false;
      const once = (...results: unknown[]): void => {
        if (called) return;
        called = true;
        if (typeof callback === 'function') (callback as Writer)(...results);
      };
      args[at] = once;
      try {
        return (original as Writer).apply(this, args);
      } catch (error) {
        tellThrown(transport, error);
        once();
        return undefined;
      }
    };
    // defined, not assigned: a method that is a getter of the transport's class would refuse an assignment
    Reflect.defineProperty(transport, key, { value: wrapped, configurable: true, writable: true, enumerable: false });
  }
}

/** What a line names the transport by: its `name`, or its class (the user's, inside winston's exception and legacy wrappers). */
function nameOf(transport: unknown): string {
  const inner = (transport as { transport?: unknown } | null)?.transport ?? transport;
  const name = (inner as { name?: unknown } | null)?.name;
  if (typeof name === 'string' && name !== '') return `"${name}"`;
  return (inner as object | null)?.constructor?.name ?? 'unnamed';
}

function tellThrown(transport: object, error: unknown): void {
  if (toldThrown.has(transport)) return;
  toldThrown.add(transport);
  const plain = toPlainError(error);
  process.stderr.write(
    `daebus: a transport of the app's logger (${nameOf(transport)}) threw (${plain.message}) as it wrote: what it was writing ` +
      `may be lost, and this is said once for it; the service and its other records go on. A transport's log() and format ` +
      `must not throw, and log() must call its callback.\n${plain.stack ?? ''}\n`,
  );
}

/** One logger's count of its transports' reported errors, said one line a transport a second. */
function reportedLines(): CountedLines<Reported> {
  return CountedLines.perKey<Reported>((_, more, last) =>
    process.stderr.write(
      `daebus: a transport of the app's logger (${last.name}) failed ${more} more time(s) in a second, not said each; the last: ${last.message}.\n`,
    ),
  );
}

/** A transport's reported error: the first in a second said, with what to do; the rest counted into one line a second later. */
function tellReported(lines: CountedLines<Reported>, transport: unknown, error: unknown): void {
  const reported = { name: nameOf(transport), message: toPlainError(error).message };
  if (!lines.first(keyOf(transport), reported)) return;
  process.stderr.write(
    `daebus: a transport of the app's logger (${reported.name}) failed: ${reported.message}. ` +
      `Listen for the logger's 'error' event to handle these yourself.\n`,
  );
}

function keyOf(transport: unknown): string {
  if (transport === null || typeof transport !== 'object') return 'unknown';
  let key = transportKeys.get(transport);
  if (key === undefined) transportKeys.set(transport, (key = String(++transportsKeyed)));
  return key;
}
