import { DaebusError, ErrorCodes, toPlainError } from '../../shared/errors';
import { CountedLines } from '../support/counted-lines';
import { FailureLines } from '../support/failure-lines';
import type { Logger } from '../support/logger';
import { isReported } from '../support/reported';
import type { Transport } from '../transport/transport';
import type { Bulkhead } from './bulkhead';
import { BusyReport } from './busy-report';
import type { HandlerScope } from './context';
import type { ActionObserver } from './observer';
import { RejectLog } from './reject-log';
import { encodeResponse } from './wire';

/**
 * What the dispatcher says of the requests it turns away (BUSY), refuses whole (bad input, an
 * unknown action) and whose handlers fail: the caller's error reply, the metrics, and the log,
 * each kind counted past a few lines a second so that a flood does not flood the log.
 */
export class RequestReports {
  readonly #transport: Transport;
  readonly #logger: Logger;
  readonly #observer: ActionObserver | undefined;
  readonly #busy: BusyReport;
  readonly #rejects: RejectLog;
  readonly #failures: FailureLines;
  /** Final replies that could not be sent, per action: a Redis outage fails every reply held. */
  readonly #unsent: CountedLines<string>;

  constructor(
    transport: Transport,
    logger: Logger,
    observer: ActionObserver | undefined,
    bulkhead: (action: string) => Bulkhead | undefined,
  ) {
    this.#transport = transport;
    this.#logger = logger;
    this.#observer = observer;
    this.#busy = new BusyReport(transport, logger, bulkhead);
    this.#rejects = new RejectLog(logger);
    this.#failures = FailureLines.ofActions(logger);
    this.#unsent = CountedLines.perKey((action, more, last) =>
      logger.warn(
        `Could not reply to ${more} more request(s) of action "${action}" in a second (the last: ${last}); their callers get no answer`,
      ),
    );
  }

  /** The final reply of a request could not be sent: said in full the first time a second per action, counted past that. */
  unsent(action: string, logger: Logger, err: unknown): void {
    const message = toPlainError(err).message;
    if (this.#unsent.first(action, message)) logger.warn(`Could not reply to action "${action}": ${message}; its caller gets no answer`);
  }

  /** A request its action has no room for: answered BUSY. */
  turnAway(action: string, channel: string | undefined, requestId: string | undefined): void {
    this.#busy.turnAway(action, channel, requestId);
    this.#observer?.settled(action, 'busy', 0);
  }

  /** A request refused whole, answered with `error` when it has somewhere to reply to; logged unless `log` is false (said already). */
  reject(
    error: DaebusError,
    channel: string | undefined,
    requestId: string | number | undefined,
    action: string | undefined,
    log = true,
  ): void {
    this.#observer?.rejected(error.code);
    if (log) this.#rejects.note(error, action, requestId);
    if (channel === undefined) return;
    const message = encodeResponse({ status: 'error', payload: { error: error.message, code: error.code }, requestId, final: true });
    this.#transport.publish(channel, message).catch((err: unknown) => {
      this.#logger.warn(`Could not send the error reply: ${toPlainError(err).message}`);
    });
  }

  /** A handler failed: log it, and say what its caller gets. */
  failure(err: unknown, context: HandlerScope): unknown {
    const plain = toPlainError(err);
    if (isReported(err)) context.logger.debug(`Action "${context.request.action}": ${plain.message}`);
    else this.#failures.failed(context.request.action, context.logger, plain.message, err);
    return err instanceof DaebusError || plain.code ? err : new DaebusError(ErrorCodes.HANDLER_ERROR, plain.message);
  }

  /** Say the refusals and failures counted and not said yet: the service stops. */
  flush(): void {
    this.#busy.flush();
    this.#rejects.flush();
    this.#failures.flush();
    this.#unsent.flush();
  }
}
