import { join } from 'node:path';
import winston, { type Logger } from 'winston';
import Transport from 'winston-transport';
import type { Daebus, ThreadEvents } from 'daebus';

export interface LogRecord {
  level: string;
  message: string;
  thread?: string;
  [key: string]: unknown;
}

class MemoryTransport extends Transport {
  constructor(private readonly records: LogRecord[]) {
    super();
  }
  override log(info: LogRecord, next: () => void): void {
    this.records.push(info);
    next();
  }
}

/** A winston logger that keeps every record in memory (and prints nothing). */
export function captureLogger(level = 'debug'): { logger: Logger; records: LogRecord[] } {
  const records: LogRecord[] = [];
  const logger = winston.createLogger({ level, format: winston.format.json(), transports: [new MemoryTransport(records)] });
  return { logger, records };
}

export function fixture(name: string): string {
  return join(__dirname, 'fixtures', name);
}

/** Poll until `predicate` holds; fails with `what` after a generous deadline (not a timing assertion). */
export async function waitFor(predicate: () => boolean | Promise<boolean>, what: string, deadlineMs = 15_000): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (!(await predicate())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The next `event` whose payload satisfies `match`. */
export function nextEvent<K extends keyof ThreadEvents & string>(
  app: Daebus,
  event: K,
  match: (...args: ThreadEvents[K]) => boolean = () => true,
): Promise<ThreadEvents[K][0]> {
  return new Promise((resolve) => {
    const listener = (...args: ThreadEvents[K]): void => {
      if (!match(...args)) return;
      app.off(event, listener);
      resolve(args[0]);
    };
    app.on(event, listener);
  });
}

/** Collect every payload of `event` from now on. */
export function collect<K extends keyof ThreadEvents & string>(app: Daebus, event: K): ThreadEvents[K][0][] {
  const out: ThreadEvents[K][0][] = [];
  app.on(event, (...args: ThreadEvents[K]) => out.push(args[0]));
  return out;
}

/** `promise`'s value, or `late` when it has not settled after `ms` (a generous bound: the code under test must not hang). */
export async function within<T>(promise: Promise<T>, ms: number, late: string): Promise<T | string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => (timer = setTimeout(() => resolve(late), ms)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Each JSON line a child process writes on `stream` (other lines skipped), as it arrives. */
export function onJsonLines(stream: NodeJS.ReadableStream | null | undefined, take: (line: Record<string, unknown>) => void): void {
  let buffered = '';
  stream?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(line) as Record<string, unknown>;
      } catch {
        continue; // not JSON
      }
      take(parsed);
    }
  });
}

/**
 * An action "finish" on `app` that runs `ms`, then puts "job-7" on the in-process queue "jobs":
 * called as a stop begins, it holds the requests' drain past the HTTP and WebSocket servers'.
 * Resolves once it runs.
 */
export function jobFinisher(app: Daebus, ms: number): Promise<void> {
  return new Promise((running) => {
    app.action('finish', async () => {
      running();
      await new Promise((r) => setTimeout(r, ms));
      await app.queue('jobs').put('job-7');
      return {};
    });
  });
}
