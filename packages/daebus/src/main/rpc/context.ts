import { AsyncLocalStorage } from 'node:async_hooks';
import type { Redis } from 'ioredis';
import { DaebusError, ErrorCodes } from '../../shared/errors';
import { DAEBUS_WORKER } from '../../shared/worker-globals';
import type { Logger } from '../support/logger';
import type { ActionRequest } from './request';
import type { ActionResponse, SendOptions } from './response';

/** What one handler run sees: Daebus's thread-local `request`, `response` and `logger`. */
export interface ActionContext {
  /** The request being handled (what the `request` global reads). */
  request: ActionRequest;
  /** How to answer it (what the `response` global drives). */
  response: ActionResponse;
  /** The app's logger with this request's id attached. */
  logger: Logger;
  /** Publish `payload` (a JSON object) on the service's transport. */
  broadcast(channel: string, payload: object): Promise<number>;
}

/** The running service that code runs for: what the `broadcast` and `cache` globals use. */
export interface AppScope {
  readonly service: string;
  broadcast(channel: string, payload: unknown): Promise<number>;
  /** The Redis key/value client; throws when the service does not run on Redis. */
  cache(): Redis;
}

/**
 * What the `response` global drives: an action's response, or an HTTP route's (whose `send`
 * takes a status and whose `error` takes one too).
 */
export interface HandlerResponse {
  readonly finalSent: boolean;
  send(data: unknown, options?: SendOptions | boolean | number): Promise<void>;
  success(data: unknown): Promise<void>;
  error(errorOrMessage: unknown, statusOrOptions?: number | SendOptions | boolean): Promise<void>;
  progress(percentage: number, data?: unknown): Promise<void>;
}

/**
 * What the async context holds while user code runs for an app: an action handler or an HTTP
 * route handler (with its request), or a listener, background task, start hook or WebSocket
 * handler (without one).
 */
export interface Scope {
  readonly app: AppScope;
  readonly logger: Logger;
  readonly request?: ActionRequest;
  readonly response?: HandlerResponse;
  /** A listener runs: the `request`/`response` globals' error says to use its arguments. */
  readonly listener?: true;
  /**
   * True once no one will read the handler's answer (a stop gave up on it, it timed out, its
   * client left): it takes no more queue items, which would be lost with its answer.
   */
  readonly dropped?: boolean;
}

/** An action handler's context as the async context holds it: the public part, and its app. */
export type HandlerScope = ActionContext & Scope;

const storage = new AsyncLocalStorage<Scope>();

export function runInScope<A extends unknown[], T>(scope: Scope, fn: (...args: A) => T, ...args: A): T {
  return storage.run(scope, fn, ...args);
}

export function currentScope(): Scope | undefined {
  return storage.getStore();
}

/** The current action handler's context, or an error that says where `what` can be used. */
export function requireContext(what: string): HandlerScope {
  const scope = storage.getStore();
  if (scope?.request === undefined && (globalThis as Record<symbol, unknown>)[DAEBUS_WORKER] === true) {
    throw new DaebusError(
      ErrorCodes.NOT_IN_HANDLER,
      `${what} is only available on the main thread, while an action or HTTP route handler runs there. In a worker, a pooled handler gets its request as (payload, ctx): ` +
        'ctx.requestId and ctx.action name it, its return value answers, ctx.send and ctx.progress stream updates, ctx.log logs with the request id; a thread has t.on and t.log.',
    );
  }
  if (scope?.request === undefined) {
    throw new DaebusError(
      ErrorCodes.NOT_IN_HANDLER,
      `${what} is only available while an action or HTTP route handler runs (inside app.action(name, handler) or app.route(path, handler), including code it awaits). ` +
        (scope?.listener
          ? 'A listener gets the message and its channel as its arguments, (message, channel): for Python Daebus\'s request.payload in a listener (the message\'s own "payload" field), read message.payload.'
          : 'Outside a handler, pass the data in as arguments; in a thread, use t.log instead of logger.'),
    );
  }
  return scope as HandlerScope;
}
