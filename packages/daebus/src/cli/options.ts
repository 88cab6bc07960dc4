import { InvalidArgumentError, type Command } from 'commander';

/** The options every verb takes (given before or after the verb). */
export interface GlobalOptions {
  redis: string;
  timeout: number;
  connectTimeout: number;
}

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
export const DEFAULT_TIMEOUT_MS = 5_000;
/** Short, so that a wrong address fails in a moment rather than after ioredis's retries. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 2_000;

/** The global options as seen from a verb's command. */
export function globalsOf(command: Command): GlobalOptions {
  return command.optsWithGlobals<GlobalOptions>();
}

/** A commander parser for a whole number of milliseconds (or a count) of at least `min`. */
export function wholeNumber(min: number): (text: string) => number {
  return (text) => {
    const value = Number(text);
    if (!Number.isInteger(value) || value < min) throw new InvalidArgumentError(`expected a whole number >= ${min}, got "${text}".`);
    return value;
  };
}
