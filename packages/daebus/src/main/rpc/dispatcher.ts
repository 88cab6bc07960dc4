import { DaebusError, ErrorCodes, toPlainError } from '../../shared/errors';
import type { Logger } from '../support/logger';
import { settlesWithin } from '../support/timers';
import type { Transport } from '../transport/transport';
import type { Bulkhead } from './bulkhead';
import { runInScope, type ActionContext, type AppScope, type HandlerScope } from './context';
import { ActionRequest } from './request';
import { ActionResponse } from './response';
import { decodeRequest, encodeResponse, replyChannel } from './wire';

/** How often the requests turned away with BUSY are reported, at most. */
const BUSY_REPORT_MS = 1_000;

/**
 * An action handler: gets the payload (and the context); returns the reply, or answers through
 * `response` (and returns nothing). A typed contract types both (see `Daebus<Api>`).
 */
export type ActionHandler<Payload = Record<string, unknown>, Result = unknown> = (
  payload: Payload,
  context: ActionContext,
) => Result | void | Promise<Result | void>;

/** A registered action: its handler and the limit of its concurrent runs. */
export interface ActionEntry {
  readonly handler: ActionHandler;
  readonly bulkhead: Bulkhead;
}

/** A request taken in: waiting for a slot, or running. */
export interface Accepted {
  readonly request: ActionRequest;
  readonly response: ActionResponse;
  /** The request's logger (the app's, with its action and id), made on first use: it costs a few µs. */
  readonly logger: () => Logger;
  readonly acceptedAt: number;
  running: boolean;
}

/**
 * Reads requests from the service channel and runs their handlers, each in its own context,
 * concurrently within its action's limits. Whatever comes in, it never throws and never stalls:
 * a request it cannot serve gets an error reply when it has somewhere to reply to, and a warning
 * in the log.
 */
export class Dispatcher {
  readonly #actions: ReadonlyMap<string, ActionEntry>;
  readonly #transport: Transport;
  readonly #logger: Logger;
  readonly #maxBytes: number;
  readonly #app: AppScope;
  readonly #accepted = new Set<Accepted>();
  /** Requests turned away with BUSY since the last warning, by action. */
  readonly #busy = new Map<string, number>();
  #busyTimer?: NodeJS.Timeout;
  #onIdle?: () => void;

  constructor(init: {
    actions: ReadonlyMap<string, ActionEntry>;
    transport: Transport;
    logger: Logger;
    maxPayloadBytes: number;
    app: AppScope;
  }) {
    this.#actions = init.actions;
    this.#transport = init.transport;
    this.#logger = init.logger;
    this.#maxBytes = init.maxPayloadBytes;
    this.#app = init.app;
  }

  /** Requests taken in and not finished: waiting for a slot, or running. */
  get accepted(): ReadonlySet<Accepted> {
    return this.#accepted;
  }

