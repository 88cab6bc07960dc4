// The record of what Redis refuses a service at run time: only Redis's error replies count (a
// lost connection is the transport's to report), a streak is logged once each way, a success
// clears its own kind only, and a refusal not tried again for a minute stops counting.
import { captureLogger } from '../support/helpers';
import { REFUSAL_KEPT_MS, WriteRefusals } from '../../src/main/transport/write-refusals';

/** An error reply as ioredis gives it (a ReplyError). */
function replyError(message: string): Error {
  const err = new Error(message);
  err.name = 'ReplyError';
  return err;
}

describe('WriteRefusals', () => {
  afterEach(() => jest.useRealTimers());

  it('counts error replies, bare or as a cause, and leaves any other failure to its caller', () => {
    const { logger } = captureLogger();
    const refusals = new WriteRefusals(logger, 'redis://127.0.0.1:6379');
    expect(refusals.refused('replies', new Error('Connection is closed.'))).toBe(false);
    expect(refusals.refused('replies', undefined)).toBe(false);
    expect(refusals.current()).toEqual([]);
    expect(refusals.refused('replies', replyError('NOPERM no permissions to access the channel'))).toBe(true);
    const wrapped = new Error('Could not publish', { cause: replyError('NOPERM again') });
    expect(refusals.refused('replies', wrapped)).toBe(true);
    expect(refusals.current()).toEqual([{ what: 'replies', error: 'NOPERM again', since: expect.any(Number) as number, count: 2 }]);
  });

  it('logs a streak once when it starts and once when its kind succeeds again; another kind stays', () => {
    const { logger, records } = captureLogger();
    const refusals = new WriteRefusals(logger, 'redis://127.0.0.1:6379');
    for (let i = 0; i < 5; i++) refusals.refused('heartbeats', replyError("OOM command not allowed when used memory > 'maxmemory'."));
    refusals.refused('upkeep', replyError('NOPERM xautoclaim'));
    refusals.succeeded('replies'); // nothing refused of that kind: nothing said
    refusals.succeeded('heartbeats');
    refusals.succeeded('heartbeats');
    const lines = records.map((r) => `${String(r.level)}: ${String(r.message)}`);
    expect(lines).toEqual([
      expect.stringMatching(
        /^warn: Redis at redis:\/\/127\.0\.0\.1:6379 refuses this replica's heartbeats.*\(OOM .*maxmemory.*Health reports failing/,
      ),
      expect.stringMatching(
        /^warn: .*refuses the request stream's upkeep.*NOPERM xautoclaim.*"Redis permissions".*Health reports degraded/,
      ),
      "info: Redis at redis://127.0.0.1:6379 takes this replica's heartbeats again (5 refused before).",
    ]);
    expect(refusals.current().map(({ what }) => what)).toEqual(['upkeep']);
  });

  it('stops counting a refusal when nothing of its kind was tried for a minute, and a later one starts a new streak', () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const { logger, records } = captureLogger();
    const refusals = new WriteRefusals(logger, 'redis://x:6379');
    refusals.refused('replies', replyError('NOPERM a'));
    jest.setSystemTime(1_000_000 + REFUSAL_KEPT_MS);
    expect(refusals.current()).toHaveLength(1);
    jest.setSystemTime(1_000_000 + REFUSAL_KEPT_MS + 1);
    expect(refusals.current()).toEqual([]);
    refusals.refused('replies', replyError('NOPERM b'));
    expect(refusals.current()).toEqual([{ what: 'replies', error: 'NOPERM b', since: 1_000_000 + REFUSAL_KEPT_MS + 1, count: 1 }]);
    expect(records.filter((r) => r.level === 'warn')).toHaveLength(2);
  });
});
