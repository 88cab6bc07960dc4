/**
 * The start under way, if any. A stop asked for meanwhile aborts the start's waits (the transport
 * it is waiting for, say) and runs once the start has settled, so that it stops what came up
 * rather than racing it: a stop during a start once logged "stopped" while the start went on to
 * connect and run the service.
 */
export class StartGate {
  #current?: { abort: AbortController; settled: Promise<unknown> };

  /** Run `start` as the start under way; its signal aborts when a stop cuts it short. */
  run(start: (signal: AbortSignal) => Promise<void>): Promise<void> {
    const abort = new AbortController();
    const started = start(abort.signal);
    const current = { abort, settled: started.catch(() => undefined) };
    this.#current = current;
    void current.settled.then(() => {
      if (this.#current === current) this.#current = undefined;
    });
    return started;
  }

  /** Abort the start under way; resolves once it has settled. Undefined when there is none (a stop then begins at once). */
  cut(): Promise<void> | undefined {
    const current = this.#current;
    if (current === undefined) return undefined;
    current.abort.abort();
    return current.settled.then(() => undefined);
  }
}

/** Where an app is in its life: a start and a stop each move it on. */
export type Phase = 'idle' | 'starting' | 'running' | 'stopping';
