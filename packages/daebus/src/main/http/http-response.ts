import { STATUS_CODES } from 'node:http';
import { DaebusError, ErrorCodes, toPlainError } from '../../shared/errors';
import { show } from '../../shared/validate';
import type { HandlerResponse } from '../rpc/context';
import { isFinal, type SendOptions } from '../rpc/send-options';
import type { Logger } from '../support/logger';
import { errorBody, isStatus, type ErrorBody } from './error-replies';
import { checkHeader } from './header-check';

const JSON_TYPE = 'application/json; charset=utf-8';

/** A response header's value: a number is sent as its text, a list as the header once per item. */
export type HeaderValue = string | number | string[];

/**
 * The part of Fastify's reply an answer writes (Fastify's reply has it). Named here, not imported,
 * so that this public type's declaration does not pull Fastify's types into a user's compile.
 */
export interface ReplyWriter {
  code(status: number): ReplyWriter;
  header(name: string, value: string): ReplyWriter;
  headers(values: Record<string, HeaderValue>): ReplyWriter;
  removeHeader(name: string): ReplyWriter;
  send(payload?: unknown): unknown;
  /** Node's response under the reply, when there is one: its reason phrase is reset for a 500. */
  readonly raw?: { statusMessage: string };
}

/**
 * How an HTTP route handler answers (Daebus's `HttpResponse`): `send(data, status)` once; the
 * data goes out as JSON. It has the methods of an action's response, so the `response` global
 * works in routes: `send(data, 201)`, `success(data)`, `error(err, status = 400)`. Streamed
 * updates (`{ final: false }`, a pooled handler's progress) are not sent: HTTP answers once. A
 * second answer (or one after a timeout) is dropped with one warning, as for actions.
 */
export class HttpResponse implements HandlerResponse {
  readonly #reply: ReplyWriter;
  readonly #owner: { readonly logger: Logger };
  readonly #onAnswer: (() => void) | undefined;
  #status = 200;
  #headers?: Record<string, HeaderValue>;
  #finalSent = false;
  #warned = false;
  #lastOnConnection = false;
  /** The answer is an error's `{ error, code }`: JSON, whatever content-type the handler set. */
  #asError = false;

  /** `owner.logger` is the request's logger (made when first read); `onAnswer` hears of the answer going out. */
  constructor(reply: ReplyWriter, owner: { readonly logger: Logger }, onAnswer?: () => void) {
    this.#reply = reply;
    this.#owner = owner;
    this.#onAnswer = onAnswer;
  }

  /** True once the answer went out (or the request was given up on). */
  get finalSent(): boolean {
    return this.#finalSent;
  }

  /** The status of the next `send` without one (Daebus's `set_status`). */
  setStatus(status: number): this {
    if (!isStatus(status))
      throw new DaebusError(
        ErrorCodes.INVALID_ARGUMENT,
        `response.setStatus(): the status must be a whole number from 200 to 599 (got ${show(status)}).`,
      );
    this.#status = status;
    return this;
  }

