import type { ActionsOf, AnyContract, NameOf, PayloadOf, ResultOf } from '../../shared/contract';
import { checker } from '../../shared/validate';
import { DaebusError, ErrorCodes } from '../../shared/errors';
import type { RouteHandler, RouteOptions } from '../http/route-entry';
import type { SocketData, SocketHandler } from '../http/socket-handler';
import type { PooledSpec } from '../pool/pooled-spec';
import type { ActionHandler } from '../rpc/dispatcher';
import type { ListenHandler } from '../rpc/service-bus';
import type { InlineOrigin } from '../../shared/protocol/thread';
import type { ThreadEntry } from '../supervisor/entry';
import { inlineOrigin } from '../supervisor/inline-origin';
import type { ThreadOptions, ThreadOptionsArg } from '../supervisor/thread-options';
import type { BackgroundFunction } from './background';
import { claimsOf, NameBook } from './names';

/** A hook run once the service has started (`app.onStart`). */
export type StartHook = () => unknown;

/** Options of `app.action(name, handler, options)`; unset ones follow the app's options. */
export interface ActionOptions {
  /** Handlers of this action running at once. Default: the app's `concurrency` (256). */
  concurrency?: number | undefined;
  /** Requests of this action waiting for a free slot; past that a request gets a BUSY error reply. Default: the app's `maxQueued` (1 024). */
  maxQueued?: number | undefined;
}

/** Options of `background(name, intervalSeconds, fn, options)`. */
export interface BackgroundOptions {
  /** Run once at start instead of after the first interval. Default false. */
  immediately?: boolean | undefined;
}

/** One registration, as a blueprint records it and the app applies it. */
export type Registration =
  | { kind: 'action'; name: string; handler: ActionHandler | PooledSpec; options?: ActionOptions }
  | { kind: 'listen'; name: string; handler: ListenHandler }
  // written: where an inline function is, found when a blueprint registers it (its file is not on the app's stack)
  | { kind: 'thread'; name: string; entry: ThreadEntry; options?: ThreadOptions; written?: InlineOrigin }
  | { kind: 'background'; name: string; intervalSeconds: number; run: BackgroundFunction | PooledSpec; options?: BackgroundOptions }
  | { kind: 'onStart'; hook: StartHook }
  | { kind: 'route'; path: string; handler: RouteHandler | PooledSpec; options?: RouteOptions }
  | { kind: 'socket'; name: string; handler: SocketHandler };

/** The arguments of `action(...)` on an app or a blueprint typed by contract `C`. */
export type ActionArgs<C, K extends keyof C> = [name: K, handler: HandlerFor<PayloadOf<C, K>, ResultOf<C, K>>, options?: ActionOptions];

/**
 * What handles an action whose contract gives its payload as `P`: a payload arrives as a JSON
 * object (or `{}` when left out), never as an array or a primitive, which the caller and the
 * service refuse. A contract that says otherwise could never be called: its handler does not compile.
 */
type HandlerFor<P, R> = unknown extends P
  ? ActionHandler<P, R> | PooledSpec
  : [P] extends [readonly unknown[]]
    ? 'An action payload is a JSON object: give this action an object type as its payload in the contract'
    : [P] extends [object | void | undefined]
      ? ActionHandler<P, R> | PooledSpec
      : 'An action payload is a JSON object: give this action an object type as its payload in the contract';

/** The registration `action(...args)` makes. */
export function actionRegistration<C, K extends keyof C & string>(...[name, handler, options]: ActionArgs<C, K>): Registration {
  return { kind: 'action', name, handler: handler as ActionHandler | PooledSpec, ...(options ? { options } : {}) };
}

/**
 * Where a blueprint keeps its registrations for the app, out of its API (no name to complete).
 * Symbol.for: a blueprint made by another copy of the library in the process (a plugin's own
 * install) is read as well.
 */
const REGISTRATIONS = Symbol.for('daebus.blueprint.registrations');

