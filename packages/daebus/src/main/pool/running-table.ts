import { LOADING_MODULES, RUNNING_SLOT_FIELDS } from '../../shared/protocol/pool';

/** Call ids stay positive int32s: they are written to the table. */
export const MAX_CALL_ID = 0x7fffffff;

/**
 * The main side of the pool's running table (see POOL_RUNNING_KEY): which worker runs a call.
 * It replaces the abort signal piscina would otherwise get for every call, whose bookkeeping in
 * piscina cost 4-20% of a trivial call's throughput on Node 20 and 2-8% on Node 24; the table
 * costs a worker two atomic stores per call, and is read only when a call is aborted.
 */
export class RunningTable {
  readonly shared: Int32Array;

  /** Room for `slots` workers alive at once (the pool's, and those still exiting). */
  constructor(slots: number) {
    this.shared = new Int32Array(new SharedArrayBuffer(slots * RUNNING_SLOT_FIELDS * Int32Array.BYTES_PER_ELEMENT));
  }

  /** The threadId of the worker running `call`, if one does now. */
  workerRunning(call: number): number | undefined {
    return this.#ownerWith(1, call);
  }

  /**
   * The threadId of the worker that ended `call` last and handed its answer to piscina, if one
   * did. Asked only of a call piscina has not settled yet: its reply is on its way, or was lost.
   */
  workerAnswered(call: number): number | undefined {
    return this.#ownerWith(2, call);
  }

  /** The owner of a live slot whose field `field` (1: running, 2: answered) holds `call`. */
  #ownerWith(field: 1 | 2, call: number): number | undefined {
    const table = this.shared;
    for (let at = 0; at < table.length; at += RUNNING_SLOT_FIELDS) {
      if (Atomics.load(table, at + field) === call) {
        const owner = Atomics.load(table, at);
        if (owner !== 0) return owner;
      }
    }
    return undefined;
  }

  /** `found` is given each call a worker runs now; true if there was one. */
  forEachRunning(found: (call: number) => void): boolean {
    const table = this.shared;
    let any = false;
    for (let at = 0; at < table.length; at += RUNNING_SLOT_FIELDS) {
      const call = Atomics.load(table, at + 1);
      if (call > 0 && Atomics.load(table, at) !== 0) {
        found(call);
        any = true;
      }
    }
    return any;
  }

  /** True while a worker still loads the pool's handler modules as it starts (it takes no call yet). */
  someWorkerLoading(): boolean {
    const table = this.shared;
    for (let at = 0; at < table.length; at += RUNNING_SLOT_FIELDS) {
      if (Atomics.load(table, at + 1) === LOADING_MODULES && Atomics.load(table, at) !== 0) return true;
    }
    return false;
  }

  /**
   * While worker `threadId` still loads its handler modules: 1 + the index of the one it started
   * last and still waits for (0: none); else undefined.
   */
  loadingModuleOf(threadId: number): number | undefined {
    const table = this.shared;
    for (let at = 0; at < table.length; at += RUNNING_SLOT_FIELDS) {
      if (Atomics.load(table, at) === threadId)
        return Atomics.load(table, at + 1) === LOADING_MODULES ? Atomics.load(table, at + 3) : undefined;
    }
    return undefined;
  }

  /** How many workers hold a slot: those that began loading and have not exited. */
  liveWorkers(): number {
    let live = 0;
    for (let at = 0; at < this.shared.length; at += RUNNING_SLOT_FIELDS) if (Atomics.load(this.shared, at) !== 0) live += 1;
    return live;
  }

  /** The worker `threadId` exited: its slot is free for a new worker. */
  release(threadId: number): void {
    const table = this.shared;
    for (let at = 0; at < table.length; at += RUNNING_SLOT_FIELDS) {
      if (Atomics.load(table, at) === threadId) {
        Atomics.store(table, at + 3, 0);
        Atomics.store(table, at + 2, 0);
        Atomics.store(table, at + 1, 0);
        Atomics.store(table, at, 0);
      }
    }
  }

  /** Every slot free (a new pool). */
  clear(): void {
    this.shared.fill(0);
  }
}
