import type { Redis } from 'ioredis';
import type { Logger } from '../support/logger';

/**
 * Said once when a service's Redis may evict the keys it must keep (`maxmemory-policy
 * allkeys-*`): at a replicated service's start, or at the first use of a service-wide structure
 * by one that is not replicated. Once full, Redis then drops durable requests, the request
 * stream's consumer group and service-wide state, and nothing says so as it happens. Nothing is
 * said when INFO is refused or the policy keeps them.
 */
export async function warnOfEviction(client: Redis, where: string, log: Logger, replicated = true): Promise<void> {
  let policy: string | undefined;
  try {
    policy = /^maxmemory_policy:(\S+)/m.exec(String(await client.info('memory')))?.[1];
  } catch {
    return;
  }
  if (policy === undefined || !policy.startsWith('allkeys-')) return;
  const keys = replicated
    ? 'the keys of this replicated service (durable requests, their consumer group, service-wide state)'
    : "this service's service-wide state (map entries, list and queue items)";
  log.warn(
    `Redis at ${where} has maxmemory-policy ${policy}: once full, it evicts ${keys} without a word. Use noeviction or a ` +
      'volatile-* policy (see the package\'s docs/operations.md, "Memory policy").',
  );
}
