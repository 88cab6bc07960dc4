import { DaebusError, ErrorCodes } from '../../shared/errors';
import { monotonicMs } from '../../shared/clock';
import { ownActions } from '../../shared/protocol/builtin-actions';
import { LinkedSet } from '../../shared/linked-set';
import { isThenable } from '../../shared/thenable';
import type { Logger } from '../support/logger';
import { settlesWithin } from '../support/timers';
import type { ObjectMessage, Transport } from '../transport/transport';
import { freeSlots, type Bulkhead } from './bulkhead';
import type { ActionObserver } from './observer';
import { RequestReports } from './request-reports';
import { runInScope, type ActionContext, type AppScope } from './context';
import { ActionRequest } from './request';
import { Accepted, replyRoute, type DurableHooks, type PayloadLimits, type ReplyRoute } from './accepted';
import { finalReply } from './response';
import { dropStuckReplies, onlyStuckReplies } from './stuck-replies';
import { WaitingReplies } from './waiting-replies';
import { decodeRequestMessage } from './local-messages';
import { replyAddress, replyChannel } from './wire';
import { clipped, clippedList, NAMES_LISTED } from '../../shared/clipped';
import type { WriteRefusals } from '../transport/write-refusals';

/** An action handler: returns the reply, or answers through `response`; a typed contract (`Daebus<Api>`) types payload and result. */
export type ActionHandler<Payload = Record<string, unknown>, Result = unknown> = (
  payload: Payload,
  context: ActionContext,
) => Result | void | Promise<Result | void>;

/** A registered action: its handler and the limit of its concurrent runs. */
export interface ActionEntry {
  readonly handler: ActionHandler;
  readonly bulkhead: Bulkhead;
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
  /** Requests come and go all the time: a set linked through them, no table to hash into. */
  readonly #accepted = new LinkedSet<Accepted>();
  readonly #reports: RequestReports;
  readonly #observer: ActionObserver | undefined;
  /** How replies are encoded and published: object messages where the transport carries them (in-process). */
  readonly #route: ReplyRoute;
  /** A durable request for an action this service does not have: true when it was taken care of (replicas: another may have it). */
  unknownDurable?: (action: string, raw: string, durable: DurableHooks) => boolean;
  #onIdle?: () => void;
  /** Durable requests taken in that wait for a slot of their action. */
  #durableWaiting = 0;
  #slotFreed?: () => void;
  readonly #waitingReplies = new WaitingReplies();
  readonly #refusals: WriteRefusals;

  constructor(init: {
    refusals: WriteRefusals;
    actions: ReadonlyMap<string, ActionEntry>;
    transport: Transport;
    logger: Logger;
    limits: PayloadLimits;
    app: AppScope;
    observer?: ActionObserver | undefined;
  }) {
    this.#actions = init.actions;
    this.#transport = init.transport;
    this.#logger = init.logger;
    this.#maxBytes = init.limits.maxPayloadBytes;
    this.#app = init.app;
    this.#observer = init.observer;
    this.#refusals = init.refusals;
    this.#route = replyRoute(init.transport, init.limits.maxReplyBytes);
    this.#reports = new RequestReports(init.transport, init.logger, init.observer, (action) => this.#actions.get(action)?.bulkhead);
  }

  /** Requests taken in and not finished: waiting for a slot, or running. */
  get acceptedCount(): number {
    return this.#accepted.size;
  }

  /** A copy of the requests taken in and not finished. */
  acceptedRequests(): Accepted[] {
    return this.#accepted.values();
  }

  /**
   * How many more durable requests could start at once (the stream reader takes no more): the free
   * slots of the service's actions, none while one taken in waits for a slot. At least one otherwise:
   * the next may be for a built-in action (slots of its own); one for a full action waits, alone.
   */
  startable(): number {
    return this.#durableWaiting > 0 ? 0 : Math.max(1, freeSlots(this.#actions));
  }

  /** `listener` is called whenever a handler slot frees. */
  onSlotFreed(listener: () => void): void {
    this.#slotFreed = listener;
  }

  /** Take one raw message from the service channel (`notUtf8`: see MessageHandler). */
  readonly receive = (raw: string | ObjectMessage, _channel?: string, notUtf8?: boolean): void => this.#take(raw, undefined, notUtf8);

  /** Take one request read from the durable stream; `durable` confirms it or hands it back. */
  receiveDurable(raw: string, durable: DurableHooks): void {
    this.#take(raw, durable);
  }

