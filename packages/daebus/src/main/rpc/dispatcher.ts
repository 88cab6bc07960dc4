import { DaebusError, ErrorCodes, toPlainError } from '../../shared/errors';
import type { Logger } from '../support/logger';
import { settlesWithin } from '../support/timers';
import type { Transport } from '../transport/transport';
import { runInScope, type ActionContext, type AppScope, type HandlerScope } from './context';
import { ActionRequest } from './request';
import { ActionResponse } from './response';
import { decodeRequest, encodeResponse, replyChannel } from './wire';

/** An action handler: gets the payload (and the context); returns a reply or answers through `response`. */
export type ActionHandler = (payload: Record<string, unknown>, context: ActionContext) => unknown;

/**
 * Reads requests from the service channel and runs their handlers, each in its own context,
 * concurrently. Whatever comes in, it never throws and never stalls: a request it cannot serve
 * gets an error reply when it has somewhere to reply to, and a warning in the log.
 */
export class Dispatcher {
  readonly #actions: ReadonlyMap<string, ActionHandler>;
  readonly #transport: Transport;
  readonly #logger: Logger;
  readonly #maxBytes: number;
  readonly #app: AppScope;
  readonly #inflight = new Set<Promise<void>>();

  constructor(init: {
    actions: ReadonlyMap<string, ActionHandler>;
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

  /** Take one raw message from the service channel. */
  readonly receive = (raw: string): void => {
    const decoded = decodeRequest(raw, this.#maxBytes);
    if (!decoded.ok) {
      this.#reject(decoded.error, decoded.replyTo, decoded.requestId, decoded.action);
      return;
    }
    const { request } = decoded;
    const channel = replyChannel(request.replyTo, request.service);
    const handler = this.#actions.get(request.action);
    if (!handler) {
      const known = [...this.#actions.keys()];
      const error = new DaebusError(
        ErrorCodes.UNKNOWN_ACTION,
        `Unknown action "${request.action}"${known.length ? `; this service has: ${known.join(', ')}` : '; this service has no actions'}.`,
      );
      this.#reject(error, channel, request.requestId, request.action);
      return;
    }
    const run = this.#run(handler, new ActionRequest(request, channel));
    this.#inflight.add(run);
    void run.finally(() => this.#inflight.delete(run));
  };

  /** Wait for running handlers, up to `timeoutMs`; resolves with how many were still running. */
  async drain(timeoutMs: number): Promise<number> {
    if (this.#inflight.size === 0) return 0;
    await settlesWithin(Promise.allSettled([...this.#inflight]), timeoutMs);
    return this.#inflight.size;
  }

  async #run(handler: ActionHandler, request: ActionRequest): Promise<void> {
    // the request's child logger costs a few µs: made only when something logs
    let child: Logger | undefined;
    const logger = (): Logger =>
      (child ??= this.#logger.child({ action: request.action, ...(request.requestId ? { request_id: request.requestId } : {}) }));
    const response = new ActionResponse({
      requestId: request.requestId,
      channel: request.replyTo,
      publish: (channel, message) => this.#transport.publish(channel, message),
      logger,
    });
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
          logger().warn(`Action "${request.action}" failed: ${plain.message}`, { error: plain });
          if (!response.finalSent)
            await response.error(err instanceof DaebusError || plain.code ? err : new DaebusError(ErrorCodes.HANDLER_ERROR, plain.message));
        }
      });
    } catch (err) {
      // publishing the reply failed (transport down): nothing more can be sent for this request
      logger().error(`Could not reply to action "${request.action}": ${toPlainError(err).message}`);
    }
  }

  #reject(error: DaebusError, channel: string | undefined, requestId: string | undefined, action: string | undefined): void {
    this.#logger.warn(`Rejected a request${action ? ` for "${action}"` : ''}: ${error.message}`, {
      code: error.code,
      ...(requestId ? { request_id: requestId } : {}),
    });
    if (channel === undefined) return;
    const message = encodeResponse({ status: 'error', payload: { error: error.message, code: error.code }, requestId, final: true });
    this.#transport.publish(channel, message).catch((err: unknown) => {
      this.#logger.error(`Could not send the error reply: ${toPlainError(err).message}`);
    });
  }
}
