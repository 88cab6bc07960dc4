/**
 * The callers of a thread's start() waiting for its function to start, settled all at once. A
 * waiter says whether it reports a failed start itself (the service's start does, with every
 * required thread that did not start): the thread's own log line is then left out.
 */
export class ReadyWaiters {
  #waiters: { resolve: () => void; reject: (err: Error) => void; reports: boolean }[] = [];

  get waiting(): boolean {
    return this.#waiters.length > 0;
  }

  wait(reports = true): Promise<void> {
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject, reports }));
  }

  resolveAll(): void {
    for (const waiter of this.#waiters.splice(0)) waiter.resolve();
  }

  /** True when a waiter reports the failure itself. */
  rejectAll(err: Error): boolean {
    const waiters = this.#waiters.splice(0);
    for (const waiter of waiters) waiter.reject(err);
    return waiters.some((waiter) => waiter.reports);
  }
}
