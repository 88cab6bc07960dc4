import type { Redis } from 'ioredis';

/**
 * The periodic Redis work of a stream's consumer (renewing the entries it holds, claiming those a
 * dead process held). Each job runs one at a time, and none while the client is not ready:
 * ioredis would hold each run of an outage and replay them all on reconnect. `failed` hears of a
 * run's error, `done` of each run that succeeded, with the job's kind and what the job resolved with.
 */
export class Upkeep<Kind extends string = string, Result = unknown> {
  readonly #client: Redis;
  readonly #done: (kind: Kind, result: Result) => void;
  readonly #failed: (err: unknown, kind: Kind) => unknown;
  readonly #timers: NodeJS.Timeout[] = [];
  #stopped = false;

  constructor(client: Redis, failed: (err: unknown, kind: Kind) => unknown, done: (kind: Kind, result: Result) => void = () => undefined) {
    this.#client = client;
    this.#done = done;
    this.#failed = failed;
  }

  every(ms: number, job: () => Promise<Result>, kind = '' as Kind): void {
    let running = false;
    const timer = setInterval(() => {
      if (running || this.#stopped || this.#client.status !== 'ready') return;
      running = true;
      job()
        .then(
          (result) => this.#done(kind, result),
          (err: unknown) => this.#failed(err, kind),
        )
        .finally(() => (running = false));
    }, ms);
    timer.unref();
    this.#timers.push(timer);
  }

  stop(): void {
    this.#stopped = true;
    for (const timer of this.#timers.splice(0)) clearInterval(timer);
  }
}
