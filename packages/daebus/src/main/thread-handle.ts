import type { ThreadSnapshot, ThreadStopResult } from './thread-types';

interface HandleHost {
  readonly threads: Record<string, ThreadSnapshot>;
  startThread(name: string): Promise<ThreadSnapshot>;
  stopThread(name: string, timeoutMs?: number): Promise<ThreadStopResult>;
}

/** A registered thread, as `app.thread(name)` returns it. */
export class ThreadHandle {
  readonly name: string;
  readonly #host: HandleHost;

  constructor(host: HandleHost, name: string) {
    this.#host = host;
    this.name = name;
  }

  /** The thread's record now. */
  get status(): ThreadSnapshot {
    return this.#host.threads[this.name] as ThreadSnapshot;
  }

  start(): Promise<ThreadSnapshot> {
    return this.#host.startThread(this.name);
  }

  stop(timeoutMs?: number): Promise<ThreadStopResult> {
    return this.#host.stopThread(this.name, timeoutMs);
  }
}
