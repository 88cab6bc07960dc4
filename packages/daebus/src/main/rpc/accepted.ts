import { monotonicMs } from '../../shared/clock';
import type { Linkable } from '../../shared/linked-set';
import type { Logger } from '../support/logger';
import { carriesObjects, type ObjectMessage, type Transport } from '../transport/transport';
import type { ActionContext, AppScope, HandlerScope } from './context';
import type { ActionRequest } from './request';
import { ActionResponse } from './response';
import { localResponse } from './local-messages';
import { encodeResponse, type WireResponse } from './wire';

/** A request read from a durable stream (replicas): how it leaves the stream, or goes back to it. */
export interface DurableHooks {
  /** 1 the first time the request is handled, more after replicas died holding it. */
  readonly attempt: number;
  /** Answered, refused or rejected: it leaves the stream. Calls after the first do nothing. */
  done(): void;
  /** Not started here: back to the stream, for any replica to take. */
  handBack(): void;
  /** Before one that waited for a slot starts: false when another replica took it over meanwhile (this one stalled). */
  stillOurs?(): boolean | Promise<boolean>;
}

/** How a service sends its replies: the transport's publish, and the encoding it carries. */
export interface ReplyRoute {
  /** A number when published at once (in-process), else the transport's promise. */
  readonly publish: (channel: string, message: string | ObjectMessage) => Promise<number> | number;
  readonly encode: (response: WireResponse) => string | ObjectMessage;
  /** Largest reply text sent (maxReplyBytes); none in-process. */
  readonly maxBytes?: number | undefined;
}

/**
 * How replies go out on `transport`: object messages where it carries them (in-process), else
 * JSON text of at most `maxReplyBytes`, since Redis cuts a subscriber off past its output buffer limit.
 */
export function replyRoute(transport: Transport, maxReplyBytes: number): ReplyRoute {
  if (carriesObjects(transport)) return { publish: (channel, message) => transport.publishObject(channel, message), encode: localResponse };
  return { publish: (channel, message) => transport.publish(channel, message as string), encode: encodeResponse, maxBytes: maxReplyBytes };
}

/** The app's size limits of requests (maxPayloadBytes) and replies (maxReplyBytes), in bytes. */
export interface PayloadLimits {
  readonly maxPayloadBytes: number;
  readonly maxReplyBytes: number;
}

/**
 * A request taken in: waiting for a slot, or running. One object per request holds what the
 * request needs (its response, its logger made on first use, what its handler's context reads),
 * because every closure and object made per request is garbage to collect on every request.
 */
export class Accepted implements Linkable<Accepted> {
  readonly request: ActionRequest;
  readonly response: ActionResponse;
  /** `monotonicMs()` when taken in: the duration metric, and a pooled handler's timeout counts from it. */
  readonly acceptedHr: number;
  running = false;
  /** Set for a request from the durable stream. */
  durable?: DurableHooks;
  /** A durable request waiting for a slot of its action (counted: the stream reader waits meanwhile). */
  waiting = false;
  /** Its handler finished; its final reply waits to be published. */
  replying = false;
  /** -1 while it holds its action's slot; the length of its reply once it gave the slot back (see WaitingReplies). */
  unslotted = -1;
  /** Handed back before it started: when its slot comes, it does not run. */
  handedBack?: boolean;
  readonly #appLogger: Logger;
  #logger: Logger | undefined;
  /** The dispatcher's set of requests taken in (LinkedSet). */
  linkPrev: Accepted | undefined;
  linkNext: Accepted | undefined;
  linked: boolean;

  constructor(request: ActionRequest, appLogger: Logger, route: ReplyRoute) {
    this.linkPrev = undefined;
    this.linkNext = undefined;
    this.linked = false;
    this.request = request;
    this.#appLogger = appLogger;
    this.acceptedHr = monotonicMs();
    this.response = new ActionResponse({
      requestId: request.requestId,
      channel: request.replyTo,
      publish: route.publish,
      encode: route.encode,
      log: this,
      maxBytes: route.maxBytes,
    });
  }

  /** The request's logger (the app's, with its action and id), made on first use: it costs a few µs. */
  logger(): Logger {
    const { action, requestId } = this.request;
    return (this.#logger ??= this.#appLogger.child({ action, ...(requestId ? { request_id: requestId } : {}) }));
  }

  /** What the async context holds while the handler runs. */
  scope(app: AppScope): HandlerScope & ActionContext {
    return new RequestScope(this, app);
  }
}

/** An action handler's context: its request, response, logger (made when read) and app. */
class RequestScope implements HandlerScope {
  readonly request: ActionRequest;
  readonly response: ActionResponse;
  readonly broadcast: AppScope['broadcast'];
  readonly app: AppScope;
  readonly #accepted: Accepted;

  constructor(accepted: Accepted, app: AppScope) {
    this.#accepted = accepted;
    this.request = accepted.request;
    this.response = accepted.response;
    this.broadcast = app.broadcast;
    this.app = app;
  }

  get logger(): Logger {
    return this.#accepted.logger();
  }

  /** Given up on by a stop (see Scope.dropped). */
  get dropped(): boolean {
    return this.response.givenUp;
  }

  /**
   * When the request was taken in: a pooled handler's timeout counts from then. Not for a
   * replica's request from the stream: a replica reads one ahead of its free slots, and the wait
   * for a slot is then its own doing (left in the stream, the request would not have waited).
   */
  get arrivedAt(): number | undefined {
    return this.#accepted.durable === undefined ? this.#accepted.acceptedHr : undefined;
  }
}
