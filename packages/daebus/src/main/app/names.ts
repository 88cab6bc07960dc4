import { DaebusError, ErrorCodes } from '../../shared/errors';

/** What an action, thread or background task is called in messages. */
export const KIND_LABEL = {
  action: 'An action',
  thread: 'A thread',
  background: 'A background task',
  listen: 'A listener',
  onStart: 'A start hook',
} as const;

export type NamedKind = 'action' | 'thread' | 'background';

/**
 * The names taken by actions, threads and background tasks, and where each came from ("the
 * app", "blueprint \"x\""), so that a name given twice is refused with both places named.
 */
export class NameBook {
  readonly #origins = new Map<string, string>();

  /** Take every name of `claims`, or none: throws DUPLICATE_NAME at the first one taken already (or twice in `claims`). */
  claimAll(claims: readonly { kind: NamedKind; name: string }[], origin: string): void {
    const taken = new Map<string, string>();
    for (const { kind, name } of claims) {
      const key = `${kind}:${name}`;
      const before = this.#origins.get(key) ?? taken.get(key);
      if (before !== undefined) {
        const places = before === origin ? `already registered by ${origin}` : `registered twice: by ${before} and by ${origin}`;
        throw new DaebusError(ErrorCodes.DUPLICATE_NAME, `${KIND_LABEL[kind]} named "${name}" is ${places}. Give each its own name.`, {
          details: { kind, name },
        });
      }
      taken.set(key, origin);
    }
    for (const [key, from] of taken) this.#origins.set(key, from);
  }
}
