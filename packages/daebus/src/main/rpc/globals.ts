/**
 * Daebus's module-level `request`, `response`, `logger`, `broadcast` and `cache`. Each reads
 * the async context of the code running now (an action handler, a listener, a background task,
 * a start hook), so concurrent handlers never see each other's request and two apps in one
 * process never see each other's transport.
 */
import { DaebusError, ErrorCodes } from '../../shared/errors';
import { DAEBUS_WORKER } from '../../shared/worker-globals';
import { LOG_LEVELS } from '../../shared/protocol/core';
import { isHttpRequest, type HttpRequest } from '../http/http-request';
import { HttpResponse } from '../http/http-response';
import { directLogger, type Logger } from '../support/logger';
import { guardedLogCall } from '../support/readable-records';
import { currentScope, requireContext, type AppScope, type HandlerResponse } from './context';
import type { SendOptions } from './send-options';
import type { RedisClient } from '../transport/transport';

/**
 * Daebus's `request` global: the request of the action or HTTP route handler running now
 * (`request.payload`, `request.action`, ...). Read outside one, it throws NOT_IN_HANDLER.
 */
export const request = {
  /** The request's payload; in an HTTP route the query or the body, with the path parameters added. */
  get payload(): Record<string, unknown> {
    return requireContext('request.payload').request.payload;
  },
  /** The caller's request id; undefined for a message sent without one (no reply expected). */
  get requestId(): string | undefined {
    return requireContext('request.requestId').request.requestId;
  },
  /** The channel the reply goes to; undefined when the caller expects none. */
  get replyTo(): string | undefined {
    return requireContext('request.replyTo').request.replyTo;
  },
  /** The action's name; in an HTTP route the method and the route's path, e.g. `GET /users/<user_id>`. */
  get action(): string {
    return requireContext('request.action').request.action;
  },
  /** The service the caller addressed, as it sent it (Python callers always do); `"http"` in a route. */
  get service(): string | undefined {
    return requireContext('request.service').request.service;
  },
  /** 1 the first time; more when a replicated service runs a durable request again after a replica died. */
  get attempt(): number {
    return requireContext('request.attempt').request.attempt;
  },
  /** In an HTTP route: the method, e.g. `GET`. */
  get method(): string {
    return routeRequest('request.method').method;
  },
  /** In an HTTP route: the URL path, without the query. */
  get path(): string {
    return routeRequest('request.path').path;
  },
  /** In an HTTP route: the headers, names in lower case. */
  get headers(): HttpRequest['headers'] {
    return routeRequest('request.headers').headers;
  },
  /** In an HTTP route: the path parameters (`<user_id>` -> `params.user_id`). */
  get params(): Record<string, string> {
    return routeRequest('request.params').params;
  },
  /** In an HTTP route: the query parameters. */
  get query(): Record<string, string | string[]> {
    return routeRequest('request.query').query;
  },
};

/** The HTTP request being answered, or an error that says `what` is for routes only. */
function routeRequest(what: string): HttpRequest {
  const current = requireContext(what).request;
  if (isHttpRequest(current)) return current;
  throw new DaebusError(
    ErrorCodes.NOT_IN_HANDLER,
    `${what} is only available while an HTTP route handler runs (app.route(path, handler)); an action's request has payload, action, requestId, replyTo and service.`,
  );
}

/**
 * Daebus's `response` global: answers the request of the action or HTTP route handler running now
 * (`response.send(data)`, `response.error(err)`, `response.progress(50)`). Outside one, it throws NOT_IN_HANDLER.
 */
