// The module every piscina worker of the pool loads. It never fails to load: the user's handler
// module is imported per task, inside the task, so a broken module fails that task alone (a
// piscina worker whose own module fails to load stops the pool from replacing workers).
import { BroadcastChannel, workerData } from 'node:worker_threads';
import { DaebusError, ErrorCodes } from '../shared/errors';
import { SoloMap } from '../shared/solo-map';
import type { MessageSink } from '../shared/protocol/core';
import {
  POOL_CHANNEL_KEY,
  POOL_POSTED_KEY,
  type MainToPooled,
  type PoolEnvelope,
  type PooledTask,
  type PooledToMain,
} from '../shared/protocol/pool';
import { pickHandler, type PooledHandler } from './define-handler';
import { MainLink } from './link';
import { createLogger, portSink, type ThreadLogger } from './log';
import { PooledContext } from './pooled-context';
import { setCurrent } from './current';
import { loadFailure } from './load';
import { markRunning } from './pool-slot';
import { ensureLoader } from './typescript';
import type { WorkerChannel } from './worker-context';

const handlers = new Map<string, Promise<PooledHandler>>();

async function load(specifier: string, exportName: string, loader: string | undefined): Promise<PooledHandler> {
  let mod: unknown;
  try {
    await ensureLoader(loader);
    mod = await import(specifier);
  } catch (err) {
    throw loadFailure(`The pooled handler module ${specifier} could not be loaded`, err);
  }
  const handler = pickHandler(mod, exportName);
  if (!handler) {
    throw new DaebusError(
      ErrorCodes.THREAD_LOAD_FAILED,
      `The pooled handler module ${specifier} has no function export "${exportName}"; export one made with defineHandler() from 'daebus/thread'.`,
    );
  }
  return handler;
}

function handlerFor(specifier: string, exportName: string, loader: string | undefined): Promise<PooledHandler> {
  const key = `${specifier}#${exportName}`;
  let found = handlers.get(key);
  if (!found) {
    found = load(specifier, exportName, loader);
    // a failed load is not cached: the next call tries again
    found.catch(() => handlers.delete(key));
    handlers.set(key, found);
  }
  return found;
}

/**
 * One BroadcastChannel per pool, opened once per worker: every call's progress, logs and shared
 * state travel on it tagged with the call's id, instead of a MessageChannel made and transferred
 * for every call (which cost more than the call itself for small handlers).
 */
const channel = new BroadcastChannel((workerData as Record<string, string>)[POOL_CHANNEL_KEY] ?? 'daebus-pool');
channel.unref();
/** Messages posted on the channel by every worker of the pool (see POOL_POSTED_KEY). */
const posted = (workerData as Record<string, unknown>)[POOL_POSTED_KEY] as Int32Array | undefined;
/** The running call's link (one call at a time per worker: see SoloMap). */
const links = new SoloMap<number, MainLink>();
channel.onmessage = (event) => {
  const { call, message } = (event as { data: PoolEnvelope<MainToPooled> }).data;
  links.get(call)?.receive(message);
};

/**
 * One pooled call's end of the pool's channel: its messages go tagged with its id. Its logger
 * and its link to the main side are made on first use: a small handler often needs neither, and
 * they were most of what a call allocated here.
 */
class PooledCall implements MessageSink<PooledToMain>, WorkerChannel {
  readonly #id: number;
  #log: ThreadLogger | undefined;
  #link: MainLink | undefined;
  #ended = false;

  constructor(id: number) {
    this.#id = id;
  }

  postMessage(message: PooledToMain): void {
    channel.postMessage({ call: this.#id, message } satisfies PoolEnvelope<PooledToMain>);
    // counted after it is queued: the main side that sees the count can read the message
    if (posted) Atomics.add(posted, 0, 1);
  }

  get log(): ThreadLogger {
    return (this.#log ??= createLogger(portSink(this)));
  }

  get link(): MainLink {
    if (this.#link === undefined) {
      this.#link = new MainLink(this);
      // registered before its first call goes out, so the answer finds it; not once the call
      // ended (code it left running gets no answer then, as before, and nothing stays behind)
      if (!this.#ended) links.set(this.#id, this.#link);
    }
    return this.#link;
  }

  /** The call returned or threw: its link stops taking answers. */
  end(): void {
    this.#ended = true;
    links.delete(this.#id);
  }
}

/** One pooled call: run the handler; its value or throw goes back through piscina. */
export default async function runPooledTask(task: PooledTask): Promise<unknown> {
  // aborted while it waited for a worker: its caller has its answer already
  if (task.cancelled) return undefined;
  // the main side stops this worker if it aborts the call while it runs
  markRunning(task.call);
  const call = new PooledCall(task.call);
  // one call at a time per pool worker: directLogger in the handler's modules writes as this call
  const before = setCurrent(call);
  try {
    const handler = await handlerFor(task.specifier, task.exportName, task.loader);
    return await handler(task.payload, new PooledContext({ action: task.action, requestId: task.requestId, call }));
  } finally {
    // what the call sent is already queued for the main side, which reads it all before it
    // replies, so no update comes after the final reply
    call.end();
    setCurrent(before);
    markRunning(0);
  }
}