  #take(raw: string | ObjectMessage, durable: DurableHooks | undefined, notUtf8?: boolean): void {
    const decoded = decodeRequestMessage(raw, this.#maxBytes, notUtf8);
    if (!decoded.ok) {
      this.#reports.reject(decoded.error, decoded.replyTo, decoded.requestId, decoded.action);
      durable?.done(); // answered: bad input never stays in the stream
      return;
    }
    const { request: wire } = decoded;
    const channel = replyChannel(wire.replyTo, wire.service);
    const entry = this.#actions.get(wire.action);
    if (!entry) {
      if (durable !== undefined && this.unknownDurable?.(wire.action, raw as string, durable) === true) return;
      this.#reports.reject(this.unknownAction(wire.action), channel, wire.requestId, wire.action);
      durable?.done();
      return;
    }
    if (channel === undefined && wire.requestId !== undefined) {
      this.#logger.warn(
        `Request ${wire.requestId} for "${wire.action}" has a request_id but neither reply_to nor service: it runs, and its reply goes nowhere.`,
      );
    }
    const request = new ActionRequest(wire, channel, durable?.attempt ?? 1);
    const accepted = new Accepted(request, this.#logger, this.#route);
    if (durable) accepted.durable = durable;
    this.#accepted.add(accepted);
    if (entry.bulkhead.offer(() => this.#run(entry, accepted))) {
      if (durable && !accepted.running) {
        accepted.waiting = true;
        this.#durableWaiting += 1;
      }
    } else {
      this.#accepted.delete(accepted);
      // a durable request waits in the stream instead, for a replica with room: nobody was refused
      if (durable) return durable.handBack();
      this.#reports.turnAway(wire.action, channel, wire.requestId);
    }
  }

  /** The service's own actions (not the built-in `daebus.*` ones). */
  actionNames(): string[] {
    return ownActions(this.#actions.keys());
  }

  /** The error for a request of an action this service does not have. */
  unknownAction(action: string): DaebusError {
    const known = this.actionNames();
    const has = known.length > 0 ? `; this service has: ${clippedList(known, NAMES_LISTED)}` : '; this service has no actions';
    return new DaebusError(ErrorCodes.UNKNOWN_ACTION, `Unknown action "${clipped(action)}"${has}.`);
  }

  /** Answer `raw` with `error` without running it (a request the service gives up on); logged unless `log` is false (said already). */
  refuse(raw: string, error: DaebusError, log = true): void {
    const { replyTo, requestId, action } = replyAddress(raw, this.#maxBytes);
    this.#reports.reject(error, replyTo, requestId, action, log);
  }

  /** Give the durable requests that have not started back to the stream (this replica stops). */
  handBackWaiting(): number {
    let handed = 0;
    for (const accepted of this.acceptedRequests()) {
      if (accepted.running || !accepted.durable) continue;
      accepted.handedBack = true;
      this.#accepted.delete(accepted);
      accepted.durable.handBack();
      handed += 1;
    }
    this.#idleCheck();
    return handed;
  }

  /**
   * Wait up to `timeoutMs` for the requests taken in to finish; resolves with those that did not.
   * A finished request whose reply cannot be published (the transport is down) is let go, logged.
   */
  async drain(timeoutMs: number): Promise<Accepted[]> {
    if (this.#accepted.size > 0) {
      const replies = onlyStuckReplies(() => this.acceptedRequests(), this.#transport);
      await settlesWithin(Promise.race([new Promise<void>((resolve) => (this.#onIdle = resolve)), replies.stuck]), timeoutMs);
      replies.stop();
      this.#onIdle = undefined;
      dropStuckReplies(this.#accepted, this.#transport, this.#logger, this.#observer);
    }
    return this.acceptedRequests();
  }

  /** Give up on requests still running or waiting: each gets `error` as its final reply, and is forgotten. */
  async abandon(requests: readonly Accepted[], error: DaebusError): Promise<void> {
    for (const accepted of requests) this.#accepted.delete(accepted);
    // a durable request gets no reply: it stays in the stream for a live replica to run again (at-least-once)
    await Promise.all(requests.filter((a) => !a.durable).map((accepted) => accepted.response.abandon(error)));
  }

  /**
   * Run one request in its own context and reply. A handler that answers synchronously is
   * replied to at once, and the only promise on that path is the transport's publish: this is
   * every request's path, and on Node 20 each promise also costs the async-context hooks.
   */
  #run(entry: ActionEntry, accepted: Accepted): void {
    if (accepted.waiting) {
      accepted.waiting = false;
      this.#durableWaiting -= 1;
      // a stall here while it waited may have let another replica take it over: it runs there only
      const ours = accepted.durable?.stillOurs?.() ?? true;
      if (ours !== true)
        return void Promise.resolve(ours).then((still) => (still ? this.#start(entry, accepted) : this.#letGo(entry, accepted)));
    }
    this.#start(entry, accepted);
  }

  /** A request that is not this replica's any more: never started, its slot freed, nothing confirmed. */
  #letGo(entry: ActionEntry, accepted: Accepted): void {
    this.#accepted.delete(accepted);
    this.#release(entry);
    this.#idleCheck();
  }

  #start(entry: ActionEntry, accepted: Accepted): void {
    // handed back to the stream while it waited: it was let go there, only its slot is left
    if (accepted.handedBack) return this.#release(entry);
    accepted.running = true;
    const context = accepted.scope(this.#app);
    let returned: unknown, thenable: boolean;
    try {
      returned = runInScope(context, entry.handler, accepted.request.payload, context);
      thenable = isThenable(returned); // here: a `then` getter that throws (a Proxy) fails the handler (it held its slot)
    } catch (err) {
      return this.#reply(entry, accepted, this.#reports.failure(err, context), true);
    }
    // the handler's own awaits keep its context; what follows here needs none
    if (thenable) {
      const publishing = accepted.response.publishAwaited(returned);
      if (publishing !== undefined) return this.#publishing(entry, accepted, publishing);
      // Promise.resolve gives back a native promise as it is, and makes a user's thenable safe to follow
      Promise.resolve(returned).then(
        (value) => this.#reply(entry, accepted, value, false),
        (err: unknown) => this.#reply(entry, accepted, this.#reports.failure(err, context), true),
      );
      return;
    }
    this.#reply(entry, accepted, returned, false);
  }

  /** Send the final reply unless the handler sent it (a value, not null, it returns after is dropped, warned of), then finish once published. */
  #reply(entry: ActionEntry, accepted: Accepted, valueOrError: unknown, failed: boolean): void {
    const sentAlready = accepted.response.finalSent && (failed || valueOrError === undefined || valueOrError === null);
    // sent already: the request finishes once that reply is out (a handler need not have awaited it)
    const published = sentAlready ? accepted.response.finalPublish : accepted.response[finalReply](valueOrError, failed);
    // published at once (in-process), or nothing to publish: done now
    if (typeof published !== 'object') return this.#finish(entry, accepted);
    this.#publishing(entry, accepted, published);
  }

  /** The handler is done and its final reply waits for the transport: finish once it is published. */
  #publishing(entry: ActionEntry, accepted: Accepted, published: Promise<unknown>): void {
    // A durable request leaves the stream now: its confirmation is sent after the reply on the
    // same connection (so Redis runs it after the reply's publish), in the same write when the
    // transport still holds the reply. Waiting for the publish's answer cost a write and a
    // wake-up of their own per request; a reply that fails to publish is confirmed either way.
    accepted.durable?.done();
    accepted.replying = true;
    if (this.#waitingReplies.freesSlot(accepted)) this.#release(entry);
    published.then(
      () => {
        this.#refusals.succeeded('replies', accepted.request.replyTo);
        this.#finish(entry, accepted);
      },
      (err: unknown) => {
        // nothing more can be sent for it; one a stop let go was logged then, a Redis refusal once a streak
        if (accepted.linked && !this.#refusals.refused('replies', err, accepted.request.replyTo))
          this.#reports.unsent(accepted.request.action, accepted.logger(), err);
        this.#finish(entry, accepted, true);
      },
    );
  }

  /** `unsent`: its final reply could not be sent (counted as an error: its caller got no answer). */
  #finish(entry: ActionEntry, accepted: Accepted, unsent = false): void {
    // one a stop gave up on was counted then (ServiceBus.abandon)
    if (accepted.linked)
      this.#observer?.settled(
        accepted.request.action,
        unsent || accepted.response.failed ? 'error' : 'ok',
        (monotonicMs() - accepted.acceptedHr) / 1000,
      );
    this.#accepted.delete(accepted);
    accepted.durable?.done();
    if (!this.#waitingReplies.published(accepted)) this.#release(entry);
    this.#idleCheck();
  }

  /** Say the refusals and failures counted and not said yet: the service stops. */
  flushReports(): void {
    this.#reports.flush();
  }

  #release(entry: ActionEntry): void {
    entry.bulkhead.release();
    this.#slotFreed?.();
  }

  #idleCheck(): void {
    if (this.#accepted.size === 0) this.#onIdle?.();
  }
}
