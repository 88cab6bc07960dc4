import { clipped } from '../../shared/clipped';
import { DaebusError, ErrorCodes } from '../../shared/errors';
import { parseMethods, parseRoutePath } from '../http/route-path';

/** What an action, thread or background task is called in messages. */
export const KIND_LABEL = {
  action: 'An action',
  thread: 'A thread',
  background: 'A background task',
  listen: 'A listener',
  onStart: 'A start hook',
  route: 'A route',
  socket: 'A WebSocket handler',
} as const;

export type NamedKind = 'action' | 'thread' | 'background' | 'route' | 'socket';

/** A name to take; `label` is how a message names it when that is not `<kind> named "<name>"`. */
export interface Claim {
  kind: NamedKind;
  name: string;
  label?: string;
}

/**
 * The names a registration takes: its name, or for a route one per method, keyed by the path's
 * shape (`GET /users/<id>` and `GET /users/:user_id` are the same route).
 */
export function claimsOf(r: { kind: string; name?: unknown; path?: unknown; options?: unknown }): Claim[] {
  if (r.kind === 'route') {
    const where = `Route ${clipped(String(r.path))}`;
    const path = parseRoutePath(where, r.path);
    const methods = parseMethods(where, (r.options as { methods?: unknown } | undefined)?.methods);
    return methods.map((m) => ({ kind: 'route', name: `${m} ${path.shape}`, label: `The route ${m} ${clipped(path.written)}` }));
  }
  if (r.kind in KIND_LABEL && r.kind !== 'listen' && r.kind !== 'onStart') return [{ kind: r.kind as NamedKind, name: String(r.name) }];
  return [];
}

/**
 * The names taken by actions, threads, background tasks, routes and socket handlers, and where each came from ("the
 * app", "blueprint \"x\""), so that a name given twice is refused with both places named.
 */
export class NameBook {
  readonly #origins = new Map<string, string>();

  /** Take every name of `claims`, or none: throws DUPLICATE_NAME at the first one taken already (or twice in `claims`). */
  claimAll(claims: readonly Claim[], origin: string): void {
    const taken = new Map<string, string>();
    for (const { kind, name, label } of claims) {
      const key = `${kind}:${name}`;
      const before = this.#origins.get(key) ?? taken.get(key);
      if (before !== undefined) {
        const places = before === origin ? `already registered by ${origin}` : `registered twice: by ${before} and by ${origin}`;
        const what = label ?? `${KIND_LABEL[kind]} named "${name}"`;
        const advice = kind === 'route' ? 'Serve each method of a path once.' : 'Give each its own name.';
        throw new DaebusError(ErrorCodes.DUPLICATE_NAME, `${what} is ${places}. ${advice}`, {
          details: { kind, name },
        });
      }
      taken.set(key, origin);
    }
    for (const [key, from] of taken) this.#origins.set(key, from);
  }
}
