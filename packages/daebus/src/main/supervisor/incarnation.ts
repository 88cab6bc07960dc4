import { releaseLogRecord } from '../support/log-backlog';
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { notCloneable, unreadable } from '../../shared/cloneable';
import { DaebusError, ErrorCodes, fromPlainError, toPlainError, type PlainError } from '../../shared/errors';
import {
  BEAT_SLOT,
  createFlags,
  HEAP_SLOT,
  droppedRecordsLine,
  LOG_DROPPED_SLOT,
  LOG_LEVEL_SLOT,
  RECEIPT_SLOT,
  requestStop,
  SERVED_SLOT,
  SLEEP_SLOT,
} from '../../shared/flags';
import { mostVerboseLevel } from '../support/log-level';
import { PendingCalls } from '../../shared/pending';
import { isCoreMessage } from '../../shared/protocol/core';
import { BOOT_KEY, type MainToThread, type ThreadBoot, type ThreadToMain } from '../../shared/protocol/thread';
import { WorkerConnection, type WorkerServices } from '../workers/connection';
import { drainPort } from '../workers/drain';
import { terminate } from '../workers/ending-workers';
import { workerEntry } from '../workers/worker-path';
import { tickIntervalMs } from './stall-watch';
import { watchLoad } from './load-watch';
import type { RunEvents, RunProbe, RunSpec, WorkerRun } from './worker-run';
import { monotonicMs } from '../../shared/clock';

/**
 * One run of a thread in a real worker: its worker, its flag buffer, its port, and what it holds
 * (queue items in flight, requests waiting for its answer). Made anew for every start and
 * restart, so nothing of a dead run can touch the next one.
 */
export class Incarnation implements WorkerRun {
  readonly name: string;
  readonly flags: Int32Array;
  readonly exited: Promise<void>;
  readyAt: number | undefined;
  readyMonoMs: number | undefined;
  finishing: string | undefined;
  bootMs: number | undefined;
  error: PlainError | undefined;
  stopRequested = false;
  terminated = false;

  readonly #worker: Worker;
  readonly #port: MessagePort;
  readonly #connection: WorkerConnection;
  readonly #events: RunEvents;
  readonly #requests = new PendingCalls<number>();
  #nextRequestId = 1;
  #elu?: EventLoopUtilization;
  /** The heap in use as Node last read it from this side, and whether a read is under way (see #readHeap). */
  #heapRead?: number;
  #readingHeap = false;
  #ended = false;
  readonly #spawnedAt = performance.now();
  readonly #log: RunSpec['log'];
  readonly #entry: RunSpec['entry'];
  /** Cancels the warning of a module that has not finished loading (see watchLoad). */
  #loaded: () => void = () => undefined;

