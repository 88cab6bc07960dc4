import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { DaebusError, ErrorCodes, fromPlainError, toPlainError, type PlainError } from '../shared/errors';
import { createFlags, requestStop } from '../shared/flags';
import { BOOT_KEY, type MainToThread, type ThreadBoot, type ThreadEntrySpec, type ThreadToMain } from '../shared/protocol';
import type { ResolvedThreadOptions } from './options';
import { PortClient } from './state/store';
import { serveWorkerMessage, type WorkerServices } from './worker-messages';
import { workerEntry } from './worker-path';

/** What one run of a thread needs from its runner; `log` is the thread's logger. */
export interface IncarnationHost extends WorkerServices {
  /** The worker reached its first line of code. */
  onReady(incarnation: Incarnation): void;
  /** The worker ended, with its exit code; `error` is set when it died of one. */
  onExit(incarnation: Incarnation, code: number): void;
}

type PendingRequest = { resolve: (value: unknown) => void; reject: (err: Error) => void; timer: NodeJS.Timeout };

/**
 * One run of a thread: its worker, its flag buffer, its port, and what it holds (queue items
 * in flight, requests waiting for its answer). Made anew for every start and restart, so
 * nothing of a dead run can touch the next one.
 */
export class Incarnation {
  readonly name: string;
  readonly flags: Int32Array;
  readonly spawnedAt = Date.now();
  readonly exited: Promise<void>;
  readyAt?: number;
  /** The error the worker died of, if any. */
  error?: PlainError;
  stopRequested = false;
  terminated = false;

  readonly #worker: Worker;
  readonly #port: MessagePort;
  readonly #client: PortClient;
  readonly #host: IncarnationHost;
  readonly #requests = new Map<number, PendingRequest>();
  #nextRequestId = 1;

  /** Spawns the worker; throws when Node refuses to (bad resourceLimits, for one). */
  constructor(name: string, entry: ThreadEntrySpec, options: ResolvedThreadOptions, restarts: number, host: IncarnationHost) {
    this.name = name;
    this.#host = host;
    this.flags = createFlags();
    const { port1, port2 } = new MessageChannel();
    const boot: ThreadBoot = {
      name,
      entry,
      flags: this.flags.buffer as SharedArrayBuffer,
      port: port2,
      workerData: options.workerData,
      restarts,
    };
    try {
      this.#worker = new Worker(workerEntry(entry.kind), {
        workerData: { [BOOT_KEY]: boot },
        transferList: [port2],
        ...(options.resourceLimits ? { resourceLimits: options.resourceLimits } : {}),
        ...(options.env !== undefined ? { env: options.env } : {}),
      });
    } catch (err) {
      port1.close();
      port2.close();
      throw err;
    }
    this.#port = port1;
    this.#client = new PortClient((message) => this.#send(message));
    // The worker itself keeps the process alive while it runs; the port should not.
    port1.unref();
    port1.on('message', (message: ThreadToMain) => this.#onMessage(message));
    let markExited!: () => void;
    this.exited = new Promise<void>((resolve) => {
      markExited = resolve;
    });
    this.#worker.on('error', (err) => {
      this.error = toPlainError(err);
    });
    this.#worker.on('exit', (code) => {
      // read what the worker sent before it ended (its last records, a reply) before closing
      for (let left = receiveMessageOnPort(port1); left !== undefined; left = receiveMessageOnPort(port1)) {
        this.#onMessage(left.message as ThreadToMain);
      }
      this.#client.release();
      this.#failRequests();
      port1.close();
      host.onExit(this, code);
      markExited();
    });
  }

  /** Clear the flag (waking sleeps), end the worker's queue waits, and tell it (t.signal). */
  requestStop(): void {
    this.stopRequested = true;
    requestStop(this.flags);
    this.#client.stopWaiting();
    this.#send({ type: 'stop' });
  }

  /** End the worker now; resolves once it has exited. */
  async terminate(): Promise<void> {
    this.terminated = true;
    if (!this.stopRequested) this.requestStop();
    await this.#worker.terminate();
    await this.exited;
  }

  request(type: string, payload: unknown, timeoutMs: number): Promise<unknown> {
    const id = this.#nextRequestId++;
    return new Promise((resolve, reject) => {
      try {
        this.#port.postMessage({ type: 'request', id, name: type, payload } satisfies MainToThread);
      } catch (err) {
        reject(notCloneable(`request "${type}" to thread "${this.name}"`, err));
        return;
      }
      const timer = setTimeout(() => {
        this.#requests.delete(id);
        reject(new DaebusError(ErrorCodes.TIMEOUT, `Thread "${this.name}" did not answer "${type}" within ${timeoutMs} ms.`));
      }, timeoutMs);
      this.#requests.set(id, { resolve, reject, timer });
    });
  }

  post(type: string, payload: unknown): void {
    try {
      this.#port.postMessage({ type: 'post', name: type, payload } satisfies MainToThread);
    } catch (err) {
      throw notCloneable(`post "${type}" to thread "${this.name}"`, err);
    }
  }

  #onMessage(message: ThreadToMain): void {
    if (serveWorkerMessage(message, this.#client, this.#host)) return;
    switch (message.type) {
      case 'ready':
        this.readyAt = Date.now();
        this.#host.onReady(this);
        return;
      case 'reply': {
        const pending = this.#requests.get(message.id);
        if (!pending) return;
        this.#requests.delete(message.id);
        clearTimeout(pending.timer);
        if (message.ok) pending.resolve(message.value);
        else pending.reject(fromPlainError(message.error));
        return;
      }
      default:
        this.#host.log.warn(`Thread "${this.name}" sent a message of an unexpected type "${message.type}"; ignored`);
    }
  }

  #failRequests(): void {
    for (const [id, pending] of this.#requests) {
      clearTimeout(pending.timer);
      pending.reject(new DaebusError(ErrorCodes.THREAD_NOT_RUNNING, `Thread "${this.name}" ended before it answered request ${id}.`));
    }
    this.#requests.clear();
  }

  /** Post to the worker; false once its port is closed (it exited). */
  #send(message: MainToThread): boolean {
    try {
      this.#port.postMessage(message);
      return true;
    } catch {
      return false;
    }
  }
}

function notCloneable(what: string, err: unknown): DaebusError {
  return new DaebusError(
    ErrorCodes.NOT_CLONEABLE,
    `${what}: the payload cannot cross to the thread (${toPlainError(err).message}). Send plain data.`,
    {
      cause: err,
    },
  );
}
