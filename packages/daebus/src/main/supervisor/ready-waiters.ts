/**
 * How a caller of start() reports a failed start: not at all (false); itself (true), the thread's
 * own log line is then left out unless the thread is optional (that line says what became of it);
 * or in full ('fully': the service's start names every thread it waited for that did not start).
 */
export type StartReport = boolean | 'fully';

/** The callers of a thread's start() waiting for its function to start, settled all at once. */
export class ReadyWaiters {
  #waiters: { resolve: () => void; reject: (err: Error) => void; reports: StartReport }[] = [];

  get waiting(): boolean {
    return this.#waiters.length > 0;
  }

  wait(reports: StartReport = true): Promise<void> {
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject, reports }));
  }

  resolveAll(): void {
    for (const waiter of this.#waiters.splice(0)) waiter.resolve();
  }

  /** How the failure is reported by its waiters: the most any of them does. */
  rejectAll(err: Error): StartReport {
    const waiters = this.#waiters.splice(0);
    for (const waiter of waiters) waiter.reject(err);
    return waiters.some((waiter) => waiter.reports === 'fully') ? 'fully' : waiters.some((waiter) => waiter.reports);
  }
}
