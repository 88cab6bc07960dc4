// A pool worker's side of its channel to the main side, and each call's end of it: the messages a
// pooled call sends (progress, logs, shared-state calls), tagged with its id.
import { MessageChannel, parentPort, threadId, workerData } from 'node:worker_threads';
import { DaebusError, ErrorCodes } from '../shared/errors';
import { SoloMap } from '../shared/solo-map';
import {
  LOADING_CALL,
  POOL_LOG_KEY,
  POOL_WORKER_KEY,
  type MainToPooled,
  type PoolEnvelope,
  type PooledTask,
  type PooledToMain,
  type PoolWorkerHello,
} from '../shared/protocol/pool';
import type { MessageSink } from '../shared/protocol/core';
import { MainLink } from './link';
import { createLogger, portSink, type ThreadLogger } from './log';
import type { WorkerChannel } from './worker-context';

/**
 * One MessageChannel per worker, made when it loads, its other end handed to the main side: every
 * call this worker runs sends its progress, logs and shared-state requests on it, tagged with the
 * call's id. Not a channel per call (made and transferred for every call, it cost more than a
 * small call), and not one channel for the whole pool (a BroadcastChannel delivers each message
 * to every worker too, and a worker waiting for its next call in piscina's blocking Atomics.wait never
 * reads them: they piled up in its memory).
 */
const { port1: channel, port2 } = new MessageChannel();
/** The running call's link (one call at a time per worker: see SoloMap). */
const links = new SoloMap<number, MainLink>();
channel.on('message', (envelope: PoolEnvelope<MainToPooled>) => links.get(envelope.call)?.receive(envelope.message));
channel.unref();
// piscina passes on a worker message that is not its own as the pool's 'message' event
parentPort?.postMessage({ [POOL_WORKER_KEY]: threadId, port: port2 } satisfies PoolWorkerHello, [port2]);

/** The log gate every pool worker shares with the main side (level, backlog): see PoolLogGate. */
const logGate = (workerData as Record<string, unknown> | null)?.[POOL_LOG_KEY] as Int32Array | undefined;

/**
 * One pooled call's end of its worker's channel: its messages go tagged with its id, and are
 * counted. Its logger and its link to the main side are made on first use: a small handler often
 * needs neither, and they were most of what a call allocated here.
 */
export class PooledCall implements MessageSink<PooledToMain>, WorkerChannel {
  readonly id: number;
  /** What the call runs: named when code it left behind throws after it ended. */
  readonly task: PooledTask | undefined;
  #log: ThreadLogger | undefined;
  #link: MainLink | undefined;
  #ended = false;
  /** Messages sent: the main side reads them all before it answers the call. */
  sent = 0;

  constructor(id: number, task?: PooledTask) {
    this.id = id;
    this.task = task;
  }

  postMessage(message: PooledToMain): void {
    if (this.#ended) return this.#late(message);
    channel.postMessage({ call: this.id, message } satisfies PoolEnvelope<PooledToMain>);
    this.sent += 1;
  }

  /** Sent by code the call left running: the main side has forgotten the call, and would drop it unread. */
  #late(message: PooledToMain): void {
    if ((message as { type?: unknown }).type === 'log') return noCall.postMessage(message);
    if ((message as { type?: unknown }).type === 'progress') noCall.log.warn(`${this.#what()} sent an update after it had ended: dropped.`);
  }

  #what(): string {
    if (this.task === undefined) return 'A pooled call';
    const { action, requestId } = this.task;
    return `Pooled action "${action}"${requestId === undefined ? '' : ` (request ${requestId})`}`;
  }

  get log(): ThreadLogger {
    return (this.#log ??= createLogger(portSink(this, logGate)));
  }

  get link(): MainLink {
    if (this.#link === undefined) {
      this.#link = new MainLink(this, undefined, () => (this.#ended ? this.#endedError() : undefined));
      // registered before its first call goes out, so the answer finds it; not once the call
      // ended (the calls of code it left running are refused then: see #endedError)
      if (!this.#ended) links.set(this.id, this.#link);
    }
    return this.#link;
  }

  #endedError(): DaebusError {
    return new DaebusError(
      ErrorCodes.INVALID_STATE,
      `${this.#what()} had ended when its code called the main side (shared state, a broadcast, WebSocket clients): refused, as nothing would answer. Await such work before the handler returns.`,
    );
  }

  /** The call returned or threw: its link stops taking answers. */
  end(): void {
    this.#ended = true;
    links.delete(this.id);
  }
}

/** Sends what this worker logs as no call's: a module's own logs as it loads, errors of no running call. */
export const noCall = new PooledCall(LOADING_CALL);