  /**
   * Set a response header. With a `content-type` of your own, string and Buffer data go out as
   * they are, the rest as JSON under it. A name or value HTTP cannot carry (a line break, a
   * character above U+00FF) throws INVALID_ARGUMENT here, not when the answer is written. A list
   * sends the header once per item (`set-cookie`); setting a name again replaces its value.
   */
  header(name: string, value: HeaderValue | readonly string[]): this {
    const values = Array.isArray(value) ? [...(value as readonly string[])] : [value as HeaderValue];
    for (const one of values) checkHeader(name, one);
    (this.#headers ??= {})[name.toLowerCase()] = Array.isArray(value) ? (values as string[]) : (value as HeaderValue);
    return this;
  }

  /**
   * Answer with `data` (JSON) and `status` (default 200, or `setStatus`'s). `{ final: false }` (or
   * `false`) is ignored: HTTP answers once. Another second argument throws INVALID_ARGUMENT, as
   * `header()` does: uncaught, the route answers 500 (a rejection left unawaited would say nothing).
   */
  send(data: unknown, statusOrOptions?: number | SendOptions | boolean): Promise<void> {
    if (typeof statusOrOptions === 'number') {
      if (!isStatus(statusOrOptions)) throw badStatus('send', statusOrOptions);
      this.write(statusOrOptions, data);
      return Promise.resolve();
    }
    let final: boolean;
    try {
      final = isFinal('send', statusOrOptions);
    } catch {
      throw badStatus('send', statusOrOptions);
    }
    if (final) this.write(this.#status, data);
    return Promise.resolve();
  }

  /** Answer `data` with status 200. */
  success(data: unknown): Promise<void> {
    return this.send(data, 200);
  }

  /**
   * Answer `{ error, code }` with `status` (default 400, as Daebus): a message, or an error whose
   * message and code are sent; the code is HANDLER_ERROR when it has none, as for a thrown error.
   */
  error(errorOrMessage: unknown, status: unknown = 400): Promise<void> {
    if (!isStatus(status)) throw badStatus('error', status);
    const plain = typeof errorOrMessage === 'string' ? { message: errorOrMessage, code: undefined } : toPlainError(errorOrMessage);
    this.writeError(status, errorBody(plain.message, plain.code ?? ErrorCodes.HANDLER_ERROR));
    return Promise.resolve();
  }

  /**
   * Write an error answer (`{ error, code }`): always as JSON, whatever content-type the handler
   * set for its own answer. Under its `text/html` a message that quotes the request (a path
   * parameter holding `<script>`) would be a page the browser runs.
   */
  writeError(status: number, body: ErrorBody): void {
    this.#asError = true;
    this.write(status, body);
  }

  /** Progress updates are for actions; an HTTP response goes out once. */
  progress(): Promise<void> {
    return Promise.reject(
      new DaebusError(
        ErrorCodes.INVALID_STATE,
        'response.progress() streams updates of an action; an HTTP route answers once, with response.send().',
      ),
    );
  }

  /** The server is closing: this answer ends its keep-alive connection, so the close need not wait for it (false: a later one does). */
  closeConnectionAfter(last = true): void {
    this.#lastOnConnection = last;
  }

  /** Write the answer unless one went out; later ones are dropped with one warning. */
  write(status: number, data: unknown): void {
    if (this.#finalSent) {
      if (!this.#warned) {
        this.#warned = true;
        this.#owner.logger.warn(
          'An HTTP answer was sent after the first one, or after the request timed out or the service stopped; it was dropped.',
        );
      }
      return;
    }
    this.#finalSent = true;
    try {
      this.#writeAnswer(status, data);
    } catch (err) {
      // Node refused the answer as written: the client gets a 500 rather than no answer at all
      this.#writeRefused(err);
    }
    this.#onAnswer?.();
  }

  #writeAnswer(status: number, data: unknown): void {
    const reply = this.#reply;
    if (this.#headers) reply.headers(this.#headers);
    if (this.#lastOnConnection) reply.header('connection', 'close');
    const ownType = this.#asError ? undefined : this.#headers?.['content-type'];
    if (status === 204 || status === 304) reply.code(status).send();
    else if (ownType !== undefined && (typeof data === 'string' || Buffer.isBuffer(data))) reply.code(status).send(data);
    else {
      const { body, why } = encode(data);
      if (body === undefined)
        this.#owner.logger.warn(`The HTTP answer cannot be encoded as JSON (${why}); the client got 500 BAD_RESPONSE.`);
      reply.code(body === undefined ? 500 : status);
      // JSON under the handler's own content-type when it set one (application/problem+json, ...)
      if (body === undefined || ownType === undefined) reply.header('content-type', JSON_TYPE);
      reply.send(body ?? BAD_RESPONSE_BODY);
    }
  }

  /** The answer could not be written (`err`): answer 500 BAD_RESPONSE without the handler's headers. */
  #writeRefused(err: unknown): void {
    const message = toPlainError(err).message;
    this.#owner.logger.error(`The HTTP answer could not be written (${message}); the client got 500 BAD_RESPONSE.`);
    try {
      for (const name of Object.keys(this.#headers ?? {})) this.#reply.removeHeader(name);
      // Node's refused writeHead had already taken the first status's reason ("OK"), and keeps it
      if (this.#reply.raw) this.#reply.raw.statusMessage = STATUS_CODES[500] ?? 'Internal Server Error';
      const body = errorBody(`The answer could not be written: ${message}`, ErrorCodes.BAD_RESPONSE);
      this.#reply.code(500).header('content-type', JSON_TYPE).send(JSON.stringify(body));
    } catch (again) {
      this.#owner.logger.error(`The HTTP 500 answer could not be written either: ${toPlainError(again).message}`);
    }
  }
}

const BAD_RESPONSE_BODY = JSON.stringify(
  errorBody('The answer cannot be encoded as JSON; answer with plain JSON data.', ErrorCodes.BAD_RESPONSE),
);

/** `data` as JSON (undefined as `{}`); no body when it cannot be encoded (a BigInt, a cycle, a function), and why. */
function encode(data: unknown): { body?: string; why?: string } {
  try {
    const body = JSON.stringify(data === undefined ? {} : data) as string | undefined;
    return body === undefined ? { why: `JSON has no form for a ${typeof data}` } : { body };
  } catch (err) {
    return { why: toPlainError(err).message };
  }
}

/** A route's `send` or `error` given a second argument that is no status (nor `{ final }` for `send`). */
function badStatus(method: string, value: unknown): DaebusError {
  const other = method === 'send' ? ', or { final: false } (ignored: HTTP answers once)' : '';
  return new DaebusError(
    ErrorCodes.INVALID_ARGUMENT,
    `response.${method}(): the status must be a whole number from 200 to 599${other} (got ${show(value)}).`,
  );
}
