/**
 * Runs an async job one at a time. A run asked for while one is on its way is not started beside
 * it, nor queued once per ask: it runs once, after the one on its way.
 */
export class SerialRun {
  readonly #job: () => Promise<void>;
  #running = false;
  #again = false;
  #current: Promise<void> = Promise.resolve();

  constructor(job: () => Promise<void>) {
    this.#job = job;
  }

  /** The run on its way (settled when none is). */
  get current(): Promise<void> {
    return this.#current;
  }

  /** Run the job now, or once after the run on its way (then this returns at once). */
  async run(): Promise<void> {
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = true;
    try {
      await (this.#current = this.#job());
    } finally {
      this.#running = false;
    }
    if (this.#again) {
      this.#again = false;
      await this.run();
    }
  }
}
