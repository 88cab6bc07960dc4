import { DaebusError, ErrorCodes } from '../../shared/errors';
import { MemoryTransport } from './memory';
import { RedisTransport, type RedisConfig } from './redis';
import { checkRedisUrl } from './redis-options-check';
import type { Transport, TransportBehaviour } from './transport';

/** `'memory'` (in-process), `'redis'` (see {@link TransportChoice.redis}), or a Transport object. */
export type TransportOption = 'memory' | 'redis' | Transport;

/** Which transport to use: `transport`, or `redis`; without either, `REDIS_URL` from the environment means Redis, else memory. */
export interface TransportChoice {
  /** `'memory'`, `'redis'` or a Transport object; it wins over `redis` and `REDIS_URL`. */
  transport?: TransportOption | undefined;
  /** A Redis URL or ioredis options; implies the Redis transport. */
  redis?: RedisConfig | undefined;
}

/**
 * Pick the transport: an explicit `transport` wins; a `redis` option, or else a `REDIS_URL`
 * in the environment, means Redis; otherwise the embedded memory transport.
 */
export function resolveTransport(choice: TransportChoice = {}, behaviour: TransportBehaviour = {}): Transport {
  const { transport, redis } = choice;
  if (transport !== undefined && transport !== 'memory' && transport !== 'redis' && !isTransport(transport)) {
    throw new DaebusError(
      ErrorCodes.INVALID_OPTION,
      `transport must be 'memory', 'redis' or a Transport object (got ${String(transport)}).`,
    );
  }
  if (redis !== undefined && (redis === null || (typeof redis !== 'string' && typeof redis !== 'object'))) {
    throw new DaebusError(ErrorCodes.INVALID_OPTION, `redis must be a URL string or ioredis options (got ${String(redis)}).`);
  }
  // a client's options would be read as ioredis options: all defaults, localhost:6379, without a word
  if (typeof redis === 'object' && typeof (redis as { duplicate?: unknown }).duplicate === 'function') {
    throw new DaebusError(
      ErrorCodes.INVALID_OPTION,
      'redis takes a URL or ioredis options, not a client: daebus makes connections of its own (give it client.options).',
    );
  }
  if (isTransport(transport)) return transport;
  if (transport === 'memory') return new MemoryTransport();
  const url = process.env.REDIS_URL;
  // a blank REDIS_URL is unset, as an empty one is (and as the CLI reads it)
  if (transport === 'redis' || redis !== undefined || (url !== undefined && url.trim() !== '')) {
    const config = redis ?? (url?.trim() || 'redis://127.0.0.1:6379');
    if (typeof config === 'string') checkRedisUrl(config, redis === undefined ? 'REDIS_URL' : 'the redis option');
    return new RedisTransport(config, behaviour);
  }
  return new MemoryTransport();
}

function isTransport(value: unknown): value is Transport {
  const t = value as Partial<Transport> | null;
  return (
    t !== null &&
    typeof t === 'object' &&
    typeof t.connect === 'function' &&
    typeof t.subscribe === 'function' &&
    typeof t.unsubscribe === 'function' &&
    typeof t.publish === 'function' &&
    typeof t.close === 'function'
  );
}
