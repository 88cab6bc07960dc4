import { InvalidArgumentError, type Command } from 'commander';

/** The options every verb takes (given before or after the verb). */
export interface GlobalOptions {
  redis: string;
  timeout: number;
  connectTimeout: number;
  /** Files for TLS to Redis: a private certificate authority, and a client certificate and its key (mutual TLS). */
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
  /** Sentinels to ask for the primary named `sentinelName` (see sentinel-options.ts); `redis` then gives its credentials only. */
  sentinel?: string[];
  sentinelName?: string;
  sentinelPassword?: string;
  /** Only the verbs that list them among their own options take these (see {@link VERB_OPTIONS}). */
  json?: boolean;
  token?: string;
  /** Of a replicated service, the one replica to ask (see replica-targets.ts). */
  replica?: string;
}

/**
 * Options of some verbs only, which the program takes too so that they can come before the verb:
 * the program parses them wherever they are, and refuses them for a verb that does not list them.
 */
export const VERB_OPTIONS = ['json', 'token', 'replica'] as const;

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
export const DEFAULT_TIMEOUT_MS = 5_000;
/** Short, so that a wrong address fails in a moment rather than after ioredis's retries. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 2_000;

/** The global options as seen from a verb's command (the program's values win over the verb's). */
export function globalsOf(command: Command): GlobalOptions {
  return command.optsWithGlobals<GlobalOptions>();
}

/** Refuse, as commander refuses an unknown option, a {@link VERB_OPTIONS} given to a verb that does not take it. */
export function refuseOptionsNotTaken(program: Command, verb: Command): void {
  for (const name of VERB_OPTIONS) {
    if (program.getOptionValueSource(name) !== 'cli') continue; // from the environment: only the verbs that take it read it
    if (!verb.options.some((option) => option.attributeName() === name)) {
      verb.error(`error: unknown option '--${name}'`, { code: 'commander.unknownOption', exitCode: 2 });
    }
  }
}

/** The longest delay a Node timer takes (2^31-1 ms, about 24.8 days); a longer one fires at once. */
export const MAX_MS = 2_147_483_647;

/** A commander parser for a whole number of milliseconds (or, `count`, of times) from `min` to {@link MAX_MS}. */
export function wholeNumber(min: number, unit: 'ms' | 'count' = 'ms'): (text: string) => number {
  return (text) => {
    // decimal digits only: Number() would also read "0x10", "1e3" and " 5 "
    const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
    const about = unit === 'ms' ? ' (about 24.8 days)' : '';
    // one message for every way out of range ("1e12" is no whole number in digits, and past the top too)
    if (!Number.isInteger(value) || value < min || value > MAX_MS) {
      throw new InvalidArgumentError(`expected a whole number from ${min} to ${MAX_MS}${about}, in digits, got "${text}".`);
    }
    return value;
  };
}