  /** Spawns the worker; throws when Node refuses to (bad resourceLimits, for one). */
  constructor(spec: RunSpec, events: RunEvents, services: WorkerServices) {
    const { name, entry, options, restarts, log, held } = spec;
    this.name = name;
    this.#events = events;
    this.flags = createFlags();
    this.#log = log;
    this.#entry = entry;
    Atomics.store(this.flags, LOG_LEVEL_SLOT, mostVerboseLevel(log));
    const { port1, port2 } = new MessageChannel();
    const boot: ThreadBoot = {
      name,
      entry,
      flags: this.flags.buffer as SharedArrayBuffer,
      port: port2,
      workerData: options.workerData,
      restarts,
      tickMs: tickIntervalMs(options.stallTimeoutMs),
      held,
    };
    try {
      this.#worker = new Worker(workerEntry(entry.kind), {
        workerData: { [BOOT_KEY]: boot },
        transferList: [port2],
        ...(options.resourceLimits ? { resourceLimits: options.resourceLimits } : {}),
        ...(options.env !== undefined ? { env: options.env } : {}),
        ...(options.execArgv !== undefined ? { execArgv: options.execArgv } : {}),
      });
    } catch (err) {
      port1.close();
      port2.close();
      throw err;
    }
    this.#port = port1;
    const flags = this.flags;
    this.#connection = new WorkerConnection(
      (message) => this.#send(message),
      services,
      () => log,
      () => Atomics.load(flags, RECEIPT_SLOT),
    );
    // The worker itself keeps the process alive while it runs; the port should not.
    port1.unref();
    port1.on('message', (message: ThreadToMain) => this.#onMessage(message));
    // the thread checks what it sends; a message the main thread still cannot read is said, not lost unseen
    const dropped = (err: unknown): void => void log.error(unreadable(`thread "${name}"`, err), { error: toPlainError(err) });
    port1.on('messageerror', dropped);
    let markExited!: () => void;
    this.exited = new Promise<void>((resolve) => {
      markExited = resolve;
    });
    this.#worker.on('error', (err) => {
      this.error = toPlainError(err);
    });
    this.#worker.on('exit', (code) => {
      this.#ended = true;
      this.#loaded();
      // read what the worker sent before it ended (its last records, a reply) before closing
      drainPort<ThreadToMain>(port1, (message) => this.#onMessage(message), dropped);
      this.#reportDropped();
      this.#connection.release();
      this.#requests.rejectAll(
        (id) => new DaebusError(ErrorCodes.THREAD_NOT_RUNNING, `Thread "${this.name}" ended before it answered request ${id}.`),
      );
      port1.close();
      this.#events.onExit(this, code);
      markExited();
    });
    // a held run loads its module once released
    if (!held) this.#loaded = watchLoad(name, entry, log);
  }

  release(): void {
    this.#loaded = watchLoad(this.name, this.#entry, this.#log);
    this.#send({ type: 'go' });
  }

  requestStop(): void {
    this.stopRequested = true;
    requestStop(this.flags);
    this.#connection.stopWaiting();
    this.#send({ type: 'stop' });
  }

  async terminate(): Promise<void> {
    this.terminated = true;
    if (!this.stopRequested) this.requestStop();
    await terminate(this.#worker);
    await this.exited;
  }

  probe(): RunProbe {
    const alive = Atomics.exchange(this.flags, BEAT_SLOT, 0) === 1 || Atomics.load(this.flags, SLEEP_SLOT) === 1;
    const probe: RunProbe = { alive };
    if (this.#ended) return probe;
    // a level set on the logger at run time reaches the thread within a sample
    Atomics.store(this.flags, LOG_LEVEL_SLOT, mostVerboseLevel(this.#log));
    this.#reportDropped();
    this.#readHeap();
    const heapKiB = Atomics.load(this.flags, HEAP_SLOT);
    if (this.#heapRead !== undefined) probe.heapUsedBytes = this.#heapRead;
    else if (heapKiB > 0) probe.heapUsedBytes = heapKiB * 1024;
    // the worker's own loop, measured by Node from this side: no message to a stalled thread
    const now = this.#worker.performance.eventLoopUtilization();
    if (this.#elu) {
      // a share, 0 to 1; Node's two clocks for it can make it a little negative early in a run
      const share = this.#worker.performance.eventLoopUtilization(now, this.#elu).utilization;
      if (Number.isFinite(share)) probe.eventLoopUtilization = Math.min(1, Math.max(0, share));
    }
    this.#elu = now;
    return probe;
  }

  /**
   * The heap as Node reads it from this side (`worker.getHeapStatistics()`, Node 24 and recent 22:
   * answered even by a CPU loop), a sample late. The thread's own heartbeat timer writes it too,
   * but a loop that never lets its event loop turn never runs that timer (Node 20 has only that).
   */
  #readHeap(): void {
    const worker = this.#worker as { getHeapStatistics?: () => Promise<{ used_heap_size: number }> };
    if (this.#readingHeap || worker.getHeapStatistics === undefined) return;
    this.#readingHeap = true;
    worker
      .getHeapStatistics()
      .then(
        (stats) => void (this.#heapRead = stats.used_heap_size),
        () => undefined,
      )
      .finally(() => (this.#readingHeap = false));
  }

  abort(error: PlainError): void {
    if (this.#ended) return;
    this.error = error;
    this.terminated = true;
    void terminate(this.#worker);
  }

  request(type: string, payload: unknown, timeoutMs: number): Promise<unknown> {
    const id = this.#nextRequestId++;
    try {
      this.#port.postMessage({ type: 'request', id, name: type, payload } satisfies MainToThread);
    } catch (err) {
      return Promise.reject(notCloneable(`request "${type}" to thread "${this.name}"`, err, payload));
    }
    return this.#requests.wait(
      id,
      undefined,
      timeoutMs,
      () => new DaebusError(ErrorCodes.TIMEOUT, `Thread "${this.name}" did not answer "${type}" within ${timeoutMs} ms.`),
    );
  }

  post(type: string, payload: unknown): void {
    try {
      this.#port.postMessage({ type: 'post', name: type, payload } satisfies MainToThread);
    } catch (err) {
      throw notCloneable(`post "${type}" to thread "${this.name}"`, err, payload);
    }
  }

  /** Say how many log records the thread dropped since the last time (it logged faster than they were written). */
  #reportDropped(): void {
    const dropped = Atomics.exchange(this.flags, LOG_DROPPED_SLOT, 0);
    if (dropped > 0) {
      this.#log.warn(droppedRecordsLine(dropped, 'of this thread'));
    }
  }

  #onMessage(message: ThreadToMain): void {
    if (isCoreMessage(message)) {
      // a log record is counted apart (its backlog); every other one is a call of the thread's link (pacedPort)
      if ((message as { type?: unknown }).type === 'log') releaseLogRecord(this.flags, message);
      else Atomics.add(this.flags, SERVED_SLOT, 1);
      this.#connection.serve(message);
      return;
    }
    switch (message.type) {
      case 'booted':
        this.bootMs = performance.now() - this.#spawnedAt;
        this.#events.onBooted(this);
        return;
      case 'ready':
        this.#loaded();
        this.readyAt = Date.now();
        this.readyMonoMs = monotonicMs();
        this.#events.onReady(this);
        return;
      case 'reply':
        if (message.ok) this.#requests.resolve(message.id, message.value);
        else this.#requests.reject(message.id, fromPlainError(message.error));
        return;
      case 'finishing':
        this.finishing = message.waitingFor;
        return;
    }
  }

  /** Post to the worker; false when the message could not be copied (a closed port drops messages without an error). */
  #send(message: MainToThread): boolean {
    try {
      this.#port.postMessage(message);
      return true;
    } catch {
      return false;
    }
  }
}
