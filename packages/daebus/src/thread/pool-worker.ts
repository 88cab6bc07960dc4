// The module every piscina worker of the pool loads. It never fails to load: the user's handler
// modules are imported as the worker starts and again, if that failed, inside each task that
// needs one, so a broken module fails those tasks alone (a piscina worker whose own module fails
// to load stops the pool from replacing workers).
import { notCloneable } from '../shared/cloneable';
import { DaebusError, ErrorCodes, toPlainError } from '../shared/errors';
import { isThenable } from '../shared/thenable';
import type { PooledResult, PooledTask } from '../shared/protocol/pool';
import { pickHandler, type PooledHandler } from './define-handler';
import { handlerExportProblem } from './export-kinds';
import { jsonCopy } from './json-copy';
import { noCall, PooledCall } from './pooled-call';
import { PooledContext } from './pooled-context';
import { markDaebusWorker, setCurrent, type Current } from './current';
import { loadFailure } from './load';
import { markAnswered, markRunning } from './pool-slot';
import { callOf, watchUncaught } from './pool-uncaught';
import { hungLoadError, isHung, preload } from './pool-preload';
import { withoutExit } from './pool-exit-guard';
import { ensureLoader } from './typescript';

// a handler module that imports the main entry gets its logger writing to the call (see markDaebusWorker)
markDaebusWorker();

/** Handlers being loaded or loaded, by `specifier#exportName`. */
const handlers = new Map<string, Promise<PooledHandler>>();
/**
 * Handlers loaded, by specifier then export name: a call of one starts at once, without a key
 * built and a promise awaited for it on every call.
 */
const loaded = new Map<string, Map<string, PooledHandler>>();

async function load(specifier: string, exportName: string, loader: string | undefined): Promise<PooledHandler> {
  let mod: unknown;
  try {
    await ensureLoader(loader);
    mod = await withoutExit(() => import(specifier));
  } catch (err) {
    throw loadFailure(`The pooled handler module ${specifier} could not be loaded`, err, specifier, loader);
  }
  const handler = pickHandler(mod, exportName);
  if (!handler) {
    throw new DaebusError(ErrorCodes.THREAD_LOAD_FAILED, handlerExportProblem(specifier, exportName, mod));
  }
  let exports = loaded.get(specifier);
  if (exports === undefined) loaded.set(specifier, (exports = new Map()));
  exports.set(exportName, handler);
  return handler;
}

function handlerFor(specifier: string, exportName: string, loader: string | undefined): Promise<PooledHandler> {
  const key = `${specifier}#${exportName}`;
  let found = handlers.get(key);
  if (!found) {
    found = load(specifier, exportName, loader);
    // a failed load is not cached: the next call tries again
    found.catch(() => handlers.delete(key));
    handlers.set(key, found);
  }
  return found;
}

/** The call this worker runs now. */
let running: PooledCall | undefined;

/**
 * One pooled call: run the handler; its value or error goes back through piscina, with what the
 * call sent. A loaded handler that returns a plain value is answered without a promise of ours
 * (piscina awaits what this returns either way); a handler still to load, or one that returns a
 * promise, is answered when it settles.
 */
function runPooledTask(task: PooledTask): PooledResult | Promise<PooledResult> {
  // aborted while it waited for a worker: its caller has its answer already
  posting = undefined;
  if (task.cancelled) return { value: undefined, sent: 0, skipped: true };
  // the main side stops this worker if it aborts the call while it runs
  markRunning(task.call);
  const call = new PooledCall(task.call, task);
  running = call;
  // one call at a time per pool worker: directLogger in the handler's modules writes as this call
  const before = setCurrent(call);
  const handler = loaded.get(task.specifier)?.get(task.exportName);
  // its code runs as this call's (see callOf), what it leaves behind too
  if (handler === undefined) return callOf.run(call, loadAndRun, task, call, before);
  let value: unknown;
  try {
    value = callOf.run(call, handler, task.payload, contextOf(task, call));
  } catch (err) {
    end(call, before);
    return failed(err, call);
  }
  if (!isThenable(value)) {
    end(call, before);
    return answered(value, call);
  }
  return settled(value, call, before);
}

async function loadAndRun(task: PooledTask, call: PooledCall, before: Current | undefined): Promise<PooledResult> {
  try {
    // its load, started as this worker started, may never end: the call does not wait for it
    if (isHung(task.specifier)) throw hungLoadError(task.specifier);
    const handler = await handlerFor(task.specifier, task.exportName, task.loader);
    return answered(await handler(task.payload, contextOf(task, call)), call);
  } catch (err) {
    return failed(err, call);
  } finally {
    end(call, before);
  }
}

