import type { Redis } from 'ioredis';
import { toPlainError } from '../../shared/errors';

/**
 * The consumer group (or its whole stream) is not in Redis: NOGROUP from a group command, "no
 * such key" from XINFO, UNBLOCKED for a read that was waiting when the stream was deleted. Redis
 * that restarted without its data (no persistence, a failover) has lost every group; a write
 * since then made the stream again (XADD creates it) but not its group. From a Lua script, Redis
 * 7 keeps the error's first word, Redis 6.2 puts "ERR Error running script ...: " before it.
 */
export function groupGone(err: unknown): boolean {
  return /^(NOGROUP|ERR no such key|UNBLOCKED)|^ERR Error running script.*(\bNOGROUP\b|ERR no such key)/.test(toPlainError(err).message);
}

/**
 * Create `group` on `stream` (and the stream, MKSTREAM) unless it exists. At 0, not $: the group
 * delivers every entry the stream holds. After Redis restarted empty, those are exactly the
 * entries added since (by any process), which $ would skip for good. Nothing delivered stays in
 * our streams once done (it is deleted), so 0 can only deliver again an entry that was held when
 * the old group vanished: at least once, as a dead consumer's would be.
 */
export async function createGroup(client: Redis, stream: string, group: string): Promise<void> {
  await client.xgroup('CREATE', stream, group, '0', 'MKSTREAM').catch((err: unknown) => {
    // another replica (or another call here) made it first
    if (!/BUSYGROUP/.test(toPlainError(err).message)) throw err;
  });
}

/** Remove `consumer` from `group` unless it still holds pending entries: atomic, so none is lost. */
const LEAVE_GROUP = `if #redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', 1, ARGV[2]) > 0 then return -1 end
return redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2])`;

/**
 * A process that stops leaves the group of `stream`, so that the group does not list a consumer
 * per start for ever (XINFO CONSUMERS); one that still holds entries stays, for another process
 * to claim them from. Best effort: a group or stream that is gone is no matter.
 */
export async function leaveGroup(client: Redis, stream: string, group: string, consumer: string): Promise<void> {
  await client.eval(LEAVE_GROUP, 1, stream, group, consumer).catch(() => undefined);
}

/**
 * Consumers that hold nothing and have not read for this many visibility timeouts are taken for
 * a dead process's (a live one, blocked in a read of a quiet stream, may be idle that long too:
 * see pruneGroup).
 */
const PRUNE_AFTER_VISIBILITY_TIMEOUTS = 10;

/** Remove every consumer but ARGV[3] that holds nothing and has been idle over ARGV[2] ms; checked and removed in one step. */
const PRUNE_GROUP = `local removed = 0
for _, fields in ipairs(redis.call('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])) do
  local c = {}
  for i = 1, #fields, 2 do c[fields[i]] = fields[i + 1] end
  if c['name'] ~= ARGV[3] and tonumber(c['pending']) == 0 and tonumber(c['idle']) > tonumber(ARGV[2]) then
    redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], c['name'])
    removed = removed + 1
  end
end
return removed`;

/**
 * Remove the consumers of `group` that a dead process left: one killed, or stopped with entries
 * still pending, never left (see leaveGroup), and once another process has claimed its entries it
 * would stay listed for ever, one more per crash. Only a consumer that holds nothing and has been
 * idle for long goes: were it alive after all, removing it loses nothing (what it holds is what
 * is pending under it, none), and its next read that gets an entry makes it again. Best effort,
 * as leaveGroup.
 */
export async function pruneGroup(client: Redis, stream: string, group: string, self: string, visibilityTimeoutMs: number): Promise<void> {
  const idleMs = PRUNE_AFTER_VISIBILITY_TIMEOUTS * visibilityTimeoutMs;
  await client.eval(PRUNE_GROUP, 1, stream, group, String(idleMs), self).catch(() => undefined);
}
