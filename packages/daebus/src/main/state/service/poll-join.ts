import { setTimeout as sleep } from 'node:timers/promises';
import { monotonicMs } from '../../../shared/clock';

/** How often a join looks at a service-wide queue's count of unfinished items. */
const JOIN_POLL_MS = 100;

/**
 * Read the count of unfinished items every 100 ms until it is 0 (true), or `until` (a
 * monotonicMs() time) passes, or `signal` aborts (false). An abort ends the wait at once, even
 * while Redis has not answered: a stop then gets false, not the error of the connection it closes.
 */
export async function pollJoin(unfinished: () => Promise<string | null>, until: number, signal: AbortSignal): Promise<boolean> {
  const aborted = new Promise<'aborted'>((resolve) => signal.addEventListener('abort', () => resolve('aborted'), { once: true }));
  for (;;) {
    if (signal.aborted) return false;
    const reading = unfinished();
    reading.catch(() => undefined); // answered after an abort: nobody reads it
    const count = await Promise.race([reading, aborted]);
    if (count === 'aborted') return false;
    if (Number(count) <= 0) return true;
    const left = until - monotonicMs();
    if (left <= 0) return false;
    await sleep(Math.min(JOIN_POLL_MS, left), undefined, { signal }).catch(() => undefined);
  }
}
