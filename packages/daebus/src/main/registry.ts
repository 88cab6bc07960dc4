import { DaebusError, ErrorCodes } from '../shared/errors';
import type { ActionContext } from './actions/context';
import type { ActionHandler } from './actions/dispatcher';
import { BackgroundTask } from './background';
import { KIND_LABEL, type Registration, type StartHook } from './blueprint';
import type { ListenHandler } from './bus';
import { toEntrySpec } from './entry';
import type { Logger } from './logger';
import { resolveThreadOptions } from './options';
import type { HandlerPool } from './pool/handler-pool';
import { isPooledSpec, resolvePooledSpec, type ResolvedPooledSpec } from './pool/pooled-spec';
import type { Supervisor } from './supervisor';
import type { ThreadRunner } from './thread-runner';

/** What applying a registration touches. */
export interface RegistryHost {
  logger: Logger;
  supervisor: Supervisor;
  pool: () => HandlerPool;
  /** A thread was registered (the app makes its handle). */
  onThread(runner: ThreadRunner): void;
  /** A listener channel was added (the app subscribes it when running). */
  onListen(channel: string): void;
  /** A background task was added (the app starts it when running). */
  onBackground(task: BackgroundTask, immediately: boolean): void;
}

/**
 * Everything an app has registered, and where each name came from ("the app", "blueprint
 * \"x\""), so that a name registered twice is refused with both places named. A registration is
 * checked whole before anything of it is applied.
 */
export class Registry {
  readonly actions = new Map<string, ActionHandler>();
  readonly listeners = new Map<string, ListenHandler[]>();
  readonly background = new Map<string, { task: BackgroundTask; immediately: boolean }>();
  readonly hooks: { name: string; hook: StartHook }[] = [];
  /** Something registered runs on the pool: the app starts it with the service. */
  usesPool = false;
  readonly #origins = new Map<string, string>();
  readonly #host: RegistryHost;

  constructor(host: RegistryHost) {
    this.#host = host;
  }

  /** Register everything in `registrations` from `origin`, or nothing if any of it is refused. */
  apply(registrations: readonly Registration[], origin: string): void {
    const appliers = registrations.map((registration) => this.#prepare(registration, origin));
    for (const applyOne of appliers) applyOne();
  }

  #prepare(registration: Registration, origin: string): () => void {
    const { kind, name } = registration;
    if (typeof name !== 'string' || name.length === 0) {
      throw new DaebusError(ErrorCodes.INVALID_OPTION, `${KIND_LABEL[kind]} needs a name: a non-empty string (got ${String(name)}).`);
    }
    const claim = this.#claim(kind, name, origin);
    switch (registration.kind) {
      case 'action': {
        const handler = this.#actionHandler(name, registration.handler);
        return () => {
          claim();
          this.actions.set(name, handler);
        };
      }
      case 'listen': {
        requireFunction(registration.handler, `listen("${name}", handler): handler`);
        return () => {
          const handlers = this.listeners.get(name) ?? [];
          handlers.push(registration.handler);
          this.listeners.set(name, handlers);
          this.#host.onListen(name);
        };
      }
      case 'thread': {
        const options = resolveThreadOptions(name, registration.options);
        const spec = toEntrySpec(name, registration.entry);
        return () => {
          claim();
          this.#host.onThread(this.#host.supervisor.register(name, spec, options));
        };
      }
      case 'background': {
        const run = registration.run;
        const where = `Background task "${name}"`;
        const pooled = isPooledSpec(run) ? resolvePooledSpec(where, run) : undefined;
        if (!pooled) requireFunction(run, `${where}: the task`);
        else this.usesPool = true;
        const fn = pooled ? () => this.#runPooled(name, pooled, {}) : (run as () => unknown);
        const task = new BackgroundTask(name, registration.intervalSeconds, fn, this.#host.logger);
        const immediately = registration.options?.immediately === true;
        return () => {
          claim();
          this.background.set(name, { task, immediately });
          this.#host.onBackground(task, immediately);
        };
      }
      case 'onStart':
        requireFunction(registration.hook, 'onStart(hook): hook');
        return () => this.hooks.push({ name, hook: registration.hook });
    }
  }

  /** Check that `name` is free for `kind`; returns the step that takes it. */
  #claim(kind: Registration['kind'], name: string, origin: string): () => void {
    if (kind === 'listen' || kind === 'onStart') return () => undefined;
    const key = `${kind}:${name}`;
    const taken = this.#origins.get(key);
    if (taken !== undefined) {
      const places = taken === origin ? `already registered by ${origin}` : `registered twice: by ${taken} and by ${origin}`;
      throw new DaebusError(ErrorCodes.DUPLICATE_NAME, `${KIND_LABEL[kind]} named "${name}" is ${places}. Give each its own name.`);
    }
    return () => this.#origins.set(key, origin);
  }

  #actionHandler(name: string, handler: unknown): ActionHandler {
    if (typeof handler === 'function') return handler as ActionHandler;
    if (isPooledSpec(handler)) {
      const pooled = resolvePooledSpec(`Action "${name}"`, handler);
      this.usesPool = true;
      return (payload, context) => this.#runPooled(name, pooled, payload, context);
    }
    throw new DaebusError(
      ErrorCodes.INVALID_OPTION,
      `Action "${name}": the handler must be a function, or { module } for a handler that runs on the pool.`,
    );
  }

  #runPooled(action: string, spec: ResolvedPooledSpec, payload: Record<string, unknown>, context?: ActionContext): Promise<unknown> {
    return this.#host.pool().run({
      ...spec,
      action,
      requestId: context?.request.requestId,
      payload,
      log: () => context?.logger ?? this.#host.logger,
      onProgress: (update) => void context?.response.send(update, { final: false }),
    });
  }
}

function requireFunction(value: unknown, what: string): void {
  if (typeof value !== 'function') throw new DaebusError(ErrorCodes.INVALID_OPTION, `${what} must be a function.`);
}
