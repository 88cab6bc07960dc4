import { isMainThread } from 'node:worker_threads';
import winston, { type Logger } from 'winston';
import type TransportStream from 'winston-transport';
import { safeJson } from '../../shared/json';
import { CURRENT, DAEBUS_WORKER } from '../../shared/worker-globals';

// winston re-exports winston-transport's class as `Transport`; its types call it `transport`
const Transport = (winston as unknown as { Transport: typeof TransportStream }).Transport;

/** The thread side's logger of what runs in the worker now (see thread/current.ts). */
type CurrentLog = { log: { log(level: string, message: unknown, meta?: Record<string, unknown>): void } };
type WorkerGlobals = typeof globalThis & { [DAEBUS_WORKER]?: true; [CURRENT]?: CurrentLog };

/**
 * The main entry's `directLogger` when a module of a daebus worker (a thread's, a pool's) imports
 * it (`import { directLogger } from 'daebus'`, as Python's `from daebus import direct_logger`):
 * a logger whose records go to what runs in the worker now, the thread's `t.log` or the pooled
 * call's, which sends them to the app's logger with the thread's name. A logger of its own would
 * write to the worker's stdout, past the app's logger and its level. Undefined elsewhere.
 */
export function workerLogger(): Logger | undefined {
  if (isMainThread || (globalThis as WorkerGlobals)[DAEBUS_WORKER] !== true) return undefined;
  // every level goes on: the thread side leaves out what the app's logger would not write
  return winston.createLogger({ level: 'silly', transports: [new ToCurrent()] });
}

class ToCurrent extends Transport {
  override log(info: Record<string, unknown>, done: () => void): void {
    const current = (globalThis as WorkerGlobals)[CURRENT];
    const level = typeof info.level === 'string' ? info.level : 'info';
    // winston writes an Error given as the message (`log.error(err)`) as the record itself
    const message = info instanceof Error ? info : info.message;
    const meta: Record<string, unknown> = {};
    if (!(info instanceof Error)) for (const key of Object.keys(info)) if (key !== 'level' && key !== 'message') meta[key] = info[key];
    const hasMeta = Object.keys(meta).length > 0;
    if (current) current.log.log(level, message, hasMeta ? meta : undefined);
    else console.log(hasMeta ? `${String(message)} ${safeJson(meta)}` : String(message)); // between pooled calls
    done();
  }
}
