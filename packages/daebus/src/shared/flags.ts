/**
 * Layout of the SharedArrayBuffer that a thread and the supervisor share. Each thread
 * incarnation gets its own buffer, so a late write to an old worker's flag can never stop the
 * new one.
 *
 * The main side writes only through `Atomics`, and every write to the run slot is followed by
 * `Atomics.notify` so that sleepers wake at once. The thread side reads the run slot and writes
 * the heartbeat with plain accesses in `running()` (see thread/running.ts for why) and waits on
 * the run slot with `Atomics.wait`/`waitAsync`.
 */

/** Index of the run slot in the Int32Array view. */
export const RUN_SLOT = 0;
/** Value of the run slot while the thread may run. */
export const RUN = 1;
/** Value of the run slot once a stop was requested. */
export const STOP = 0;
/**
 * Heartbeat slot: the thread writes 1 on every `running()` call and on each tick of its event
 * loop; the supervisor swaps it back to 0 when it samples. Still 0 at the next sample means the
 * thread neither checked `running()` nor let its event loop turn in between.
 */
export const BEAT_SLOT = 1;
/** 1 while the thread blocks in `t.sleepSync()`: asleep on purpose, not stalled. */
export const SLEEP_SLOT = 2;
/** The thread's V8 heap in use, in KiB, as of its last tick. */
export const HEAP_SLOT = 3;
/**
 * How many queue items from `get` the thread has received, counted by the thread as each one
 * arrives. Items reach it in the order the main side sent them, so the main side knows which of
 * the items it sent are confirmed without a message for each.
 */
export const RECEIPT_SLOT = 4;
/**
 * The most verbose log level the main side's logger writes (an index of LOG_LEVELS), kept up to
 * date by the main side: the thread does not send the records that would be dropped there.
 */
export const LOG_LEVEL_SLOT = 5;
/** Log records the thread sent and the main side has not read yet: past LOG_BACKLOG_MAX the thread drops them. */
export const LOG_BACKLOG_SLOT = 6;
/**
 * How many records may wait for the main side before the thread drops new ones. A thread that
 * logs in a tight loop makes records far faster than the main side writes them: unbounded, they
 * filled the main process's memory (GBs in seconds) and starved its event loop, signals included.
 * Node hands the main side every message waiting when it reads (at least 1,000) in one turn, so
 * this bounds that turn too. Errors and warnings get twice as much room, so that the one after a
 * flood still goes. (1,000 lost half of a 2,000-line burst, and of a thread logging 10,000 lines
 * a second: the main side writes each record in tens of µs, and more while its logger warms up.)
 */
export const LOG_BACKLOG_MAX = 10_000;
/**
 * The same bound in bytes (about: a record's text and its metadata as JSON): 1,000 records of
 * 64 KiB were 64 MB for the main side to take in one turn, a stall of a second and more.
 */
export const LOG_BACKLOG_BYTES = 1024 * 1024;
/**
 * Records up to this size are held back by LOG_BACKLOG_MAX only: one record over LOG_BACKLOG_BYTES
 * (a dump of a big object) filled the byte bound alone, and the line logged right after it was
 * dropped. Ten thousand of them still weigh at most about 10 MiB.
 */
export const LOG_SMALL_RECORD_BYTES = 1024;

/** The warning the main side writes for records a worker dropped past the backlog. */
export function droppedRecordsLine(dropped: number, whose: 'of this thread' | 'of pooled handlers'): string {
  return (
    `${dropped} log record(s) ${whose} were dropped: logged faster than the main thread could write them ` +
    `(more than ${LOG_BACKLOG_MAX} records or ${LOG_BACKLOG_BYTES / 1024 / 1024} MiB waiting). ` +
    `Log less in tight loops, or at a level the logger does not write.`
  );
}
/** Log records the thread dropped (past the backlog) that the main side has not reported yet. */
export const LOG_DROPPED_SLOT = 7;
/** Bytes of the records counted in LOG_BACKLOG_SLOT (each record says its own, as `size`). */
export const LOG_BYTES_SLOT = 8;

/**
 * How many of the thread's calls to the main side (state, broadcasts, WebSocket sends, receipts)
 * the main side has served, counted by the main side; the thread counts those it sent.
 */
export const SERVED_SLOT = 9;
/**
 * How many of its calls a thread may have sent unserved before the next one waits (the thread
 * blocks) until half are served. A thread that writes in a loop without awaiting its calls sent
 * them far faster than the main side serves them: unbounded, they filled the main process's
 * memory (GBs in seconds) and starved its event loop (actions took seconds, timers barely ran).
 */
export const UNSERVED_MAX = 4096;

/** Number of Int32 slots. */
export const FLAG_SLOTS = 10;

/** A fresh flag buffer, set to "running", every log level sent. */
export function createFlags(): Int32Array {
  const flags = new Int32Array(new SharedArrayBuffer(FLAG_SLOTS * Int32Array.BYTES_PER_ELEMENT));
  Atomics.store(flags, RUN_SLOT, RUN);
  Atomics.store(flags, LOG_LEVEL_SLOT, 255);
  return flags;
}

/** Ask the thread to stop and wake every `Atomics.wait`/`waitAsync` sleeper on the slot. */
export function requestStop(flags: Int32Array): void {
  Atomics.store(flags, RUN_SLOT, STOP);
  Atomics.notify(flags, RUN_SLOT);
}
