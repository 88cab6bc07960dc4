import { workerData } from 'node:worker_threads';
import { DaebusError, ErrorCodes } from '../shared/errors';
import { RECEIPT_SLOT, RUN, RUN_SLOT } from '../shared/flags';
import { isQueueItem } from '../shared/protocol/core';
import { BOOT_KEY, type MainToThread, type ThreadBoot, type ThreadToMain } from '../shared/protocol/thread';
import { ThreadContext } from './context';
import { markDaebusWorker, setCurrent } from './current';
import { ThreadInbox } from './inbox';
import { MainLink } from './link';
import { pacedPort } from './paced-port';
import { explainInlineError, loadThreadFunction, prepareThreadLoad } from './load';
import { createLogger, portSink } from './log';
import { startHeartbeat } from './heartbeat';
import { ThreadStop } from './stop';
import { copyableError, crashOnUnhandledRejections } from './crash-error';

/**
 * Runs one thread inside its worker: load the function, tell the supervisor it is ready, run it,
 * and end the worker when it returns. A throw here reaches the supervisor as the worker's
 * `error` event, with the error's `code` kept, which is how load failures are told from crashes.
 */
export async function runThread(): Promise<void> {
  const boot = (workerData as Record<string, unknown> | null)?.[BOOT_KEY] as ThreadBoot | undefined;
  if (boot === undefined) {
    throw new DaebusError(ErrorCodes.NOT_IN_THREAD, 'The daebus worker entry is started by the daebus supervisor only (app.thread(...)).');
  }
  const { port, name } = boot;
  markDaebusWorker();
  crashOnUnhandledRejections();
  const flags = new Int32Array(boot.flags);
  startHeartbeat(flags, boot.tickMs);

  const log = createLogger(portSink(port, flags));
  const stop = new ThreadStop(flags, log);
  const link = new MainLink(pacedPort(port, flags), () => Atomics.add(flags, RECEIPT_SLOT, 1));
  const inbox = new ThreadInbox(port, log);
  /** Tell the main side what the returned thread still waits for: a stop that gives up on it names it. */
  const finishing = (waitingFor: string): void => port.postMessage({ type: 'finishing', waitingFor } satisfies ThreadToMain);
  // A held worker (started ahead of its run: ThreadBoot.held) waits here for `go` or `stop`.
  let release: (() => void) | undefined;
  const released = boot.held ? new Promise<void>((resolve) => (release = resolve)) : undefined;
  // The listener also keeps the worker alive while the thread function awaits something that
  // holds no handle of its own.
  port.on('message', (message: MainToThread) => {
    if (isQueueItem(message)) {
      link.receive(message);
      return;
    }
    switch (message.type) {
      case 'stop':
        stop.notice();
        release?.();
        return;
      case 'go':
        release?.();
        return;
      case 'result':
        link.receive(message);
        return;
      case 'request':
        void inbox.answer(message.id, message.name, message.payload);
        return;
      case 'post':
        void inbox.post(message.name, message.payload);
        return;
    }
  });

  // a message this thread cannot read (a value nested deeper than its stack takes, as through an
  // array's extra properties, which the main side's check does not count): the port drops it
  port.on('messageerror', (err: Error) =>
    log.error(
      `A message from the main thread could not be read in this thread and was dropped (${err.message}): a value in it nests ` +
        'deeper than this thread can read. A call waiting for it (a get, a map read) does not end: flatten the value, or raise resourceLimits.stackSizeMb.',
    ),
  );

  const context = new ThreadContext({
    name,
    workerData: boot.workerData,
    restarts: boot.restarts,
    log,
    flags,
    stop,
    link,
    inbox,
  });
  setCurrent({ log });

  // Everything up to here is the library's own boot; user code starts with the module's import.
  await prepareThreadLoad(boot.entry, boot.held);
  port.postMessage({ type: 'booted' } satisfies ThreadToMain);
  if (released) {
    await released;
    if (Atomics.load(flags, RUN_SLOT) !== RUN) process.exit(0); // dismissed before its release
  }
  const fn = await loadThreadFunction(name, boot.entry).catch((err: unknown) => {
    throw copyableError(err); // the module's own error is its cause, whatever its chain
  });
  if (Atomics.load(flags, RUN_SLOT) === RUN) {
    port.postMessage({ type: 'ready' } satisfies ThreadToMain);
    try {
      await fn(context.running, context);
    } catch (err) {
      throw copyableError(boot.entry.kind === 'inline' ? explainInlineError(name, err) : err);
    } finally {
      // a function that returns (or throws) as soon as it sees the stop must not skip its hooks
      await stop.finish(finishing);
    }
  }
  // The thread function returned. After a stop, the message handlers under way finish first
  // (those of what the main side sent before it; it sends nothing after, so the wait ends). A
  // function that returned on its own ends the thread now: the main side sends to it until it
  // exits, and a wait for its handlers would last as long as messages came. What it, its hooks
  // and its handlers posted is already queued on the main side's port, which reads it all before closing.
  if (stop.poll()) await inbox.settled((underWay) => finishing(`${underWay} message handler(s)`));
  // A throw in a `t.signal` 'abort' listener is raised on a later tick (as EventTarget does):
  // exiting in this one lost it without a word. One turn lets it out, to be reported as a crash.
  await new Promise((resolve) => setImmediate(resolve));
  process.exit(0);
}
