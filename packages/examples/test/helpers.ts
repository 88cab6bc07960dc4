// Shared by the examples' integration tests. They run the built services (threads need built
// JavaScript in their workers), so each service module is loaded from dist/ and typed from src/.
import { join } from 'node:path';
import winston from 'winston';
import Transport from 'winston-transport';

const DIST = join(__dirname, '..', 'dist');

/** Load a built module of this package, typed as its source: `built<typeof import('../src/x')>('x')`. */
export function built<T>(path: string): T {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(join(DIST, path)) as T;
}

/** A log record as winston hands it to a transport (daebus adds `thread` for threads' records). */
export interface LogRecord {
  level: string;
  message: string;
  thread?: string;
  [key: string]: unknown;
}

class MemoryTransport extends Transport {
  readonly records: LogRecord[] = [];

  override log(info: LogRecord, next: () => void): void {
    this.records.push({ ...info });
    next();
  }
}

/** A winston logger that keeps every record in memory, at every level. */
export function memoryLogger(): { logger: winston.Logger; records: LogRecord[] } {
  const transport = new MemoryTransport();
  const logger = winston.createLogger({ level: 'debug', transports: [transport] });
  return { logger, records: transport.records };
}

/** Records of one thread whose message matches. */
export function logsOf(records: readonly LogRecord[], thread: string, message: RegExp): LogRecord[] {
  return records.filter((r) => r.thread === thread && message.test(r.message));
}

/**
 * Poll `check` until it returns something other than undefined/false, or fail after `timeoutMs`
 * (generous: these tests assert what happens, not how fast).
 */
export async function waitFor<T>(what: string, check: () => T | undefined | false, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
