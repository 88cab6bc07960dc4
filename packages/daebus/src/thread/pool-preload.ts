// A pool worker's start: it loads the handler modules registered before the pool started, so
// that no call waits for its module. A module whose top-level code never finishes (a top-level
// await that never settles) is marked in the pool's shared table (POOL_HUNG_KEY): without it,
// every worker the pool started waited PRELOAD_WAIT_MS for it, unable to take any call, and a
// call that needed it waited out its whole timeout. One whose top-level code runs synchronously
// for ever (an endless loop) blocks the worker's event loop: the main side notices (see LoadWatch)
// from which module the worker started loading last, marks it, and stops the worker.
import { workerData } from 'node:worker_threads';
import { DaebusError, ErrorCodes } from '../shared/errors';
import {
  LOAD_HUNG,
  LOAD_KILLED,
  LOAD_STUCK,
  LOADING_SEVERAL,
  oneByOneField,
  POOL_HUNG_KEY,
  POOL_PRELOAD_KEY,
  PRELOAD_WAIT_MS,
  type PoolPreload,
} from '../shared/protocol/pool';
import { markLoadingModule, markRunning } from './pool-slot';

/**
 * Once a worker was found blocked as it loaded the modules all at once (see LoadWatch), how long
 * a worker waits for a module's load before it starts the next one: one after another unless one
 * waits (a top-level await), so that the one started last is the one whose top-level code runs
 * when the worker's event loop does not come back. Long enough for a module to be read and linked
 * before its code runs on a loaded machine (20 ms was not: the next module started first, and was
 * blamed for the one that looped). Until then they load at once: one after another, a service's
 * first pooled call waited for every top-level await in turn (1.04 s against 0.45 s for three of
 * 300 ms).
 */
const STAGGER_MS = 1_000;

const data = workerData as Record<string, unknown> | null;
const modules = (data?.[POOL_PRELOAD_KEY] as PoolPreload[] | undefined) ?? [];
const hung = data?.[POOL_HUNG_KEY] as Int32Array | undefined;

/** The field of `specifier` in the hung table (its first entry), or -1. */
function fieldOf(specifier: string): number {
  return hung === undefined ? -1 : modules.findIndex((m) => m.specifier === specifier);
}

/** How `specifier`'s load is marked: 0, LOAD_HUNG, LOAD_STUCK or LOAD_KILLED. */
function stateOf(specifier: string): number {
  const at = fieldOf(specifier);
  return at < 0 ? 0 : Atomics.load(hung as Int32Array, at);
}

/** True while `specifier`, registered before the pool started, is marked as not finishing its load. */
export function isHung(specifier: string): boolean {
  return stateOf(specifier) !== 0;
}

/** True for a module the main side marked as never to be loaded again (it blocked or ended the worker loading it). */
function neverLoads(state: number): boolean {
  return state === LOAD_STUCK || state === LOAD_KILLED;
}

/** What a call that needs a module marked hung fails with. */
export function hungLoadError(specifier: string): DaebusError {
  const state = stateOf(specifier);
  const message =
    state === LOAD_KILLED
      ? `The pooled handler module ${specifier} ended the pool worker that loaded it, before its top-level code finished (out of memory, or a crash of native code; the service's log says which), so the pool no longer loads it. Calls that need it fail until the service restarts; make its top-level code lighter, and move heavy work into the handler.`
      : state === LOAD_STUCK
        ? `The pooled handler module ${specifier} did not finish loading: its top-level code ran synchronously for over ${PRELOAD_WAIT_MS / 1000} s (an endless loop?), so the pool stopped the worker loading it and no longer loads it. Calls that need it fail until the service restarts; make its top-level code finish, and move long work into the handler.`
        : `The pooled handler module ${specifier} did not finish loading within ${PRELOAD_WAIT_MS / 1000} s: its top-level code is still running (a top-level await that never settles?). Calls that need it fail until it loads; make its top-level code finish, and move long waits into the handler.`;
  return new DaebusError(ErrorCodes.THREAD_LOAD_FAILED, message, { details: { module: specifier } });
}

