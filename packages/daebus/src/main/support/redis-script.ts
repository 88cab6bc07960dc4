import type { Redis } from 'ioredis';

/**
 * Define a Lua script on `client` as command `name` and return it, bound. ioredis sends it by
 * its hash (EVALSHA) and the whole script once when the server does not have it yet; one
 * script call does, atomically, the work of a MULTI/EXEC of several commands at a fraction of
 * the client's CPU (ioredis builds a pipeline and parses a reply per command of a transaction).
 */
export function defineScript<F extends (...args: string[]) => Promise<unknown>>(
  client: Redis,
  name: string,
  numberOfKeys: number,
  lua: string,
): F {
  client.defineCommand(name, { numberOfKeys, lua });
  return (client as unknown as Record<string, F>)[name]?.bind(client) as F;
}