  /** Take one raw message from the service channel. */
  readonly receive = (raw: string): void => {
    const decoded = decodeRequest(raw, this.#maxBytes);
    if (!decoded.ok) {
      this.#reject(decoded.error, decoded.replyTo, decoded.requestId, decoded.action);
      return;
    }
    const { request: wire } = decoded;
    const channel = replyChannel(wire.replyTo, wire.service);
    const entry = this.#actions.get(wire.action);
    if (!entry) {
      const known = [...this.#actions.keys()];
      const error = new DaebusError(
        ErrorCodes.UNKNOWN_ACTION,
        `Unknown action "${wire.action}"${known.length ? `; this service has: ${known.join(', ')}` : '; this service has no actions'}.`,
      );
      this.#reject(error, channel, wire.requestId, wire.action);
      return;
    }
    if (channel === undefined && wire.requestId !== undefined) {
      this.#logger.warn(
        `Request ${wire.requestId} for "${wire.action}" has a request_id but neither reply_to nor service: it runs, and its reply goes nowhere.`,
      );
    }
    const request = new ActionRequest(wire, channel);
    let child: Logger | undefined;
    const logger = (): Logger =>
      (child ??= this.#logger.child({ action: wire.action, ...(wire.requestId ? { request_id: wire.requestId } : {}) }));
    const response = new ActionResponse({
      requestId: request.requestId,
      channel,
      publish: (to, message) => this.#transport.publish(to, message),
      logger,
    });
    const accepted: Accepted = { request, response, logger, acceptedAt: Date.now(), running: false };
    this.#accepted.add(accepted);
    if (!entry.bulkhead.offer(() => this.#run(entry.handler, accepted))) {
      this.#accepted.delete(accepted);
      this.#turnAway(wire.action, entry.bulkhead, channel, wire.requestId);
    }
  };

  /**
   * Answer a request its action has no room for with BUSY. This is the path a flood takes, so it
   * is kept cheap: no Error object, and one warning a second for all the requests turned away.
   */
  #turnAway(action: string, bulkhead: Bulkhead, channel: string | undefined, requestId: string | undefined): void {
    const text = `Action "${action}" is busy: ${bulkhead.limit} running and ${bulkhead.maxQueued} waiting. Try again later, or raise its concurrency or maxQueued.`;
    this.#busy.set(action, (this.#busy.get(action) ?? 0) + 1);
    if (this.#busyTimer === undefined) this.#busyTimer = setTimeout(() => this.#reportBusy(), BUSY_REPORT_MS).unref();
    if (channel === undefined) return;
    const message = encodeResponse({ status: 'error', payload: { error: text, code: ErrorCodes.BUSY }, requestId, final: true });
    this.#transport.publish(channel, message).catch(() => undefined);
  }

  #reportBusy(): void {
    this.#busyTimer = undefined;
    for (const [action, count] of this.#busy) {
      const { limit, maxQueued } = (this.#actions.get(action) as ActionEntry).bulkhead;
      this.#logger.warn(
        `Turned away ${count} request(s) for "${action}" with BUSY in the last ${BUSY_REPORT_MS / 1000} s: ${limit} running and ${maxQueued} waiting`,
        { code: ErrorCodes.BUSY, action, count },
      );
    }
    this.#busy.clear();
  }

  /** Wait up to `timeoutMs` for the requests taken in to finish; resolves with those that did not. */
  async drain(timeoutMs: number): Promise<Accepted[]> {
    if (this.#accepted.size > 0) {
      await settlesWithin(new Promise<void>((resolve) => (this.#onIdle = resolve)), timeoutMs);
      this.#onIdle = undefined;
    }
    return [...this.#accepted];
  }

  /** Give up on requests still running or waiting: each gets `error` as its final reply, and is forgotten. */
  async abandon(requests: readonly Accepted[], error: DaebusError): Promise<void> {
    for (const accepted of requests) this.#accepted.delete(accepted);
    await Promise.all(requests.map((accepted) => accepted.response.abandon(error)));
  }

  async #run(handler: ActionHandler, accepted: Accepted): Promise<void> {
    const { request, response, logger } = accepted;
    accepted.running = true;
    const app = this.#app;
    const context: HandlerScope = {
      request,
      response,
      get logger() {
        return logger();
      },
      broadcast: app.broadcast,
      app,
    };
    try {
      await runInScope(context, async () => {
        try {
          const value = await handler(request.payload, context as ActionContext);
          if (!response.finalSent) await response.success(value === undefined ? {} : value);
        } catch (err) {
          const plain = toPlainError(err);
          context.logger.warn(`Action "${request.action}" failed: ${plain.message}`, { error: plain });
          if (!response.finalSent)
            await response.error(err instanceof DaebusError || plain.code ? err : new DaebusError(ErrorCodes.HANDLER_ERROR, plain.message));
        }
      });
    } catch (err) {
      // publishing the reply failed (transport down or closed): nothing more can be sent for this request
      context.logger.warn(`Could not reply to action "${request.action}": ${toPlainError(err).message}`);
    } finally {
      this.#accepted.delete(accepted);
      if (this.#accepted.size === 0) this.#onIdle?.();
    }
  }

  #reject(error: DaebusError, channel: string | undefined, requestId: string | number | undefined, action: string | undefined): void {
    this.#logger.warn(`Rejected a request${action ? ` for "${action}"` : ''}: ${error.message}`, {
      code: error.code,
      ...(requestId !== undefined ? { request_id: requestId } : {}),
    });
    if (channel === undefined) return;
    const message = encodeResponse({ status: 'error', payload: { error: error.message, code: error.code }, requestId, final: true });
    this.#transport.publish(channel, message).catch((err: unknown) => {
      this.#logger.warn(`Could not send the error reply: ${toPlainError(err).message}`);
    });
  }
}
