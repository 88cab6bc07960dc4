// The warning a lease holder logs when something else subscribes to its service's channel: never
// from a replica that has lost the lease (reconnected, it is subscribed again until its next
// renewal fails, and the "other" subscriber it sees is the new holder).
import type { Redis } from 'ioredis';
import { channelCompany } from '../../src/main/replicas/channel-company';
import { captureLogger, waitFor } from '../support/helpers';

/** A client whose PUBSUB NUMSUB always counts this replica and one other connection. */
const twoSubscribers = { pubsub: async () => ['svc', 2] } as unknown as Redis;

async function looks(stillHolds: () => Promise<boolean>, until: (asked: number, warned: number) => boolean): Promise<string[]> {
  const { logger, records } = captureLogger();
  let asked = 0;
  const company = channelCompany({
    client: twoSubscribers,
    service: 'svc',
    log: logger,
    everyMs: 5,
    stillHolds: () => {
      asked += 1;
      return stillHolds();
    },
  });
  const warnings = (): string[] => records.filter((r) => r.level === 'warn').map((r) => String(r.message));
  company.start();
  await waitFor(() => until(asked, warnings().length), 'the looks');
  // ten more looks: said once only
  await new Promise((resolve) => setTimeout(resolve, 50));
  company.stop();
  return warnings();
}

describe('the channel company warning', () => {
  it('is said once by a replica that still holds the lease', async () => {
    const warnings = await looks(
      async () => true,
      (_asked, warned) => warned > 0,
    );
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^1 other connection subscribes to channel "svc"/);
    expect(warnings[0]).toContain('in any database of this Redis server: channels are server-wide');
  });

  it('is not said by one whose renewal finds the lease gone (before, it was, and "Lost the lease" came right after)', async () => {
    const warnings = await looks(
      async () => false,
      (asked) => asked >= 3,
    );
    expect(warnings).toEqual([]);
  });
});

describe('the look at the channel', () => {
  it('asks Redis once at a time: a slow answer does not pile the next looks up behind it', () => {
    jest.useFakeTimers();
    try {
      let [asking, most] = [0, 0];
      const answers: (() => void)[] = [];
      const slow = {
        pubsub: () =>
          new Promise((resolve) => {
            most = Math.max(most, ++asking);
            answers.push(() => {
              asking -= 1;
              resolve(['svc', 1]);
            });
          }),
      } as unknown as Redis;
      const company = channelCompany({
        client: slow,
        service: 'svc',
        log: captureLogger().logger,
        everyMs: 10,
        stillHolds: async () => true,
      });
      company.start();
      jest.advanceTimersByTime(100); // ten looks' time, the first one not answered
      company.stop();
      for (const answer of answers) answer();
      // before: 10 NUMSUB sent, one per look
      expect(most).toBe(1);
    } finally {
      jest.useRealTimers();
    }
  });
});