/** What `blueprint` registered, in order: read by `app.registerBlueprint`; INVALID_ARGUMENT for what is no Blueprint. */
export function registrationsOf(blueprint: object): readonly Registration[] {
  const registrations = (blueprint as { [REGISTRATIONS]?: readonly Registration[] } | null)?.[REGISTRATIONS];
  if (Array.isArray(registrations)) return registrations as readonly Registration[];
  throw new DaebusError(ErrorCodes.INVALID_ARGUMENT, 'app.registerBlueprint(blueprint): expected a Blueprint (new Blueprint(name)).');
}

/** Once an app registered them: what the blueprint records later would reach no app (see Blueprint's #add). */
export function sealRegistrations(registrations: readonly Registration[]): void {
  Object.freeze(registrations);
}

/**
 * A group of actions, listeners, threads, background tasks, start hooks, routes and WebSocket
 * handlers, registered on an
 * app in one go with `app.registerBlueprint(bp)` (Daebus's blueprints). Nothing runs until then;
 * every registration is checked when the app applies it.
 */
// `out`: see AnyContract
export class Blueprint<out C extends object = AnyContract> {
  /** The blueprint's name, as error messages about its registrations give it. */
  readonly name: string;
  readonly #registrations: Registration[] = [];
  readonly #names = new NameBook();
  readonly #origin: string;

  constructor(name: string) {
    this.name = checker('new Blueprint(name)').name('name', name);
    this.#origin = `blueprint "${name}"`;
    Object.defineProperty(this, REGISTRATIONS, { value: this.#registrations });
  }

  /** Record an action, as `app.action(name, handler, options)` registers one. */
  action<K extends NameOf<ActionsOf<C>>>(...args: ActionArgs<ActionsOf<C>, K>): this {
    return this.#add(actionRegistration(...args));
  }

  /** Record a listener of `channel`, as `app.listen` registers one. */
  listen(channel: string, handler: ListenHandler): this {
    return this.#add({ kind: 'listen', name: channel, handler });
  }

  /** Record a thread, as `app.thread(name, entry, options)` registers one; reach it with `app.thread(name)` once registered. */
  thread<Data = unknown>(name: string, entry: ThreadEntry<Data>, ...[options]: ThreadOptionsArg<Data>): this {
    const written = typeof entry === 'function' ? inlineOrigin(entry) : undefined;
    return this.#add({ kind: 'thread', name, entry, ...(options ? { options } : {}), ...(written ? { written } : {}) });
  }

  /** Record a background task, as `app.background` registers one; reach it with `app.backgroundTask(name)` once registered. */
  background(name: string, intervalSeconds: number, run: BackgroundFunction | PooledSpec, options?: BackgroundOptions): this {
    return this.#add({ kind: 'background', name, intervalSeconds, run, ...(options ? { options } : {}) });
  }

  /** Record a start hook, as `app.onStart` registers one. */
  onStart(hook: StartHook): this {
    return this.#add({ kind: 'onStart', hook });
  }

  /** Record an HTTP route, as `app.route(path, handler, options)` registers one. */
  route<Path extends string>(path: Path, handler: RouteHandler<Path> | PooledSpec, options?: RouteOptions): this {
    return this.#add({ kind: 'route', path, handler: handler as RouteHandler | PooledSpec, ...(options ? { options } : {}) });
  }

  /** Record a WebSocket handler for messages of `type`, as `app.socket` registers one. */
  socket<D = unknown, T extends string = string>(type: T, handler: SocketHandler<SocketData<T, D>>): this {
    return this.#add({ kind: 'socket', name: type, handler });
  }

  #add(registration: Registration): this {
    if (Object.isFrozen(this.#registrations))
      throw new DaebusError(
        ErrorCodes.INVALID_STATE,
        `The ${this.#origin} is registered on an app already: what it records now would not be registered. Record everything ` +
          'on a blueprint before app.registerBlueprint(blueprint).',
      );
    // a name given twice in one blueprint is refused where it is written
    this.#names.claimAll(claimsOf(registration), this.#origin);
    this.#registrations.push(registration);
    return this;
  }
}
