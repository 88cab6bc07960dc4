import { DaebusError, ErrorCodes, toPlainError } from '../../shared/errors';

/**
 * A start that Redis refused, as the service's error: Redis's own text names a command, a key or
 * a channel, not what the service was doing, and for a refused permission says nothing of which
 * ones a service needs (a restricted Redis user's start failed with a bare NOPERM ReplyError).
 * `what`: `service "x"`, or `a replica of service "x"`.
 */
export function redisStartError(err: unknown, what: string): unknown {
  if (err instanceof DaebusError) return err;
  const { message } = toPlainError(err);
  return new DaebusError(
    ErrorCodes.TRANSPORT_ERROR,
    `Could not start ${what} on Redis: ${message.replace(/\.$/, '')}.${refusalAdvice(message)}`,
    {
      cause: err,
    },
  );
}

/** What to do about Redis's error reply `message` (with a leading space), where its kind says: '' otherwise. */
export function refusalAdvice(message: string): string {
  // inside a script, Redis 7.0 says a refused permission in words of its own, not NOPERM
  if (message.startsWith('NOPERM') || message.includes("can't run this command")) {
    return ' The Redis user lacks a permission that the service needs: the package\'s docs/operations.md ("Redis permissions") lists the commands, keys and channels.';
  }
  if (message.startsWith('OOM')) {
    return ' Redis is full (maxmemory) and its policy refuses writes: free memory, raise maxmemory, or see the package\'s docs/operations.md ("Memory policy").';
  }
  if (message.startsWith('READONLY')) return ' The server is a read-only replica: give the service the primary.';
  if (message.startsWith('WRONGPASS')) return ' The Redis user was removed or disabled, or its password changed.';
  if (message.startsWith('BUSY'))
    return ' A script runs on Redis past its time limit: Redis answers once it ends (or SCRIPT KILL ends it).';
  return '';
}

/** Whether `err` is an error reply of Redis's (ioredis's ReplyError): a refusal, not a connection lost. */
export function isRedisReply(err: unknown): boolean {
  return err instanceof Error && err.name === 'ReplyError';
}
