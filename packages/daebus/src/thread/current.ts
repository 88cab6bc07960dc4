import { CURRENT, DAEBUS_WORKER } from '../shared/worker-globals';
import type { ThreadLogger } from './log';

/**
 * What runs in the worker now (the thread, or the pooled call): its logger, for `directLogger` in
 * any module of the worker. Kept on `globalThis` under a registered symbol so that two copies of
 * the library in one worker still agree, and the main entry finds it too.
 */
export interface Current {
  log: ThreadLogger;
}

type WithCurrent = typeof globalThis & { [CURRENT]?: Current; [DAEBUS_WORKER]?: true };

/**
 * Says this worker is daebus's: the main entry (`daebus`), when a module of the worker imports
 * it, then writes its `directLogger` and `logger` records to what runs now, not to a console
 * logger of its own.
 */
export function markDaebusWorker(): void {
  (globalThis as WithCurrent)[DAEBUS_WORKER] = true;
}

/** Set what runs now; returns what ran before, to put back when it ends. */
export function setCurrent(current: Current | undefined): Current | undefined {
  const before = (globalThis as WithCurrent)[CURRENT];
  (globalThis as WithCurrent)[CURRENT] = current;
  return before;
}

export function getCurrent(): Current | undefined {
  return (globalThis as WithCurrent)[CURRENT];
}
