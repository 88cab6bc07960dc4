/**
 * Daebus's module-level `request`, `response`, `logger` and `broadcast`: each reads the action
 * handler running now (AsyncLocalStorage), so concurrent handlers never see each other's request.
 */
import { DaebusError, ErrorCodes } from '../../shared/errors';
import { directLogger, type Logger } from '../logger';
import { currentContext, requireContext } from './context';
import type { SendOptions } from './response';
import type { Redis } from 'ioredis';

export const request = {
  get payload(): Record<string, unknown> {
    return requireContext('request.payload').request.payload;
  },
  get requestId(): string | undefined {
    return requireContext('request.requestId').request.requestId;
  },
  get replyTo(): string | undefined {
    return requireContext('request.replyTo').request.replyTo;
  },
  get action(): string {
    return requireContext('request.action').request.action;
  },
  get service(): string | undefined {
    return requireContext('request.service').request.service;
  },
};

export const response = {
  send: (data: unknown, options?: SendOptions): Promise<void> => requireContext('response.send()').response.send(data, options),
  success: (data: unknown): Promise<void> => requireContext('response.success()').response.success(data),
  error: (errorOrMessage: unknown): Promise<void> => requireContext('response.error()').response.error(errorOrMessage),
  progress: (percentage: number, data?: Record<string, unknown>): Promise<void> =>
    requireContext('response.progress()').response.progress(percentage, data),
  get finalSent(): boolean {
    return requireContext('response.finalSent').response.finalSent;
  },
};

/** Inside a handler: the app's logger with `request_id` and `action` attached; elsewhere: `directLogger`. */
export const logger: Logger = new Proxy(directLogger, {
  get(target, property) {
    const current = currentContext()?.logger ?? target;
    const value = Reflect.get(current, property, current) as unknown;
    return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(current) : value;
  },
});

/** What `broadcast` and `cache` use outside handlers: the service started last. */
export interface ActiveService {
  broadcast(channel: string, payload: unknown): Promise<number>;
  readonly cache: Redis;
}

let active: ActiveService | undefined;

export function setActiveService(service: ActiveService): void {
  active = service;
}

/** Forget `service` if it is the active one (it stopped). */
export function clearActiveService(service: ActiveService): void {
  if (active === service) active = undefined;
}

export const broadcast = {
  /** Publish `payload` (JSON) on `channel`; resolves with the number of receivers. */
  send(channel: string, payload: unknown): Promise<number> {
    const send = currentContext()?.broadcast ?? active?.broadcast.bind(active);
    if (!send) {
      return Promise.reject(
        new DaebusError(
          ErrorCodes.TRANSPORT_ERROR,
          'broadcast.send() needs a started service: call it from a handler, or after app.run()/app.start(); or use app.broadcast().',
        ),
      );
    }
    return send(channel, payload);
  },
};

/**
 * Daebus's `cache`: the Redis key/value client of the running service (the Redis transport's
 * publishing connection), e.g. `await cache.set('k', 'v')`. Only with the Redis transport.
 */
export const cache: Redis = new Proxy({} as Redis, {
  get(_target, property) {
    if (!active) {
      throw new DaebusError(
        ErrorCodes.TRANSPORT_ERROR,
        'cache needs a started service on the Redis transport: use it after app.run()/app.start() with redis configured.',
      );
    }
    const client = active.cache;
    const value = Reflect.get(client, property, client) as unknown;
    return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(client) : value;
  },
});
