import { DaebusError, ErrorCodes } from '../shared/errors';
import type { ActionHandler } from './actions/dispatcher';
import type { BackgroundFunction } from './background';
import type { ListenHandler } from './bus';
import type { ThreadEntry } from './entry';
import type { ThreadOptions } from './options';
import type { PooledSpec } from './pool/pooled-spec';

/** A hook run once the service has started (`app.onStart`). */
export type StartHook = () => unknown;

export interface BackgroundOptions {
  /** Run once at start instead of after the first interval. Default false. */
  immediately?: boolean;
}

/** One registration, as a blueprint records it and the app applies it. */
export type Registration =
  | { kind: 'action'; name: string; handler: ActionHandler | PooledSpec }
  | { kind: 'listen'; name: string; handler: ListenHandler }
  | { kind: 'thread'; name: string; entry: ThreadEntry; options?: ThreadOptions }
  | { kind: 'background'; name: string; intervalSeconds: number; run: BackgroundFunction | PooledSpec; options?: BackgroundOptions }
  | { kind: 'onStart'; name: string; hook: StartHook };

/** What an action, thread or background task is called in messages. */
export const KIND_LABEL = {
  action: 'An action',
  thread: 'A thread',
  background: 'A background task',
  listen: 'A listener',
  onStart: 'A start hook',
} as const;

/**
 * A group of actions, listeners, threads, background tasks and start hooks, registered on an
 * app in one go with `app.registerBlueprint(bp)` (Daebus's blueprints). Nothing runs until then.
 */
export class Blueprint {
  readonly name: string;
  readonly #registrations: Registration[] = [];

  constructor(name: string) {
    if (typeof name !== 'string' || name.length === 0) {
      throw new DaebusError(ErrorCodes.INVALID_OPTION, `new Blueprint(name): name must be a non-empty string (got ${String(name)}).`);
    }
    this.name = name;
  }

  /** What was registered, in order (read by `app.registerBlueprint`). */
  get registrations(): readonly Registration[] {
    return this.#registrations;
  }

  action(name: string, handler: ActionHandler | PooledSpec): this {
    return this.#add({ kind: 'action', name, handler });
  }

  listen(channel: string, handler: ListenHandler): this {
    return this.#add({ kind: 'listen', name: channel, handler });
  }

  thread(name: string, entry: ThreadEntry, options?: ThreadOptions): this {
    return this.#add({ kind: 'thread', name, entry, ...(options ? { options } : {}) });
  }

  background(name: string, intervalSeconds: number, run: BackgroundFunction | PooledSpec, options?: BackgroundOptions): this {
    return this.#add({ kind: 'background', name, intervalSeconds, run, ...(options ? { options } : {}) });
  }

  onStart(hook: StartHook): this {
    return this.#add({ kind: 'onStart', name: hook?.name || `hook ${this.#registrations.length + 1}`, hook });
  }

  #add(registration: Registration): this {
    const named = registration.kind === 'action' || registration.kind === 'thread' || registration.kind === 'background';
    if (named && this.#registrations.some((r) => r.kind === registration.kind && r.name === registration.name)) {
      throw new DaebusError(
        ErrorCodes.DUPLICATE_NAME,
        `${KIND_LABEL[registration.kind]} named "${registration.name}" is registered twice in blueprint "${this.name}".`,
      );
    }
    this.#registrations.push(registration);
    return this;
  }
}
