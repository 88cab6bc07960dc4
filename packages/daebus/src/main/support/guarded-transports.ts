import { toPlainError } from '../../shared/errors';
import type { Logger } from './logger';

/**
 * A winston transport whose `log()` throws never calls its callback: winston then holds every
 * later record in that transport's buffer, and the throw reaches whoever logged (an action's
 * caller got the transport's error, a stop's line left the stop half done). The app's logger has
 * each transport's writing methods wrapped: a throw is told once per transport on stderr (the
 * logger may be the one that cannot write), that record is dropped by that transport, and
 * everything else goes on.
 */
export function guardTransports(logger: Logger): Logger {
  if (guardedLoggers.has(logger)) return logger;
  guardedLoggers.add(logger);
  for (const transport of logger.transports) guardTransport(transport);
  // transports added later (`add`, `configure`, which calls add) are guarded as they come
  const add = logger.add;
  logger.add = function (this: Logger, transport) {
    const added = add.call(this, transport);
    for (const one of this.transports) guardTransport(one);
    return added;
  };
  return logger;
}

const guardedLoggers = new WeakSet<object>();
const guarded = new WeakSet<object>();
const told = new WeakSet<object>();

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
    methods[key] = function (this: object, ...args: unknown[]) {
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
  }
}

function tellThrown(transport: object, error: unknown): void {
  if (told.has(transport)) return;
  told.add(transport);
  const plain = toPlainError(error);
  const name = (transport as { name?: unknown }).name;
  const which = typeof name === 'string' && name !== '' ? `"${name}"` : transport.constructor.name;
  process.stderr.write(
    `daebus: a transport of the app's logger (${which}) threw (${plain.message}): that record was not written through it, ` +
      `and this is said once for it; the service and its other records go on. A transport's log() must not throw, ` +
      `and must call its callback.\n${plain.stack ?? ''}\n`,
  );
}
