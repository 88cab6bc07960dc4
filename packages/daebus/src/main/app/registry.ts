import { handlerConstraint } from '../../shared/definition-brands';
import { DaebusError, ErrorCodes } from '../../shared/errors';
import { checker } from '../../shared/validate';
import type { ThreadEntrySpec } from '../../shared/protocol/thread';
import { prepareRoute, type PreparedRoute } from '../http/route-entry';
import type { SocketHandler } from '../http/socket-handler';
import { isReserved, RESERVED_PREFIX } from '../../shared/protocol/builtin-actions';
import { isPooledSpec, resolvePooledSpec, type ResolvedPooledSpec } from '../pool/pooled-spec';
import type { ActionHandler } from '../rpc/dispatcher';
import type { ListenHandler } from '../rpc/service-bus';
import { toEntrySpec } from '../supervisor/entry';
import { resolveThreadOptions, type ResolvedThreadOptions } from '../supervisor/thread-options';
import { checkInterval, type BackgroundFunction } from './background';
import { registrationsOf, sealRegistrations, type Blueprint, type Registration, type StartHook } from './blueprint';
import { claimsOf, NameBook } from './names';

/** A registration after its checks: what the app applies. */
export type Prepared =
  | { kind: 'action'; name: string; run: ActionHandler | ResolvedPooledSpec; limits: { concurrency?: number; maxQueued?: number } }
  | { kind: 'listen'; name: string; handler: ListenHandler }
  | { kind: 'thread'; name: string; entry: ThreadEntrySpec; options: ResolvedThreadOptions }
  | { kind: 'background'; name: string; intervalSeconds: number; run: BackgroundFunction | ResolvedPooledSpec; immediately: boolean }
  | { kind: 'onStart'; name: string; hook: StartHook }
  | { kind: 'route'; route: PreparedRoute }
  | { kind: 'socket'; name: string; handler: SocketHandler };

export function isPooled(run: unknown): run is ResolvedPooledSpec {
  return typeof run === 'object' && run !== null && 'specifier' in run;
}

/**
 * The checks of everything registered on an app, and the names taken. A batch (one call, or
 * one blueprint) is checked whole before anything of it is taken: a refused batch leaves no trace.
 */
export class Registry {
  readonly #names = new NameBook();
  readonly #blueprints = new Set<string>();
  #hooks = 0;

  /**
   * A blueprint's registrations, checked as one batch; then what it records later is refused (it
   * was dropped without a word), and another blueprint of its name too (two of one name made the
   * DUPLICATE_NAME messages that name it point at either).
   */
  prepareBlueprint(blueprint: Blueprint<object>): Prepared[] {
    const registrations = registrationsOf(blueprint);
    if (this.#blueprints.has(blueprint.name))
      throw new DaebusError(
        ErrorCodes.DUPLICATE_NAME,
        `A blueprint named "${blueprint.name}" is registered on this app already: a blueprint registers once. Give each blueprint its own name.`,
        { details: { kind: 'blueprint', name: blueprint.name } },
      );
    const prepared = this.prepare(registrations, `blueprint "${blueprint.name}"`);
    this.#blueprints.add(blueprint.name);
    sealRegistrations(registrations);
    return prepared;
  }

  prepare(registrations: readonly Registration[], origin: string): Prepared[] {
    const prepared = registrations.map((r) => this.#check(r));
    this.#names.claimAll(registrations.flatMap(claimsOf), origin);
    for (const p of prepared) if (p.kind === 'onStart' && p.name === '') p.name = `hook ${++this.#hooks}`;
    return prepared;
  }

  #check(registration: Registration): Prepared {
    if (registration.kind === 'onStart') {
      const hook = checker('onStart(hook)').fn('hook', registration.hook);
      return { kind: 'onStart', name: hook.name, hook };
    }
    if (registration.kind === 'route')
      return { kind: 'route', route: prepareRoute(registration.path, registration.handler, registration.options) };
    const what = registration.kind === 'listen' ? 'channel' : registration.kind === 'socket' ? 'type' : 'name';
    const name = checker(`${registration.kind}(${what})`).name(what, registration.name);
    switch (registration.kind) {
      case 'action': {
        const where = `Action "${name}"`;
        if (isReserved(name)) {
          throw new DaebusError(
            ErrorCodes.RESERVED_NAME,
            `${where}: names starting with "${RESERVED_PREFIX}" are reserved for the actions every service answers by itself (daebus.info, daebus.threads, ...). Choose another name.`,
            { details: { kind: 'action', name } },
          );
        }
        const { handler, options = {} } = registration;
        const check = checker(where);
        check.knownKeys('options', check.plainObject('options', options), ['concurrency', 'maxQueued']);
        const limits = {
          ...(options.concurrency === undefined ? {} : { concurrency: check.count('options.concurrency', options.concurrency, 1) }),
          ...(options.maxQueued === undefined ? {} : { maxQueued: check.count('options.maxQueued', options.maxQueued, 0) }),
        };
        if (isPooledSpec(handler)) return { kind: 'action', name, run: resolvePooledSpec(where, handler), limits };
        if (typeof handler !== 'function') check.fail('handler', handlerConstraint(handler), handler);
        return { kind: 'action', name, run: handler, limits };
      }
      case 'listen':
        return { kind: 'listen', name, handler: checker(`listen("${name}")`).fn('handler', registration.handler) };
      case 'socket':
        return { kind: 'socket', name, handler: checker(`socket("${name}")`).fn('handler', registration.handler) };
      case 'thread':
        return {
          kind: 'thread',
          name,
          options: resolveThreadOptions(name, registration.options),
          entry: toEntrySpec(name, registration.entry, registration.written),
        };
      case 'background': {
        const where = `Background task "${name}"`;
        const { run } = registration;
        return {
          kind: 'background',
          name,
          intervalSeconds: checkInterval(name, registration.intervalSeconds),
          run: isPooledSpec(run) ? resolvePooledSpec(where, run) : checker(where).fn('the task', run),
          immediately: backgroundImmediately(where, registration.options),
        };
      }
    }
  }
}

/** `options.immediately` of a background task; a typo (`immediate`) is refused, not ignored. */
function backgroundImmediately(where: string, options: { immediately?: boolean } | undefined): boolean {
  if (options === undefined) return false;
  const check = checker(where);
  check.knownKeys('options', check.plainObject('options', options), ['immediately']);
  if (options.immediately !== undefined) check.flag('options.immediately', options.immediately);
  return options.immediately === true;
}
