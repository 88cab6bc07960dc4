/** The callers of a thread's start() waiting for its function to start, settled all at once. */
export class ReadyWaiters {
  #waiters: { resolve: () => void; reject: (err: Error) => void }[] = [];

  get waiting(): boolean {
    return this.#waiters.length > 0;
  }

  wait(): Promise<void> {
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  resolveAll(): void {
    for (const waiter of this.#waiters.splice(0)) waiter.resolve();
  }

  rejectAll(err: Error): void {
    for (const waiter of this.#waiters.splice(0)) waiter.reject(err);
  }
}
