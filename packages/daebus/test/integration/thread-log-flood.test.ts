// A thread that logs faster than the main thread writes: past the backlog its records are dropped,
// and the main side says how many, even when the thread never logs again.
import winston from 'winston';
import TransportStream from 'winston-transport';
import { Daebus } from 'daebus';
import { nextEvent } from '../support/helpers';

/** Records in memory; the thread's first line blocks the main thread until the thread says it has sent them all. */
class HeldTransport extends TransportStream {
  readonly messages: { level: string; message: string }[] = [];
  constructor(private readonly sent: Int32Array) {
    super();
  }
  override log(info: { level: string; message: string }, next: () => void): void {
    if (info.message === 'line 0') Atomics.wait(this.sent, 0, 0, 20_000);
    this.messages.push({ level: info.level, message: info.message });
    next();
  }
}

describe('a thread that floods its log', () => {
  it('has the excess dropped and counted, the count said when it ends, and its last error kept', async () => {
    const sent = new Int32Array(new SharedArrayBuffer(4));
    const transport = new HeldTransport(sent);
    const app = new Daebus('flood', { logger: winston.createLogger({ level: 'info', transports: [transport] }) });
    app.thread(
      'chatty',
      (_running, t) => {
        for (let i = 0; i < 25_000; i++) t.log.info(`line ${i}`);
        t.log.error('the error after the flood');
        const flag = (t.workerData as { sent: Int32Array }).sent;
        Atomics.store(flag, 0, 1);
        Atomics.notify(flag, 0);
      },
      { workerData: { sent }, restart: 'temporary' },
    );
    const ended = nextEvent(app, 'exit');
    await app.start();
    try {
      await ended;
      await new Promise((resolve) => setImmediate(resolve));
      const lines = transport.messages.filter((m) => m.message.startsWith('line ')).length;
      // about 10 000 waited while the main thread was held (one more if it had read the first already)
      expect(lines).toBeGreaterThanOrEqual(10_000);
      expect(lines).toBeLessThanOrEqual(10_001);
      // before, the count went out only with the thread's next record: never, here
      const said = transport.messages.find((m) => m.level === 'warn' && / of this thread were dropped/.test(m.message));
      expect(said?.message).toMatch(/^\d+ log record\(s\) of this thread were dropped: it logged faster than the main thread/);
      expect(lines + Number.parseInt(said?.message ?? '0', 10)).toBe(25_000);
      // an error gets more room than the flood: it still went
      expect(transport.messages).toContainEqual({ level: 'error', message: 'the error after the flood' });
    } finally {
      await app.stop();
    }
  });
});
