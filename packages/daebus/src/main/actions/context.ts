import { AsyncLocalStorage } from 'node:async_hooks';
import { DaebusError, ErrorCodes } from '../../shared/errors';
import type { Logger } from '../logger';
import type { ActionRequest } from './request';
import type { ActionResponse } from './response';

/** What one handler run sees: Daebus's thread-local `request`, `response` and `logger`. */
export interface ActionContext {
  request: ActionRequest;
  response: ActionResponse;
  /** The app's logger with this request's id attached. */
  logger: Logger;
  /** Publish on the service's transport. */
  broadcast(channel: string, payload: unknown): Promise<number>;
}

const storage = new AsyncLocalStorage<ActionContext>();

export function runInContext<T>(context: ActionContext, fn: () => T): T {
  return storage.run(context, fn);
}

export function currentContext(): ActionContext | undefined {
  return storage.getStore();
}

/** The current handler's context, or an error that says where `what` can be used. */
export function requireContext(what: string): ActionContext {
  const context = storage.getStore();
  if (!context) {
    throw new DaebusError(
      ErrorCodes.NOT_IN_HANDLER,
      `${what} is only available while an action handler runs (inside app.action(name, handler), including code it awaits). ` +
        'Outside a handler, pass the data in as arguments; in a thread, use t.log instead of logger.',
    );
  }
  return context;
}
