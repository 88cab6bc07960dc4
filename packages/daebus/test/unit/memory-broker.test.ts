// The in-process broker (main/transport/memory.ts): deliveries come after publish returns, in
// publish order, to the receivers subscribed at the time; a receiver's throw is the process's.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { MemoryBroker } from '../../src/main/transport/memory';

describe('MemoryBroker', () => {
  it('delivers after publish returns, in publish order across channels, to the receivers of the time', async () => {
    const broker = new MemoryBroker();
    const seen: string[] = [];
    const a = (message: unknown): void => void seen.push(`a ${String(message)}`);
    const b = (message: unknown): void => void seen.push(`b ${String(message)}`);
    broker.subscribe('one', a);
    broker.subscribe('two', b);
    expect(broker.publish('one', '1')).toBe(1);
    queueMicrotask(() => seen.push('a microtask queued between'));
    expect(broker.publish('two', '2')).toBe(1);
    broker.unsubscribe('one', a); // after its publish: that message still reaches it
    expect(broker.publish('one', '3')).toBe(0);
    seen.push('publish returned');
    await Promise.resolve();
    await Promise.resolve();
    expect(seen).toEqual(['publish returned', 'a 1', 'a microtask queued between', 'b 2']);
  });

  it("makes a receiver's throw an uncaught exception, as a callback of queueMicrotask would", async () => {
    const built = JSON.stringify(join(__dirname, '..', '..', 'dist', 'main', 'transport', 'memory.js'));
    const script =
      `const { MemoryBroker } = require(${built}); const broker = new MemoryBroker();` +
      `process.on('uncaughtException', (err) => console.log('uncaught: ' + err.message));` +
      `process.on('unhandledRejection', (err) => console.log('rejection: ' + err.message));` +
      `broker.subscribe('c', () => { throw new Error('receiver failed'); }); broker.publish('c', 'x');`;
    const out = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ['-e', script], { timeout: 20_000 }, (err, stdout) => (err ? reject(err) : resolve(stdout)));
    });
    expect(out).toBe('uncaught: receiver failed\n');
  });
});
