// A replica that stalls (its event loop held: a long synchronous run, a GC pause, SIGSTOP) just
// after its blocking read reached Redis, while another replica takes the entry over: played in
// one process. This process's event loop is held from the moment MONITOR shows the read, so
// Redis's answer waits unread in the socket; meanwhile `during` runs Redis commands through
// redis-cli (synchronous), standing for what the other replica does.
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import Redis from 'ioredis';
import type { PrivateRedis } from './redis-server';

/** Runs one Redis command through redis-cli, synchronously; its output, trimmed. */
export type Cli = (...args: string[]) => string;

/**
 * Once MONITOR watches (resolved then), `stalled` resolves after the first command it shows that
 * `matches`: this process's event loop was held from then for `holdMs`, and `during` ran meanwhile
 * (what it returns is what `stalled` resolves with).
 */
export async function stallOnCommand<T>(
  redis: PrivateRedis,
  matches: (args: string[]) => boolean,
  holdMs: number,
  during: (cli: Cli) => T,
): Promise<{ stalled: Promise<T> }> {
  const cli: Cli = (...args) => execFileSync('redis-cli', ['-p', String(redis.port), ...args], { encoding: 'utf8' }).trim();
  // a connection of its own, its error listener there before it connects: MONITOR lines read in the
  // same chunk as MONITOR's OK (a replica's heartbeat scripts run all the time), or still on their way
  // as it disconnects, reach a connection that expects none, and ioredis reports a "Command queue
  // state error", which is not this test's concern (client.monitor() rejected with it, and a second
  // one in that chunk found no listener: an uncaught error)
  const monitor = new Redis(redis.url, { monitor: true, lazyConnect: true });
  monitor.on('error', () => undefined);
  const monitoring = once(monitor, 'monitoring');
  await monitor.connect();
  await monitoring;
  const stalled = new Promise<T>((resolve, reject) => {
    monitor.on('monitor', (_time: string, args: string[]) => {
      if (!matches(args)) return;
      monitor.removeAllListeners('monitor');
      monitor.disconnect();
      const until = Date.now() + holdMs;
      try {
        const result = during(cli);
        while (Date.now() < until); // held: no timer, no socket of this process runs
        resolve(result);
      } catch (err) {
        reject(err as Error);
      }
    });
  });
  return { stalled };
}
