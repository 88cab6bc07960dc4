// A thread that logs faster than the main thread writes: past the backlog its records are dropped,
// and the main side says how many, even when the thread never logs again.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import winston from 'winston';
import TransportStream from 'winston-transport';
import { randomUUID } from 'node:crypto';
import { Daebus, DaebusCaller } from 'daebus';
import { fixture, nextEvent } from '../support/helpers';

/** Records in memory; the first line blocks the main thread until the logging side says it has sent them all. */
class HeldTransport extends TransportStream {
  readonly messages: { level: string; message: string }[] = [];
  constructor(private readonly allSent: () => void) {
    super();
  }
  override log(info: { level: string; message: string }, next: () => void): void {
    if (info.message.startsWith('line 0')) this.allSent();
    this.messages.push({ level: info.level, message: info.message });
    next();
  }
}

/**
 * Run a thread that logs `count` lines (each padded with `pad` characters) and then an error,
 * while the main thread's logger is held until the thread has logged them all; resolves with
 * what reached the logger once the thread ended.
 */
async function heldFlood(count: number, pad: number): Promise<HeldTransport['messages']> {
  const sent = new Int32Array(new SharedArrayBuffer(4));
  const transport = new HeldTransport(() => Atomics.wait(sent, 0, 0, 20_000));
  const app = new Daebus('flood', { logger: winston.createLogger({ level: 'info', transports: [transport] }) });
  app.thread(
    'chatty',
    (_running, t) => {
      const data = t.workerData as { sent: Int32Array; count: number; pad: number };
      const padding = data.pad > 0 ? ` ${'y'.repeat(data.pad)}` : '';
      for (let i = 0; i < data.count; i++) t.log.info(`line ${i}${padding}`);
      t.log.error('the error after the flood');
      Atomics.store(data.sent, 0, 1);
      Atomics.notify(data.sent, 0);
    },
    { workerData: { sent, count, pad }, restart: 'temporary' },
  );
  const ended = nextEvent(app, 'exit');
  await app.start();
  try {
    await ended;
    await new Promise((resolve) => setImmediate(resolve));
    return transport.messages;
  } finally {
    await app.stop();
  }
}

describe('a thread that floods its log', () => {
  it('has the excess dropped and counted, the count said when it ends, and its last error kept', async () => {
    const messages = await heldFlood(25_000, 0);
    const lines = messages.filter((m) => m.message.startsWith('line ')).length;
    // 10 000 waited while the main thread was held: the room of the records it read comes back only
    // after that turn (given back at once, one more went: each record read let another in)
    expect(lines).toBe(10_000);
    // before, the count went out only with the thread's next record: never, here
    const said = messages.find((m) => m.level === 'warn' && / of this thread were dropped/.test(m.message));
    expect(said?.message).toMatch(/^\d+ log record\(s\) of this thread were dropped: logged faster than the main thread/);
    expect(lines + Number.parseInt(said?.message ?? '0', 10)).toBe(25_000);
    // an error gets more room than the flood: it still went
    expect(messages).toContainEqual({ level: 'error', message: 'the error after the flood' });
  });

  it('bounds what waits by bytes too: big records stop at about 1 MiB (they all waited, 640 MB of 64 KiB lines)', async () => {
    const messages = await heldFlood(200, 64 * 1024);
    const lines = messages.filter((m) => m.message.startsWith('line ')).length;
    // 16 records of 64 KiB make 1 MiB
    expect(lines).toBe(16);
    const said = messages.find((m) => m.level === 'warn' && / of this thread were dropped/.test(m.message));
    expect(said?.message).toMatch(/\(more than 10000 records or 1 MiB waiting\)/);
    expect(lines + Number.parseInt(said?.message ?? '0', 10)).toBe(200);
    expect(messages).toContainEqual({ level: 'error', message: 'the error after the flood' });
  });

  it("bounds a pooled handler's records the same way (they crossed all, 441 MB for a million)", async () => {
    const done = join(mkdtempSync(join(tmpdir(), 'pool-flood-')), 'done');
    const transport = new HeldTransport(() => {
      // the handler runs on a pool worker: it says it is done with a file
      const until = Date.now() + 20_000;
      while (!existsSync(done) && Date.now() < until);
    });
    const app = new Daebus('flood', { logger: winston.createLogger({ level: 'info', transports: [transport] }), maxWorkers: 1 });
    app.action('flood', { module: fixture('pooled.mjs'), export: 'floodsLog' });
    const service = `pool_flood_${randomUUID()}`;
    await app.start({ service });
    const caller = new DaebusCaller(service, { timeoutMs: 30_000 });
    try {
      await expect(caller.sendRequest('flood', { done })).resolves.toBe('flooded');
      await app.stop();
      const lines = transport.messages.filter((m) => m.message.startsWith('line ')).length;
      expect(lines).toBe(10_000);
      const said = transport.messages.find((m) => m.level === 'warn' && / of pooled handlers were dropped/.test(m.message));
      expect(lines + Number.parseInt(said?.message ?? '0', 10)).toBe(25_000);
      expect(transport.messages).toContainEqual({ level: 'error', message: 'the error after the flood' });
    } finally {
      await caller.close();
      await app.stop();
    }
  });
});
