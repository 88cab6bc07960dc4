// Shared by the examples' integration tests. They run the built services (threads need built
// JavaScript in their workers), so each service module is loaded from dist/ and typed from src/.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { DaebusCaller, type TransportChoice } from 'daebus';
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
 * Poll `check` (which may be async, e.g. a request to the service) until it returns something
 * other than undefined/false, or fail after `timeoutMs` (generous: these tests assert what
 * happens, not how fast).
 */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The shared test Redis server (scripts/test.mjs finds or starts one and exports its URL). */
export const TEST_REDIS_URL = process.env.DAEBUS_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * The two transports every service is driven over: `describe.each(TRANSPORTS)('over %s', (_name, transport) => ...)`.
 * `transport()` is what `app.start({ service, ...transport() })` and `new DaebusCaller(service, transport())` take.
 */
export const TRANSPORTS: [name: string, transport: () => TransportChoice][] = [
  ['memory', () => ({ transport: 'memory' })],
  ['redis', () => ({ redis: TEST_REDIS_URL })],
];

/**
 * A service name no other test uses: Redis pub/sub channels are server-wide, so two test runs
 * (or two test files) must not answer each other's requests.
 */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID()}`;
}

/** A caller for `service` over `transport`, waiting up to 10 s for a reply by default. */
export function callerFor(service: string, transport: TransportChoice): DaebusCaller {
  return new DaebusCaller(service, { ...transport, timeoutMs: 10_000 });
}

/** The error `promise` rejects with (fails the test if it resolves). */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  let value: unknown;
  try {
    value = await promise;
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
}

/** Run a Node script to its end and collect its output. */
export function runNode(
  script: string,
  args: string[] = [],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
