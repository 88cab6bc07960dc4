import type { ActionContext } from '../rpc/context';
import type { ActionHandler } from '../rpc/dispatcher';
import type { Logger } from '../support/logger';
import type { HandlerPool, PooledCall } from './handler-pool';
import type { ResolvedPooledSpec } from './pooled-spec';
import type { CallWatcher, PooledKind } from './running-call';

export type { PooledKind } from './running-call';

/** A request's scope that knows when the request was taken in (see Accepted). */
interface Arrived {
  readonly arrivedAt: number | undefined;
}

/**
 * One request's call of a pooled action: its updates go to the request's response, its logs
 * carry the request. A class, not an object literal with two closures: it is made for every
 * pooled request.
 */
class ActionCall implements PooledCall {
  readonly specifier: string;
  readonly loader: string | undefined;
  readonly exportName: string;
  readonly timeoutMs: number;
  readonly arrivedAt: number | undefined;
  readonly action: string;
  readonly kind: PooledKind;
  readonly requestId: string | undefined;
  readonly payload: Record<string, unknown>;
  readonly watcher: CallWatcher | undefined;
  readonly owner: object;
  readonly #context: ActionContext;

  constructor(spec: ResolvedPooledSpec, action: string, kind: PooledKind, payload: Record<string, unknown>, context: ActionContext) {
    this.specifier = spec.specifier;
    this.loader = spec.loader;
    this.exportName = spec.exportName;
    this.timeoutMs = spec.timeoutMs;
    this.arrivedAt = (context as Partial<Arrived>).arrivedAt;
    this.action = action;
    this.kind = kind;
    this.requestId = context.request.requestId;
    this.payload = payload;
    // an HTTP route's context is one: its timeout cancels the call, its client leaving drops it
    this.watcher = typeof (context as Partial<CallWatcher>).watchCall === 'function' ? (context as unknown as CallWatcher) : undefined;
    this.#context = context;
    this.owner = context.response;
  }

  onProgress(update: unknown): void {
    void this.#context.response.send(update, { final: false });
  }

  log(): Logger {
    return this.#context.logger;
  }
}

/** An action handler that runs `spec` on the pool: its updates stream to the caller, its logs carry the request. */
export function pooledAction(pool: () => HandlerPool, action: string, spec: ResolvedPooledSpec, kind: PooledKind): ActionHandler {
  return (payload, context) => pool().run(new ActionCall(spec, action, kind, payload, context));
}

/** A background task's run on the pool: no payload, no caller. */
export function pooledTask(pool: () => HandlerPool, name: string, spec: ResolvedPooledSpec, logger: Logger): () => Promise<unknown> {
  const log = logger.child({ task: name }); // its records name it, as a thread's name the thread
  return () =>
    pool().run({ ...spec, action: name, kind: 'task', requestId: undefined, payload: {}, log: () => log, onProgress: () => undefined });
}
