import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyRequest } from 'fastify';
import { ErrorCodes, toPlainError } from '../../shared/errors';
import type { SocketCall } from '../../shared/socket-ops';
import { FailureLines } from '../support/failure-lines';
import type { Logger } from '../support/logger';
import type { EndpointObserver } from './endpoint-observer';
import { settlesWithin } from '../support/timers';
import type { ResolvedWebSocketOptions } from './options';
import type { SocketHandler } from './socket-handler';
import { SocketTurn } from './socket-turn';
import { SocketClient, type ClientSocket, type Handshake } from './socket-client';
import { closeReason, decodeMessage, errorFrame, frame, frameText, replyFrame, responseFrame } from './socket-envelope';
import { giveUp } from './socket-give-up';
import { clipped } from '../../shared/clipped';
import { DroppedClientsLine } from './dropped-clients-line';
import { monotonicMs } from '../../shared/clock';

/** Events, not messages: a client cannot send these types. */
const EVENTS: ReadonlySet<string> = new Set(['connect', 'disconnect']);
/** How long clients get to answer the closing handshake at stop before they are cut off. */
const CLOSE_GRACE_MS = 1_000;
/** How long a stop waits for the clients it cut off to be gone. */
const CUT_OFF_MS = 200;
/** How often running handlers are checked against `handlerTimeoutMs`, and clients pinged (a timeout fires up to this late). */
const SWEEP_MS = 50;

/** The service's WebSocket clients and the handlers of their messages, one message of a client at a time. */
export class SocketHub {
  readonly handlers = new Map<string, SocketHandler>();
  readonly #clients = new Map<string, SocketClient>();
  /** Clients told of once that their message ids cannot come back (see oddId). */
  readonly #oddIds = new WeakSet<SocketClient>();
  /** Disconnect hooks still running, with their clients' ids: a stop waits for them (within its drain time). */
  readonly #leaving = new Map<Promise<void>, string>();
  readonly #logger: Logger;
  readonly #failures: FailureLines;
  /** Told of every connection and message (the metrics), when set. */
  observer: EndpointObserver | undefined;
  #limits?: ResolvedWebSocketOptions;
  /** Set as the service stops: the error a message gets instead of its handler's run. */
  #refusal: string | undefined;
  #sweeper?: NodeJS.Timeout;
  readonly #dropped: DroppedClientsLine;

  constructor(logger: Logger) {
    this.#logger = logger;
    this.#failures = FailureLines.ofSocketMessages(logger);
    this.#dropped = new DroppedClientsLine(logger);
  }

  get count(): number {
    return this.#clients.size;
  }

  /** Take clients with these limits (the server is starting). */
  open(limits: ResolvedWebSocketOptions): void {
    this.#limits = limits;
    this.#refusal = undefined;
    this.#sweeper ??= setInterval(() => this.#sweep(), SWEEP_MS).unref();
  }

  /** The server stopped: no more timeout checks. */
  stopSweeping(): void {
    clearInterval(this.#sweeper);
    this.#sweeper = undefined;
    this.#dropped.flush(monotonicMs(), this.#limits?.pingTimeoutMs);
  }

  /**
   * The same bytes to every client (a string would be copied for each); how many it was handed to
   * or held for. Not waited for: one slow client must not hold back a broadcaster (a ticker) and
   * with it every other client; held past its limits, that client is closed as too slow.
   */
  #broadcast(bytes: Buffer): number {
    let sent = 0;
    for (const client of this.#clients.values()) if (client.send(bytes)) sent += 1;
    return sent;
  }

  #sweep(): void {
    const now = monotonicMs();
    for (const client of this.#clients.values()) {
      client.expire(now);
      if (client.heartbeat(now)) this.#dropped.count();
    }
    this.#dropped.swept(now, this.#limits?.pingTimeoutMs);
  }

