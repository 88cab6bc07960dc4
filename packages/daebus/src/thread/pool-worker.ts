// The module every piscina worker of the pool loads. It never fails to load: the user's handler
// module is imported per task, inside the task, so a broken module fails that task alone (a
// piscina worker whose own module fails to load stops the pool from replacing workers).
import { DaebusError, ErrorCodes } from '../shared/errors';
import type { MainToThread, PooledTask } from '../shared/protocol';
import { pickHandler, type PooledHandler } from './define-handler';
import { MainLink } from './link';
import { createLogger, portSink } from './log';
import { PooledContext } from './pooled-context';

const handlers = new Map<string, Promise<PooledHandler>>();

async function load(specifier: string, exportName: string): Promise<PooledHandler> {
  let mod: unknown;
  try {
    mod = await import(specifier);
  } catch (err) {
    throw new DaebusError(
      ErrorCodes.THREAD_LOAD_FAILED,
      `The pooled handler module ${specifier} could not be loaded: ${(err as Error).message}`,
    );
  }
  const handler = pickHandler(mod, exportName);
  if (!handler) {
    throw new DaebusError(
      ErrorCodes.THREAD_LOAD_FAILED,
      `The pooled handler module ${specifier} has no function export "${exportName}"; export one made with defineHandler() from 'daebus/thread'.`,
    );
  }
  return handler;
}

function handlerFor(specifier: string, exportName: string): Promise<PooledHandler> {
  const key = `${specifier}#${exportName}`;
  let found = handlers.get(key);
  if (!found) {
    found = load(specifier, exportName);
    // a failed load is not cached: the next call tries again
    found.catch(() => handlers.delete(key));
    handlers.set(key, found);
  }
  return found;
}

/** One pooled call: run the handler; its value or throw goes back through piscina. */
export default async function runPooledTask(task: PooledTask): Promise<unknown> {
  const { port } = task;
  const log = createLogger(portSink(port));
  const link = new MainLink(port, log);
  port.on('message', (message: MainToThread) => {
    if (message.type !== 'stop') link.receive(message);
  });
  try {
    const handler = await handlerFor(task.specifier, task.exportName);
    return await handler(task.payload, new PooledContext({ action: task.action, requestId: task.requestId, log, port, link }));
  } finally {
    // updates and records are already queued on the main side's port; it reads them all before
    // it replies, so none comes after the final reply
    port.close();
  }
}
