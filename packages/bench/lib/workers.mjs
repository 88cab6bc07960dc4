// Helpers for benchmarks that start library threads and raw workers.
import { MessageChannel, Worker } from 'node:worker_threads';
import { Daebus, createLogger } from 'daebus';
import { now } from './stats.mjs';

/** A fixture file of this package, as a file URL. */
export const fixture = (name) => new URL(`../fixtures/${name}`, import.meta.url);

/** An app whose logger prints nothing (crashes are on purpose here). */
export function quietApp(name, options = {}) {
  const logger = createLogger({ level: 'error' });
  logger.silent = true;
  return new Daebus(name, { logger, ...options });
}

/**
 * The next `event` of thread `name`, with the time (shared clock) at which it was emitted,
 * taken inside the listener. Rejects after `timeoutMs` so a stuck benchmark ends.
 */
export function nextEvent(app, event, name, timeoutMs = 30_000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      app.off(event, listener);
      reject(new Error(`no "${event}" event from thread "${name}" within ${timeoutMs} ms`));
    }, timeoutMs);
    function listener(payload) {
      if (payload.name !== name) return;
      const at = now();
      clearTimeout(timer);
      app.off(event, listener);
      resolve({ payload, at });
    }
    app.on(event, listener);
  });
}

/** A raw worker; its first message resolves `firstMessage` with the time it arrived. */
export function rawWorker(file, workerData) {
  const worker = new Worker(file, { workerData });
  worker.on('error', () => undefined); // a crash is read from 'exit'; never let it throw here
  const firstMessage = new Promise((resolve, reject) => {
    worker.once('message', (message) => resolve({ message, at: now() }));
    worker.once('error', reject);
  });
  firstMessage.catch(() => undefined);
  // Not events.once: it would reject on the 'error' that precedes a crash's 'exit'.
  const exited = new Promise((resolve) => worker.once('exit', () => resolve(now())));
  return { worker, firstMessage, exited };
}

/** Reject `promise` if it takes longer than `ms`. */
export function within(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Store `value` in slot `index` and wake every waiter on it. */
export function signal(view, index, value) {
  Atomics.store(view, index, value);
  Atomics.notify(view, index);
}

/**
 * A raw worker running fixture `file`, given one end of a MessageChannel as `workerData.port`
 * (beside any other `workerData`); resolves once it said 'ready'.
 */
export async function rawPortWorker(file, port, { workerData = {}, execArgv } = {}) {
  const worker = new Worker(fixture(file), {
    workerData: { ...workerData, port },
    transferList: [port],
    ...(execArgv === undefined ? {} : { execArgv }),
  });
  worker.on('error', () => undefined);
  await within(
    new Promise((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    }),
    10_000,
    `raw worker ${file} start`,
  );
  return worker;
}

/**
 * The raw floor of a port round trip: a fresh worker (fixtures/raw-echo.mjs) that sends each
 * message on its port straight back; `options` as for rawPortWorker. `send` resolves with the
 * echo; one message in flight at a time.
 */
export async function rawEcho(options) {
  const { port1, port2 } = new MessageChannel();
  let answer;
  port1.on('message', (message) => answer(message));
  const worker = await rawPortWorker('raw-echo.mjs', port2, options);
  return {
    send: (item) =>
      new Promise((resolve) => {
        answer = resolve;
        port1.postMessage(item);
      }),
    async stop() {
      await worker.terminate();
      port1.close();
    },
  };
}