async function settled(pending: PromiseLike<unknown>, call: PooledCall, before: Current | undefined): Promise<PooledResult> {
  try {
    return answered(await pending, call);
  } catch (err) {
    return failed(err, call);
  } finally {
    end(call, before);
  }
}

function contextOf(task: PooledTask, call: PooledCall): PooledContext {
  return new PooledContext({ action: task.action, requestId: task.requestId, call });
}

/**
 * The call whose value piscina posts now, until the next call starts: if its copy still fails (a
 * getter that gives a Promise only when read again), the error comes outside any call.
 */
let posting: PooledCall | undefined;

/**
 * The handler's value as the call's answer, in the form jsonCopy gives it (the main side encodes
 * it). Piscina waits for this worker's stdout and stderr to drain before it posts an answer, and
 * timers run meanwhile: they are waited for here first, so that piscina posts as soon as this
 * settles, and `posting` covers that post and not a module's timer that threw during the wait.
 */
function answered(value: unknown, call: PooledCall): PooledResult | Promise<PooledResult> {
  const copy = jsonCopy(value, 'the pooled reply');
  if ('error' in copy) return failed(copy.error, call);
  const result = { value: copy.value, sent: call.sent };
  if (process.stdout.writableLength > 0 || process.stderr.writableLength > 0) return outputDrained().then(() => posted(result, call));
  return posted(result, call);
}

function posted(result: PooledResult, call: PooledCall): PooledResult {
  posting = call;
  return result;
}

async function outputDrained(): Promise<void> {
  for (const stream of [process.stdout, process.stderr]) {
    if (stream.writableLength > 0) await new Promise<void>((resolve) => stream.write('', () => resolve()));
  }
}

/** As a plain error: its code and details reach the main side, which piscina's copy of an Error drops. */
function failed(err: unknown, call: PooledCall): PooledResult {
  return { error: toPlainError(err), sent: call.sent };
}

/** The call returned or threw: its link stops taking answers, and the worker runs nothing. */
function end(call: PooledCall, before: Current | undefined): void {
  call.end();
  running = undefined;
  setCurrent(before);
  markAnswered(call.id);
}

/**
 * An uncaught error of no running call: logged against the call whose code threw it, if any. One
 * from piscina's post of a reply it could not copy is returned instead: the call was never
 * answered and piscina counts its worker as busy, so the worker ends with it (its call fails with
 * NOT_CLONEABLE, and piscina starts another worker).
 */
function reportStray(err: unknown, culprit: PooledCall | undefined): unknown {
  const { name, message, stack } = toPlainError(err);
  // a plain copy of the clone's error: Node's copy of the crash drops a DOMException's fields
  if (culprit === undefined && posting !== undefined && isCloneFailure({ name, message })) {
    return notCloneable('the pooled reply', Object.assign(new Error(message), { name }));
  }
  const error = { name, message, stack };
  const task = culprit?.task;
  if (task === undefined) {
    noCall.log.error(
      `Uncaught error in a pooled handler module, outside any call: ${message}. Code that no call started threw it (a timer or callback of a module's top-level code); no call failed for it.`,
      { error },
    );
    return undefined;
  }
  const { action, specifier, exportName } = task;
  noCall.log.error(
    `Uncaught error in pooled action "${action}" after its call had ended: ${message}. A timer, callback or promise that export "${exportName}" of ${specifier} left running threw it; no call failed for it. Clear such timers, or await such work, before the handler returns.`,
    { action, module: specifier, export: exportName, requestId: task.requestId, error },
  );
  return undefined;
}

/**
 * What structured clone throws for a value it refuses (Node 20 throws a TypeError for an
 * untransferred port), or for one nested past this worker's stack (a depth the nesting check
 * does not see, as through an array's extra properties; a getter that recurses when the copy
 * reads it).
 */
function isCloneFailure({ name, message }: { name: string; message: string }): boolean {
  return (
    name === 'DataCloneError' ||
    (name === 'TypeError' && message.includes('transferList')) ||
    (name === 'RangeError' && message.includes('call stack'))
  );
}

watchUncaught(() => running, reportStray);

/**
 * Load the handler modules registered before the pool started, with their own logs sent as no
 * call's (see preload). One still loading after PRELOAD_WAIT_MS, or one that failed, is logged
 * by the first worker that finds it so.
 */
async function loadModules(): Promise<void> {
  const before = setCurrent(noCall);
  try {
    await preload(
      (m) => handlerFor(m.specifier, m.exportName, m.loader),
      (message, meta) => noCall.log.error(message, meta),
    );
  } finally {
    setCurrent(before);
  }
}

/**
 * What piscina calls for each task. A promise of it: piscina gives a worker no call until its
 * module's export settles, and this one settles once the registered modules are loaded.
 */
export default loadModules().then(() => runPooledTask);