  /** A new connection (the @fastify/websocket route's handler). */
  readonly accept = (socket: ClientSocket, req: FastifyRequest): void => {
    const limits = this.#limits;
    if (!limits || this.#clients.size >= limits.maxClients) {
      socket.close(1013, closeReason(`Too many clients: this server takes ${limits?.maxClients ?? 0} at once`));
      this.observer?.socketConnection('refused');
      return;
    }
    const handshake: Handshake = {
      path: req.url.split('?')[0] ?? req.url,
      query: req.query as Record<string, string | string[]>,
      headers: req.headers as IncomingHttpHeaders,
      remoteAddress: req.socket.remoteAddress,
    };
    const client = new SocketClient({ id: `user_${randomUUID()}`, socket, handshake, limits, handle: this.#onMessage });
    this.#clients.set(client.id, client);
    socket.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => client.receive(frameText(data)));
    socket.on('close', (code: number, reason: Buffer) => this.#onClose(client, code, reason.toString()));
    socket.on('error', (err: Error) => client.failed(err));
    socket.on('pong', () => client.ponged());
    void this.#connect(client);
  };

  /** Carry out a send, broadcast, list or disconnect (from `app.websocket`, a thread, or a pooled handler). */
  async exec(call: SocketCall): Promise<unknown> {
    switch (call.op) {
      case 'send': {
        const text = frame(call.messageType, call.data);
        const client = this.#clients.get(call.clientId);
        if (!client) this.#logger.debug(`WebSocket client ${call.clientId} is not connected; a "${call.messageType}" message was not sent`);
        // resolves once the frame is handed to the connection: an awaiting sender goes at its client's pace
        return client?.deliver(text) ?? false;
      }
      case 'broadcast':
        return this.#broadcast(Buffer.from(frame(call.messageType, call.data)));
      case 'clients':
        return [...this.#clients.values()].map((c) => c.info());
      case 'disconnect': {
        const client = this.#clients.get(call.clientId);
        client?.close(call.code, call.reason);
        return client !== undefined;
      }
    }
  }

  /**
   * The service stops: messages not started yet are answered `refusal` (STOPPED); a client whose
   * message is being handled is closed once that one is answered, within `drainMs` (as an HTTP
   * request in flight is), every other client at once (1001, going away). Those that do not answer
   * the close within a second are cut off; a message given up on is answered STOPPED. Resolves
   * with the messages given up on, and how long their wait took.
   */
  async closeAll(service: string, drainMs: number): Promise<{ messages: string[]; drainedMs: number }> {
    this.#failures.flush();
    const reason = `Service "${service}" is shutting down`;
    const refusal = `Service "${service}" is stopping: it takes no new messages.`;
    this.#refusal = refusal;
    const clients = [...this.#clients.values()];
    const started = monotonicMs();
    const sleep = (): Promise<unknown> => new Promise((r) => setTimeout(r, 10));
    let busy = clients;
    let drainedMs = 0; // none to wait for: the drain's whole time is left for the rest
    while (busy.length > 0 && drainedMs < drainMs) {
      for (const client of busy) if (!client.busy) client.close(1001, reason);
      busy = busy.filter((client) => client.busy);
      // none waited for: the time the closes took (a millisecond, at times) is not taken from the drain
      if (busy.length === 0) break;
      await sleep();
      drainedMs = Math.round(monotonicMs() - started);
    }
    const messages = handledBy(clients);
    const texts = { gaveUp: `Service "${service}" stopped before this message was answered.`, refusal };
    const count = (type: string | undefined, seconds: number): void => this.observer?.socketMessage(this.#label(type), false, seconds);
    for (const client of busy) giveUp(client, texts, drainedMs, count);
    for (const client of clients) client.close(1001, reason);
    const deadline = monotonicMs() + CLOSE_GRACE_MS;
    while (clients.some((c) => this.#clients.has(c.id)) && monotonicMs() < deadline) await sleep();
    this.terminateAll();
    // cut off: gone within a few turns of the event loop, their disconnect hooks started, before the stop counts those
    const cut = monotonicMs() + CUT_OFF_MS;
    while (clients.some((c) => this.#clients.has(c.id)) && monotonicMs() < cut) await sleep();
    return { messages, drainedMs };
  }

  /** The messages being handled now: `"slow" (client <id>)`. */
  handlingNow(): string[] {
    return handledBy([...this.#clients.values()]);
  }

  terminateAll(): void {
    for (const client of this.#clients.values()) client.terminate();
  }

  /**
   * After closeAll: wait, up to `timeoutMs`, for the clients cut off to be gone and for every
   * disconnect hook to finish, so that none runs after the stop resolves. Resolves with the ids
   * of the clients whose hooks still run at the deadline.
   */
  async leftWithin(timeoutMs: number): Promise<string[]> {
    const deadline = monotonicMs() + timeoutMs;
    while (this.#clients.size > 0 && monotonicMs() < deadline) await new Promise((r) => setTimeout(r, 10));
    if (this.#leaving.size > 0) await settlesWithin(Promise.all(this.#leaving.keys()), Math.max(0, deadline - monotonicMs()));
    return [...this.#leaving.values()];
  }

  async #connect(client: SocketClient): Promise<void> {
    const handler = this.handlers.get('connect');
    if (handler) {
      try {
        const { path, query, headers, remoteAddress } = client.handshake;
        const value = await client.within(
          this.#call(handler, client, 'connect', { path, query, headers, remoteAddress }),
          'The connect hook',
          'the client is refused.',
        );
        if (value !== undefined) client.send(responseFrame(value, undefined));
      } catch (err) {
        // a connect handler that throws refuses the client (Daebus logs it and keeps the client)
        const message = toPlainError(err).message;
        this.#logger.info(`WebSocket client ${client.id} refused by the connect handler: ${message}`);
        client.close(1008, message);
        this.observer?.socketConnection('refused');
        return;
      }
    }
    // one that left while the connect hook ran is not admitted (and gets no disconnect hook)
    if (!this.#clients.has(client.id)) return;
    client.ready();
    this.observer?.socketConnection('accepted');
  }

  readonly #onMessage = async (client: SocketClient, raw: string): Promise<void> => {
    const observer = this.observer;
    const started = observer ? performance.now() : 0;
    const decoded = decodeMessage(raw);
    if (!decoded.ok) {
      client.send(decoded.frame);
      observer?.socketMessage(undefined, false, 0);
      return;
    }
    const { type, data, id } = decoded;
    if (this.#refusal !== undefined) {
      client.send(errorFrame(this.#refusal, ErrorCodes.STOPPED, { id }));
      observer?.socketMessage(this.#label(type), false, 0);
      return;
    }
    const handler = EVENTS.has(type) ? undefined : this.handlers.get(type);
    if (!handler) {
      const why = EVENTS.has(type)
        ? `'${type}' is an event of the server, not a message type`
        : `No handler found for message type '${clipped(type)}'`;
      client.send(errorFrame(why, ErrorCodes.NO_HANDLER, { id }));
      observer?.socketMessage(undefined, false, 0);
      return;
    }
    if (decoded.oddId === true) this.#oddId(client);
    let ok = true;
    client.handling = type;
    client.handlingId = id;
    try {
      const value = await client.within(this.#call(handler, client, type, data), `The handler of "${type}"`);
      // a reply that cannot be sent fails the message: a `register` is not kept
      const reply = value === undefined ? undefined : replyFrame(value, id);
      if (type === 'register') client.registration = data;
      if (reply !== undefined) client.send(reply);
    } catch (err) {
      ok = false;
      const plain = toPlainError(err);
      this.#failures.failed(type, this.#logger, plain.message, err, { ws_client: client.id });
      client.send(errorFrame(plain.message, plain.code ?? ErrorCodes.HANDLER_ERROR, { id }));
    } finally {
      client.handling = undefined;
    }
    if (!client.givenUp) observer?.socketMessage(type, ok, (performance.now() - started) / 1000); // else counted by the stop
  };

  /** Said once per client: its messages run, their replies carry no id. */
  #oddId(client: SocketClient): void {
    if (this.#oddIds.has(client)) return;
    this.#oddIds.add(client);
    this.#logger.warn(
      `WebSocket client ${client.id} sends message ids that are not a string or a number: the messages run, and their replies carry no id.`,
      { ws_client: client.id },
    );
  }

  #onClose(client: SocketClient, code: number, reason: string): void {
    this.#clients.delete(client.id);
    client.gone();
    const handler = this.handlers.get('disconnect');
    // a client the connect hook refused (or did not finish with) was never admitted: it has nothing to leave
    if (!handler || !client.admitted) return;
    // the code the server closed with, if it did: the client's answer may never have come
    const run = this.#call(handler, client, 'disconnect', client.closedWith ?? { code, reason }).then(
      () => undefined,
      (err: unknown) => {
        this.#logger.error(`The WebSocket disconnect handler failed: ${toPlainError(err).message}`, { ws_client: client.id });
      },
    );
    this.#leaving.set(run, client.id);
    void run.then(() => this.#leaving.delete(run));
  }

  /** A message's metric label: none for a type no handler has (a client could grow the metrics with each one it sends). */
  #label(type: string | undefined): string | undefined {
    return type !== undefined && this.handlers.has(type) && !EVENTS.has(type) ? type : undefined;
  }

  /**
   * Run `handler` with its context. Not in an async context (AsyncLocalStorage): on Node 20 that
   * taxes every promise and I/O callback of the process, 1.7x the CPU of a bare ws echo in the
   * benchmark, and a message handler has what it needs in its arguments (`context.logger`).
   */
  async #call(handler: SocketHandler, client: SocketClient, type: string, data: unknown): Promise<unknown> {
    return handler(data, client.id, new SocketTurn(client, type, this.#logger));
  }
}

function handledBy(clients: SocketClient[]): string[] {
  // busy with no message in hand: its connect hook runs (before: the stop waited for it, and named nothing)
  return clients
    .filter((c) => c.busy)
    .map((c) => `${c.handling === undefined ? 'the connect hook' : `"${clipped(c.handling)}"`} (client ${c.id})`);
}
