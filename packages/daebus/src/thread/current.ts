import type { ThreadContext } from './context';
import type { ThreadLogger } from './log';

/**
 * The running thread's context, reachable from any module of the worker. Kept on `globalThis`
 * under a registered symbol so that two copies of the library in one worker still agree.
 */
const CURRENT = Symbol.for('daebus.thread.current');

interface Current {
  context: ThreadContext;
  log: ThreadLogger;
}

type WithCurrent = typeof globalThis & { [CURRENT]?: Current };

export function setCurrent(current: Current): void {
  (globalThis as WithCurrent)[CURRENT] = current;
}

export function getCurrent(): Current | undefined {
  return (globalThis as WithCurrent)[CURRENT];
}
