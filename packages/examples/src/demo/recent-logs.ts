import Transport from 'winston-transport';

/** One log record, reduced to what the demo shows. */
export interface LogLine {
  at: number;
  level: string;
  /** The thread the record came from (daebus adds `{ thread: name }`); none for the service. */
  thread?: string;
  message: string;
}

export interface RecentLogsOptions {
  /** How many lines to keep. Default 200. */
  capacity?: number;
  /** Called with every record as it arrives. */
  onLine?: (line: LogLine) => void;
}

/**
 * A winston transport that keeps the last `capacity` records in memory, for the live view; the
 * library's records and every thread's arrive here through the logger given to `new Daebus()`.
 */
export class RecentLogs extends Transport {
  readonly #lines: LogLine[] = [];
  readonly #capacity: number;
  readonly #onLine: ((line: LogLine) => void) | undefined;
  /** The latest message of each thread, by thread name. */
  readonly lastByThread = new Map<string, string>();

  constructor(options: RecentLogsOptions = {}) {
    super();
    this.#capacity = options.capacity ?? 200;
    this.#onLine = options.onLine;
  }

  get lines(): readonly LogLine[] {
    return this.#lines;
  }

  override log(info: Record<string, unknown>, next: () => void): void {
    const line: LogLine = { at: Date.now(), level: String(info.level), message: String(info.message) };
    if (typeof info.thread === 'string') {
      line.thread = info.thread;
      this.lastByThread.set(info.thread, line.message);
    }
    this.#lines.push(line);
    if (this.#lines.length > this.#capacity) this.#lines.splice(0, this.#lines.length - this.#capacity);
    this.#onLine?.(line);
    next();
  }
}
