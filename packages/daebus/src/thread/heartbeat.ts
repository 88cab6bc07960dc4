import { BEAT_SLOT, HEAP_SLOT } from '../shared/flags';

const MAX_KIB = 2 ** 31 - 1;

/**
 * Beat from the thread's event loop: each tick marks the heartbeat and records the heap in use,
 * so a thread that awaits (and never calls `running()`) is seen alive, and the supervisor reads
 * the heap without asking the thread. The timer is unref'd: it never keeps a worker alive.
 *
 * The heap comes from `process.memoryUsage()` (in a worker, its heap fields are the worker's own):
 * `node:v8` would add a dozen internal modules to compile on every thread start.
 */
export function startHeartbeat(flags: Int32Array, tickMs: number): void {
  const tick = (): void => {
    flags[BEAT_SLOT] = 1;
    try {
      Atomics.store(flags, HEAP_SLOT, Math.min(MAX_KIB, Math.round(process.memoryUsage().heapUsed / 1024)));
    } catch {
      // it reads the process's resident size too, which fails while no file descriptor is free
      // (EMFILE): uncaught, daebus's own timer crashed the thread. The last reading stands.
    }
  };
  tick();
  setInterval(tick, tickMs).unref();
}