/** True the first time any worker of the pool asks it for entry `index` of the list: that worker reports the entry's failed load. */
function firstToFail(index: number): boolean {
  return hung !== undefined && hung.length >= 2 * modules.length && Atomics.exchange(hung, modules.length + index, 1) === 0;
}

/** What is logged of a module that would not load as a worker started: the first call that needs it loads it again, and fails. */
function preloadFailure(err: unknown, specifier: string): DaebusError {
  const failure =
    err instanceof DaebusError
      ? err
      : new DaebusError(ErrorCodes.THREAD_LOAD_FAILED, `The pooled handler module ${specifier} could not be loaded: ${String(err)}`);
  return new DaebusError(
    ErrorCodes.THREAD_LOAD_FAILED,
    `${failure.message.replace(/\.$/, '')}. Its pooled actions and routes fail with THREAD_LOAD_FAILED until it loads (each call tries again).`,
    { details: { module: specifier, ...(failure.details?.cause !== undefined && { cause: failure.details.cause }) } },
  );
}

/**
 * Load every module registered before the pool started (`load`), and wait up to PRELOAD_WAIT_MS
 * for those not marked hung by another worker. A module still loading then is marked, and
 * `report` is told if this worker marked it first. One that fails to load is reported by the
 * first worker it fails in (a service with such a module starts, as before, and says so at once);
 * a call that needs it loads it again.
 */
export async function preload(
  load: (module: PoolPreload) => Promise<unknown>,
  logError: (message: string, meta: Record<string, unknown>) => void,
): Promise<void> {
  // a failed load's cause carries the user's stack (file and line)
  const report = ({ message, details }: DaebusError): void =>
    logError(message, { module: details?.module, ...(details?.cause !== undefined && { error: details.cause }) });
  const pending = new Set<string>();
  // indexes of the modules started and not loaded yet, in the order they started
  const started: number[] = [];
  const waits: Promise<void>[] = [];
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise((resolve) => (timer = setTimeout(resolve, PRELOAD_WAIT_MS)));
  const oneByOne = hung !== undefined && Atomics.load(hung, oneByOneField(hung)) === 1;
  // loading at once, no single module can be named as the one running
  const loadingNow = (): number => (started.length === 0 ? 0 : oneByOne ? (started[started.length - 1] as number) + 1 : LOADING_SEVERAL);
  try {
    for (const [index, module] of modules.entries()) {
      const { specifier } = module;
      // its top-level code would block this worker too
      if (neverLoads(stateOf(specifier))) continue;
      pending.add(specifier);
      started.push(index);
      markLoadingModule(loadingNow());
      const done = (): void => {
        pending.delete(specifier);
        started.splice(started.indexOf(index), 1);
        markLoadingModule(loadingNow());
        const at = fieldOf(specifier);
        if (at >= 0) Atomics.compareExchange(hung as Int32Array, at, LOAD_HUNG, 0);
      };
      const loading = load(module).then(done, (err: unknown) => {
        done();
        if (firstToFail(index)) report(preloadFailure(err, specifier));
      });
      // one another worker found hung does not hold this one back: it goes on loading meanwhile
      if (isHung(specifier)) continue;
      waits.push(loading);
      if (!oneByOne) continue;
      let stagger: NodeJS.Timeout | undefined;
      await Promise.race([loading, deadline, new Promise((resolve) => (stagger = setTimeout(resolve, STAGGER_MS)))]);
      clearTimeout(stagger);
    }
    await Promise.race([Promise.all(waits), deadline]);
  } finally {
    clearTimeout(timer);
    markRunning(0);
  }
  for (const specifier of pending) {
    const at = fieldOf(specifier);
    if (at >= 0 && Atomics.compareExchange(hung as Int32Array, at, 0, LOAD_HUNG) === 0) report(hungLoadError(specifier));
  }
}
