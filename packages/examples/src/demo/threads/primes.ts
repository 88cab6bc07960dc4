// The CPU-bound thread: counts primes in a tight synchronous loop. The loop never sleeps and never
// awaits; the only thing it checks is running(), which is a read of shared memory, so a stop is
// seen on the next iteration even though this thread's event loop never gets a turn.
import { defineThread } from 'daebus/thread';

const REPORT_EVERY_MS = 2_000;

export default defineThread((running, t) => {
  let found = 0;
  let candidate = 2;
  let reportedAt = Date.now();
  let candidateAtReport = candidate;
  t.log.info('Counting primes; the loop checks only running()');

  while (running()) {
    if (isPrime(candidate)) found += 1;
    candidate += 1;
    // Look at the clock once every 4096 numbers, not on every iteration.
    if ((candidate & 0xfff) === 0 && Date.now() - reportedAt >= REPORT_EVERY_MS) {
      const now = Date.now();
      const rate = ((candidate - candidateAtReport) * 1000) / (now - reportedAt);
      t.log.info(`${count(found)} primes below ${count(candidate)} (${count(rate)} numbers/s)`, { found, below: candidate });
      reportedAt = now;
      candidateAtReport = candidate;
    }
  }
  t.log.info(`Stopped after finding ${count(found)} primes below ${count(candidate)}`);
});

function isPrime(n: number): boolean {
  if (n < 4) return n > 1;
  if (n % 2 === 0) return false;
  for (let d = 3; d * d <= n; d += 2) {
    if (n % d === 0) return false;
  }
  return true;
}

function count(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}
