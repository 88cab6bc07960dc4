import { DaebusError, ErrorCodes, toPlainError } from '../../shared/errors';
import type { Logger } from '../logger';
import type { Transport } from '../transport/transport';
import { decodeRequest, encodeResponse, replyChannel } from '../wire';
import { runInContext, type ActionContext } from './context';
import { ActionRequest } from './request';
import { ActionResponse } from './response';

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
  readonly #broadcast: (channel: string, payload: unknown) => Promise<number>;
  readonly #inflight = new Set<Promise<void>>();

  constructor(init: {
    actions: ReadonlyMap<string, ActionHandler>;
    transport: Transport;
    logger: Logger;
    maxPayloadBytes: number;
    broadcast: (channel: string, payload: unknown) => Promise<number>;
  }) {
    this.#actions = init.actions;
    this.#transport = init.transport;
    this.#logger = init.logger;
    this.#maxBytes = init.maxPayloadBytes;
    this.#broadcast = init.broadcast;
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
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled([...this.#inflight]), new Promise((r) => (timer = setTimeout(r, timeoutMs)))]);
    clearTimeout(timer);
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
    const context: ActionContext = {
      request,
      response,
      get logger() {
        return logger();
      },
      broadcast: this.#broadcast,
    };
    try {
      await runInContext(context, async () => {
        try {
          const value = await handler(request.payload, context);
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
