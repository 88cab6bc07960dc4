/**
 * Keys on `globalThis` by which the two sides of the library meet in a daebus worker without
 * importing each other: registered symbols, so two copies of the library agree too.
 * - DAEBUS_WORKER: set by daebus's worker entries (a thread's worker, a pool worker).
 * - CURRENT: what runs in the worker now (the thread, or the pooled call): `{ log }`.
 */
export const DAEBUS_WORKER = Symbol.for('daebus.worker');
export const CURRENT = Symbol.for('daebus.thread.current');
