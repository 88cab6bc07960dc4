// Whether a Redis error says a stream's consumer group is gone (Redis restarted without its data),
// as Redis 7 and Redis 6.2 word it, from a command and from a Lua script.
import { groupGone } from '../../src/main/support/stream-groups';

describe('groupGone', () => {
  it.each([
    "NOGROUP No such key 'daebus:{s}:queue:q' or consumer group 'daebus-queue' in XREADGROUP with GROUP option",
    'ERR no such key',
    'UNBLOCKED the stream key no longer exists',
    // Redis 7, from a script: the first word kept
    "NOGROUP No such key 'k' or consumer group 'g' script: 4f1a..., on @user_script:3.",
    // Redis 6.2, from a script (before: not recognised, so the group was never made again)
    "ERR Error running script (call to f_4f1a...): @user_script:3: NOGROUP No such key 'k' or consumer group 'g'",
  ])('recognises %s', (message) => {
    expect(groupGone(new Error(message))).toBe(true);
  });

  it.each([
    'WRONGTYPE Operation against a key holding the wrong kind of value',
    'ERR Error running script (call to f_1): @user_script:1: WRONGTYPE Operation against a key holding the wrong kind of value',
    'BUSYGROUP Consumer Group name already exists',
    'Connection is closed.',
  ])('does not take %s for a lost group', (message) => {
    expect(groupGone(new Error(message))).toBe(false);
  });
});