export const response = {
  /** Reply; in an HTTP route the second argument may be the status (`response.send(data, 201)`), in an action `{ final }` or Python's positional `final`. */
  send: (data: unknown, options?: SendOptions | boolean | number): Promise<void> =>
    (requireContext('response.send()').response as HandlerResponse).send(data, options),
  /** The final success reply (same as `send(data)`). */
  success: (data: unknown): Promise<void> => requireContext('response.success()').response.success(data),
  /** The error reply; in an HTTP route with `status` (default 400), in an action with `{ final: false }` (or `false`) to send it as an update. */
  error: (errorOrMessage: unknown, statusOrOptions?: number | SendOptions | boolean): Promise<void> =>
    (requireContext('response.error()').response as HandlerResponse).error(errorOrMessage, statusOrOptions),
  /** A streamed progress update: `data` with `progress_percentage` (0-100) added; the request stays open. */
  progress: (percentage: number, data?: unknown): Promise<void> =>
    requireContext('response.progress()').response.progress(percentage, data),
  /** True once the final reply (a success or an error) went out. */
  get finalSent(): boolean {
    return requireContext('response.finalSent').response.finalSent;
  },
  /** In an HTTP route: the status of the next `send` without one. Throws NOT_IN_HANDLER in an action. */
  setStatus: (status: number): HttpResponse => routeResponse('response.setStatus()').setStatus(status),
  /** In an HTTP route: set a response header for the answer. Throws NOT_IN_HANDLER in an action. */
  header: (name: string, value: string | number | readonly string[]): HttpResponse =>
    routeResponse('response.header()').header(name, value),
};

/** The HTTP answer being made, or an error that says `what` is for routes only (an action's reply has no status or headers). */
function routeResponse(what: string): HttpResponse {
  const current = requireContext(what).response;
  if (current instanceof HttpResponse) return current;
  throw new DaebusError(
    ErrorCodes.NOT_IN_HANDLER,
    `${what} is only available while an HTTP route handler runs (app.route(path, handler)); an action's reply has no status or headers: reply with response.send(data) or response.error(err).`,
  );
}

/** Inside a handler: the app's logger with `request_id` and `action` attached; elsewhere: `directLogger`. */
export const logger: Logger = new Proxy(directLogger, {
  get(target, property) {
    const current = currentScope()?.logger ?? target;
    const value = Reflect.get(current, property, current) as unknown;
    if (typeof value !== 'function') return value;
    // a log call never throws into the code that logs; the logger's other methods are its own
    return LOG_METHODS.has(property) ? guardedLogCall(value as (...args: unknown[]) => unknown, current) : value.bind(current);
  },
});

const LOG_METHODS: ReadonlySet<string | symbol> = new Set([...LOG_LEVELS, 'log']);

/** Apps started and not stopped, for code that runs outside any app's context. */
const running = new Set<AppScope>();

export function addRunningApp(app: AppScope): void {
  running.add(app);
}

export function removeRunningApp(app: AppScope): void {
  running.delete(app);
}

/** The app of the code running now; outside any, the one app running in this process. */
function appFor(what: string): AppScope {
  const scoped = currentScope()?.app;
  if (scoped) return scoped;
  if (running.size === 1) return running.values().next().value as AppScope;
  if (running.size === 0 && (globalThis as Record<symbol, unknown>)[DAEBUS_WORKER] === true) {
    throw new DaebusError(
      ErrorCodes.INVALID_STATE,
      `${what} works on the main thread, where the service runs, not in its threads or pooled handlers: there, broadcast with ` +
        't.broadcast(channel, payload) (ctx.broadcast in a pooled handler), and reach Redis with a client of your own (new Redis(url) of ioredis).',
    );
  }
  const why =
    running.size === 0
      ? 'no service is started in this process: use it after app.run()/app.start()'
      : `${running.size} services run in this process (${[...running].map((a) => `"${a.service}"`).join(', ')}) and this code runs for none of them: use app.broadcast()/app.cache of the one you mean`;
  throw new DaebusError(ErrorCodes.INVALID_STATE, `${what}: ${why}.`);
}

/**
 * Daebus's `broadcast` global: publish on the transport of the app the code runs for, or of the one
 * app running in this process; INVALID_STATE when there is none, or several and no way to tell.
 * @example await broadcast.send('notifications', { type: 'alert' });
 */
export const broadcast = {
  /** Publish `payload` (a JSON object) on `channel`; resolves with the number of receivers. */
  async send(channel: string, payload: object): Promise<number> {
    return appFor('broadcast.send()').broadcast(channel, payload);
  },
};

/**
 * Daebus's `cache`: the Redis key/value client of the running service (the Redis transport's
 * publishing connection), e.g. `await cache.set('k', 'v')`. Only with the Redis transport.
 */
export const cache: RedisClient = new Proxy({} as RedisClient, {
  get(_target, property) {
    const client = appFor('cache').cache();
    const value = Reflect.get(client, property, client) as unknown;
    return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(client) : value;
  },
});
