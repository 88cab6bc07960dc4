import { monotonicMs } from '../../shared/clock';
import { DaebusError, ErrorCodes, toPlainError } from '../../shared/errors';
import type { ActionObserver } from './observer';
import { NOT_JSON, parseWireJson } from '../../shared/python-json';
import { changesAPrototype, mayChangeAPrototype } from './prototype-keys';
import { checker, isName, isPlainObject } from '../../shared/validate';
import { isAdminAction, isReserved } from '../../shared/protocol/builtin-actions';
import { FailureLines } from '../support/failure-lines';
import { BudgetedLines } from '../support/line-budget';
import { CountedLines } from '../support/counted-lines';
import type { Logger } from '../support/logger';
import { carriesObjects, transportUp, type MessageHandler, type ObjectMessageHandler, type Transport } from '../transport/transport';
import { runInScope, type AppScope, type Scope } from './context';
import type { Accepted, DurableHooks, PayloadLimits } from './accepted';
import { Dispatcher, type ActionEntry } from './dispatcher';
import { watchChannelShared } from './shared-channel';
import { messageJson } from './outgoing-json';
import { logOutages } from './outage-log';
import { WriteRefusals, type RefusalReport } from '../transport/write-refusals';
import { answeredWithin, connectedWithin } from '../transport/connected-within';
import { ownChannelListenerLine } from './own-channel-listener';

/** How many unreadable broadcasts a second are logged each; the rest make one warning a second per channel. */
const DROPPED_FULL_PER_SECOND = 10;

/** The transport as health reads it: whether it can send and receive now, and the writes Redis refuses (absent when none). */
export interface TransportStatus {
  description: string;
  connected: boolean;
  refused?: RefusalReport[];
}

/** A listener of broadcasts: gets the decoded JSON payload and the channel. */
export type ListenHandler = (payload: unknown, channel: string) => unknown;

/**
 * The service's side of the transport: the service channel feeding the dispatcher, the
 * listeners' channels, and broadcasts. One per started app.
 */
export class ServiceBus {
  readonly transport: Transport;
  readonly service: string;
  /** The writes Redis refuses at run time (a permission, a full memory): health reads them. */
  readonly refusals: WriteRefusals;
  readonly #logger: Logger;
  readonly #dispatcher: Dispatcher;
  /** Told of the requests a stop gives up on (the dispatcher tells it of the others). */
  readonly #observer: ActionObserver | undefined;
  readonly #listeners: ReadonlyMap<string, ListenHandler[]>;
  readonly #subscribed = new Map<string, MessageHandler>();
  readonly #listenerScope: Scope;
  readonly #listenerFailures: FailureLines;
  /** Broadcasts a listener's channel could not read (not UTF-8, not JSON): a broken or hostile publisher must not flood the log. */
  readonly #dropped: BudgetedLines<string>;
  readonly #direct: boolean;
  #closed = false;
  /** Stops the look for other subscribers of the service channel (see watchChannelShared). */
  #stopWatch: () => void = () => undefined;

