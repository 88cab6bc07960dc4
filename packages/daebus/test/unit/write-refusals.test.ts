// The record of what Redis refuses a service at run time: only Redis's error replies count (a
// lost connection is the transport's to report), a streak is logged once each way, a success
// clears its own kind only, and a refusal not tried again for a minute stops counting.
import { captureLogger } from '../support/helpers';
import { REFUSAL_KEPT_MS, WriteRefusals } from '../../src/main/transport/write-refusals';

/** An error reply as ioredis gives it (a ReplyError), naming the command it answered. */
function replyError(message: string, command?: string): Error {
  const err = new Error(message);
  err.name = 'ReplyError';
  if (command !== undefined) Object.assign(err, { command: { name: command, args: [] } });
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
    expect(refusals.refused('replies', replyError('NOPERM no permissions to access the channel'), 'caller:1')).toBe(true);
    const wrapped = new Error('Could not publish', { cause: replyError('NOPERM again') });
    expect(refusals.refused('replies', wrapped, 'caller:2')).toBe(true);
    expect(refusals.current()).toEqual([
      { what: 'replies', error: 'NOPERM again', since: expect.any(Number) as number, count: 2, channels: ['caller:*'], failing: true },
    ]);
    // a Redis busy for a moment (a long script, a load at start) refuses nothing
    expect(refusals.refused('heartbeats', replyError('BUSY Redis is busy running a script.'))).toBe(false);
    expect(refusals.refused('lease', replyError('LOADING Redis is loading the dataset in memory'))).toBe(false);
    expect(refusals.current()).toHaveLength(1);
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
    refusals.refused('heartbeats', replyError('NOPERM a'));
    jest.advanceTimersByTime(REFUSAL_KEPT_MS);
    expect(refusals.current()).toHaveLength(1);
    jest.advanceTimersByTime(1);
    expect(refusals.current()).toEqual([]);
    refusals.refused('heartbeats', replyError('NOPERM b'));
    expect(refusals.current()).toEqual([
      { what: 'heartbeats', error: 'NOPERM b', since: 1_000_000 + REFUSAL_KEPT_MS + 1, count: 1, failing: true },
    ]);
    expect(records.filter((r) => r.level === 'warn')).toHaveLength(2);
  });

  it('ends a reply streak only with a reply to the same family of channels (another one proves nothing)', () => {
    const { logger, records } = captureLogger();
    const refusals = new WriteRefusals(logger, 'redis://x:6379');
    refusals.refused('replies', replyError('NOPERM caller channel'), 'caller:8f1c');
    // answered on the service's own responses channel, which the user may publish on
    refusals.succeeded('replies', 'orders.responses');
    expect(refusals.current().map(({ what }) => what)).toEqual(['replies']);
    refusals.succeeded('replies', 'caller:0b6d');
    expect(refusals.current()).toEqual([]);
    expect(records.map((r) => String(r.level))).toEqual(['warn', 'info']);
  });

  it('ends an upkeep streak only with a run that sent the refused command again', () => {
    const { logger } = captureLogger();
    const refusals = new WriteRefusals(logger, 'redis://x:6379');
    refusals.refused('upkeep', replyError('NOPERM xpending', 'xpending'));
    // a run that found nothing to take over sent no XPENDING
    refusals.succeeded('upkeep', undefined, ['xautoclaim']);
    expect(refusals.refusing('upkeep')).toBe(true);
    refusals.succeeded('upkeep', undefined, ['xautoclaim', 'xpending']);
    expect(refusals.refusing('upkeep')).toBe(false);
    // a refusal that names no command ends with any success
    refusals.refused('renewals', replyError('NOPERM something'));
    refusals.succeeded('renewals', undefined, []);
    expect(refusals.refusing('renewals')).toBe(false);
  });

  it("keeps Redis's words, without where in which script they came", () => {
    const { logger, records } = captureLogger();
    const refusals = new WriteRefusals(logger, 'redis://x:6379');
    const inScript =
      "ERR The user executing the script can't run this command or subcommand script: 0a1b2c3d4e5f60718293a4b5c6d7e8f901234567, on @user_script:5.";
    refusals.refused('confirmations', replyError(inScript, 'evalsha'));
    expect(refusals.current()[0]?.error).toBe("ERR The user executing the script can't run this command or subcommand.");
    // Redis 7.0 says a permission refused inside a script without NOPERM: the advice is the same
    expect(String(records[0]?.message)).toContain('"Redis permissions"');
  });

  it('ends every streak of a full memory once a write that needs memory is taken again, not a permission', () => {
    const { logger } = captureLogger();
    const refusals = new WriteRefusals(logger, 'redis://x:6379');
    refusals.refused('intake', replyError("OOM command not allowed when used memory > 'maxmemory'.", 'evalsha'));
    refusals.refused('heartbeats', replyError("OOM command not allowed when used memory > 'maxmemory'.", 'evalsha'));
    refusals.refused('upkeep', replyError('NOPERM xautoclaim', 'xautoclaim'));
    // a reply's PUBLISH is taken by a full Redis: it shows nothing of its memory
    refusals.succeeded('replies', 'caller:1');
    expect(refusals.current().map(({ what }) => what)).toEqual(['intake', 'heartbeats', 'upkeep']);
    refusals.succeeded('heartbeats');
    // intake is tried only as requests come: it ends with the heartbeats; the permission stays
    expect(refusals.current().map(({ what }) => what)).toEqual(['upkeep']);
  });

  it("fails the service for refused replies only on the callers' channels: someone else's reply_to degrades it", () => {
    const { logger, records } = captureLogger();
    const refusals = new WriteRefusals(logger, 'redis://x:6379');
    const failing = (): boolean[] => refusals.current().map((shown) => shown.failing);
    refusals.refused('replies', replyError('NOPERM other app'), 'other-app.replies');
    expect(failing()).toEqual([false]);
    refusals.succeeded('replies', 'caller:7');
    expect(failing()).toEqual([false]);
    expect(refusals.current()[0]?.channels).toEqual(['other-app.replies']);
    refusals.refused('replies', replyError('NOPERM callers'), 'caller:8');
    expect(failing()).toEqual([true]);
    expect(refusals.current()[0]?.channels).toEqual(['other-app.replies', 'caller:*']);
    // each place said once, named
    expect(records.map((r) => String(r.message))).toEqual([
      expect.stringContaining('refuses the service\'s replies to "other-app.replies": its callers get none (NOPERM other app)'),
      expect.stringContaining('refuses the service\'s replies to "caller:*" too (NOPERM callers)'),
    ]);
  });

  it('keeps and says a bounded number of refused reply channels: each request may name its own', () => {
    const { logger, records } = captureLogger();
    const refusals = new WriteRefusals(logger, 'redis://x:6379');
    for (let i = 0; i < 100; i++) refusals.refused('replies', replyError('NOPERM elsewhere'), `elsewhere-${i}`);
    expect(refusals.current()[0]?.channels).toHaveLength(16);
    expect(refusals.current()[0]?.count).toBe(100);
    expect(records).toHaveLength(16);
  });
});
