// Main side, for the runnable services only: a client in the same process that calls the
// service's actions now and then through a DaebusCaller and logs the replies, so that running
// an example shows its actions at work. It uses the transport the service uses (REDIS_URL
// means Redis, else the in-process memory transport); over Redis, other processes can call
// the service too (see src/call.ts).
import { DaebusCaller, ErrorCodes, type DaebusError, type Logger } from 'daebus';
import { describeError } from './describe-error';

export interface SelfClientOptions {
  service: string;
  logger: Logger;
  /** First round after this long (the service is started by then). */
  firstMs: number;
  /** Then a round every `everyMs`. */
  everyMs: number;
  /** One round of calls; what it logs is up to it. */
  round: (caller: DaebusCaller, logger: Logger) => Promise<unknown>;
}

/** Start calling; resolves the returned function once the last round ended and the caller is closed. */
export function startSelfClient(options: SelfClientOptions): () => Promise<void> {
  const caller = new DaebusCaller(options.service);
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> = Promise.resolve();

  const round = async (): Promise<void> => {
    try {
      await options.round(caller, options.logger);
    } catch (err) {
      // The service is not listening yet (or any more): not worth a warning.
      if ((err as DaebusError).code !== ErrorCodes.NO_SUBSCRIBER) options.logger.warn(`client: ${describeError(err)}`);
    }
  };
  const schedule = (ms: number): void => {
    timer = setTimeout(() => {
      current = round().then(() => {
        if (!stopped) schedule(options.everyMs);
      });
    }, ms);
    timer.unref();
  };
  schedule(options.firstMs);

  return async () => {
    stopped = true;
    clearTimeout(timer);
    await current;
    await caller.close();
  };
}