  constructor(init: {
    service: string;
    transport: Transport;
    logger: Logger;
    actions: ReadonlyMap<string, ActionEntry>;
    listeners: ReadonlyMap<string, ListenHandler[]>;
    /** Largest request taken in, largest reply sent (over Redis). */
    limits: PayloadLimits;
    app: AppScope;
    /** False for a replica: requests come from the durable stream, not from the channel itself. */
    serviceChannel?: boolean;
    observer?: ActionObserver | undefined;
  }) {
    this.#direct = init.serviceChannel !== false;
    this.service = init.service;
    this.transport = init.transport;
    this.#logger = init.logger;
    this.#listeners = init.listeners;
    this.#listenerScope = { app: init.app, logger: init.logger, listener: true };
    this.#listenerFailures = FailureLines.ofListeners(init.logger);
    const more = CountedLines.perKey<string>((channel, count, last) =>
      init.logger.warn(`Dropped ${count} more message(s) on "${channel}" in the last 1 s, not logged each; the last was ${last}`, {
        channel,
        count,
      }),
    );
    this.#dropped = new BudgetedLines(DROPPED_FULL_PER_SECOND, more);
    this.#observer = init.observer;
    this.refusals = new WriteRefusals(init.logger, init.transport.description);
    this.#dispatcher = new Dispatcher({
      refusals: this.refusals,
      actions: init.actions,
      transport: init.transport,
      logger: init.logger,
      limits: init.limits,
      app: init.app,
      observer: init.observer,
    });
  }

  transportStatus(): TransportStatus {
    const refused = this.refusals.current();
    const status = { description: this.transport.description, connected: transportUp(this.transport) };
    return refused.length > 0 ? { ...status, refused } : status;
  }

  /** Connect and subscribe: the service channel, then every listener channel. */
  async start(): Promise<void> {
    await this.transport.connect();
    logOutages(this.transport, this.service, this.#logger, () => this.#closed);
    // in-process, requests arrive as object messages (see local-messages.ts)
    if (this.#direct) {
      await this.#subscribeObjects(this.service, this.#dispatcher.receive);
      // without replicas, two processes on one channel both run every request: say so
      this.#stopWatch = await watchChannelShared(this.transport, this.service, this.#logger);
    }
    for (const channel of this.#listeners.keys()) await this.subscribeListeners(channel);
  }

  /** Subscribe a listener channel (once, however many handlers it has). */
  async subscribeListeners(channel: string): Promise<void> {
    if (channel === this.service) return void this.#logger.warn(ownChannelListenerLine(channel));
    if (this.#subscribed.has(channel)) return;
    await this.#subscribe(channel, (raw, _channel, notUtf8) => this.#deliver(channel, raw, notUtf8));
  }

  /**
   * Answer the built-in actions (`daebus.*`) on `channel` too, and only those: a replica's own
   * channel, on which an operator asks that replica about itself (the service channel reaches any one).
   */
  async answerBuiltinsOn(channel: string): Promise<void> {
    await this.#subscribe(channel, (raw, _channel, notUtf8) => {
      // what is not a request at all is answered as on the service channel (BAD_REQUEST)
      if (notUtf8 === true || !otherActionRequest(raw)) return this.#dispatcher.receive(raw, channel, notUtf8);
      this.#dispatcher.refuse(
        raw,
        new DaebusError(
          ErrorCodes.UNKNOWN_ACTION,
          `Only the daebus.* actions are answered on "${channel}"; send others to "${this.service}".`,
        ),
      );
    });
  }

  /**
   * A request from the service channel that the lease holder of a replicated service takes in:
   * a daebus.* one is answered here at once (true), not queued in the stream behind user requests.
   * An admin one only while the holder is sure of its lease (`leaseSure`): a holder that stalled
   * may have lost it, and the new holder answers what both received. A read-only one (ping,
   * health) is answered anyway: twice is harmless, and none would fail a probe.
   */
  answerBuiltinHere(raw: string, leaseSure: boolean): boolean {
    // most requests are not built-ins: told apart without parsing them
    if (!raw.includes('"daebus.')) return false;
    const action = builtinAction(raw);
    if (action === undefined || (!leaseSure && isAdminAction(action))) return false;
    this.#dispatcher.receive(raw, this.service, false);
    return true;
  }

  /** Leave a channel subscribed with {@link answerBuiltinsOn}. */
  async leave(channel: string): Promise<void> {
    const handler = this.#subscribed.get(channel);
    if (!handler) return;
    this.#subscribed.delete(channel);
    await this.transport.unsubscribe(channel, handler).catch(() => undefined);
  }

  /** Stop taking new requests: leave the service channel. */
  async stopAccepting(): Promise<void> {
    await this.leave(this.service);
  }

  /** How many requests are taken in and not finished. */
  get acceptedCount(): number {
    return this.#dispatcher.acceptedCount;
  }

  /** A copy of the requests taken in and not finished. */
  acceptedRequests(): Accepted[] {
    return this.#dispatcher.acceptedRequests();
  }

  /** Wait up to `timeoutMs` for the requests taken in; resolves with those still unfinished. */
  drain(timeoutMs: number): Promise<Accepted[]> {
    return this.#dispatcher.drain(timeoutMs);
  }

  /** A request from the durable stream (replicas). */
  receiveDurable(raw: string, hooks: DurableHooks): void {
    this.#dispatcher.receiveDurable(raw, hooks);
  }

  /** How many more durable requests could start now (see Dispatcher.startable). */
  startable(): number {
    return this.#dispatcher.startable();
  }

  /** `listener` is called whenever a handler slot frees. */
  onSlotFreed(listener: () => void): void {
    this.#dispatcher.onSlotFreed(listener);
  }

  /** The service's own actions (not the built-in ones). */
  actionNames(): string[] {
    return this.#dispatcher.actionNames();
  }

  /** What becomes of a durable request for an action this service does not have (see Dispatcher.unknownDurable). */
  set unknownDurable(handler: (action: string, raw: string, durable: DurableHooks) => boolean) {
    this.#dispatcher.unknownDurable = handler;
  }

  /** The UNKNOWN_ACTION error for `action`, naming the actions this service has. */
  unknownAction(action: string): DaebusError {
    return this.#dispatcher.unknownAction(action);
  }

  /** Answer `raw` with `error` without running it; logged unless `log` is false (said already). */
  refuse(raw: string, error: DaebusError, log = true): void {
    this.#dispatcher.refuse(raw, error, log);
  }

  /** Give the durable requests not started yet back to the stream. */
  handBackWaiting(): number {
    return this.#dispatcher.handBackWaiting();
  }

  /** Answer unfinished requests with `error` and forget them (counted as failed, but a replica's, which another runs again). */
  abandon(requests: readonly Accepted[], error: DaebusError): Promise<void> {
    const now = monotonicMs();
    for (const { request, durable, acceptedHr } of requests)
      if (!durable) this.#observer?.settled(request.action, 'error', (now - acceptedHr) / 1000);
    return this.#dispatcher.abandon(requests, error);
  }

  /** Forget finished requests whose replies still go out (a stop gives up on them): counted as they ended, nothing more sent. */
  letGo(requests: readonly Accepted[]): Promise<void> {
    const now = monotonicMs();
    for (const { request, durable, acceptedHr, response } of requests)
      if (!durable) this.#observer?.settled(request.action, response.failed ? 'error' : 'ok', (now - acceptedHr) / 1000);
    return this.#dispatcher.abandon(requests, new DaebusError(ErrorCodes.STOPPED, 'The service stopped.'));
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#stopWatch();
    this.#dispatcher.flushReports();
    this.#listenerFailures.flush();
    this.#dropped.flush();
    this.#subscribed.clear();
    await this.transport.close();
  }

  /** Publish `payload` as JSON on `channel`; resolves with the number of receivers. */
  readonly broadcast = async (channel: string, payload: unknown): Promise<number> => {
    if (!isName(channel)) checker('broadcast(channel, payload)', ErrorCodes.INVALID_ARGUMENT).name('channel', channel);
    const message = messageJson(`broadcast on "${channel}"`, payload);
    const what = `The broadcast on "${channel}"`;
    await connectedWithin(this.transport, what);
    return answeredWithin(this.transport.publish(channel, message), this.transport, what);
  };

  async #subscribe(channel: string, handler: MessageHandler): Promise<void> {
    this.#subscribed.set(channel, handler);
    await this.transport.subscribe(channel, handler);
  }

  /** Subscribe a handler that takes object messages as they are, where the transport carries them. */
  async #subscribeObjects(channel: string, handler: ObjectMessageHandler): Promise<void> {
    const transport = this.transport;
    if (!carriesObjects(transport)) return this.#subscribe(channel, handler);
    this.#subscribed.set(channel, handler);
    await transport.subscribeObjects(channel, handler);
  }

  #deliver(channel: string, raw: string, notUtf8?: boolean): void {
    if (notUtf8 === true) {
      if (this.#dropped.full(channel, 'not valid UTF-8'))
        this.#logger.warn(`Dropped a message on "${channel}" that is not valid UTF-8`, { channel });
      return;
    }
    // Python's json.dumps writes NaN and Infinity: read too
    const payload = parseWireJson(raw);
    if (payload === NOT_JSON) {
      if (this.#dropped.full(channel, 'not JSON')) this.#logger.warn(`Dropped a message on "${channel}" that is not JSON`, { channel });
      return;
    }
    // refused as an action's payload is: a listener merging it into an object would change that object's prototype
    if (mayChangeAPrototype(raw) && changesAPrototype(payload)) {
      if (this.#dropped.full(channel, 'holding a "__proto__" key'))
        this.#logger.warn(`Dropped a message on "${channel}" that holds a "__proto__" key (or a "constructor" holding a "prototype")`, {
          channel,
        });
      return;
    }
    for (const handler of this.#listeners.get(channel) ?? []) {
      void runInScope(this.#listenerScope, async () => {
        try {
          await handler(payload, channel);
        } catch (err) {
          this.#listenerFailures.failed(channel, this.#logger, toPlainError(err).message, err);
        }
      });
    }
  }
}

/** The built-in action `raw` asks for; undefined when it asks for none (parsed in full below, by the dispatcher). */
function builtinAction(raw: string): string | undefined {
  const message = parseWireJson(raw);
  return isPlainObject(message) && typeof message.action === 'string' && isReserved(message.action) ? message.action : undefined;
}

/** Whether `raw` is a well-formed request for an action that is not a built-in one. */
function otherActionRequest(raw: string): boolean {
  const message = parseWireJson(raw);
  return isPlainObject(message) && typeof message.action === 'string' && message.action !== '' && !isReserved(message.action);
}
