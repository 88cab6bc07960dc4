import type { Redis } from 'ioredis';

/**
 * The periodic Redis work of a stream's consumer (renewing the entries it holds, claiming those a
 * dead process held). Each job runs one at a time, and none while the client is not ready:
 * ioredis would hold each run of an outage and replay them all on reconnect. `failed` hears a
 * run's error.
 */
export class Upkeep {
  readonly #client: Redis;
  readonly #failed: (err: unknown) => unknown;
  readonly #timers: NodeJS.Timeout[] = [];
  #stopped = false;

  constructor(client: Redis, failed: (err: unknown) => unknown) {
    this.#client = client;
    this.#failed = failed;
  }

  every(ms: number, job: () => Promise<void>): void {
    let running = false;
    const timer = setInterval(() => {
      if (running || this.#stopped || this.#client.status !== 'ready') return;
      running = true;
      job()
        .catch((err: unknown) => this.#failed(err))
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
