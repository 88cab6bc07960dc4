import { WebSocketClients } from '../shared/socket-api';
import { SharedList, SharedMap, SharedQueue } from '../shared/state-api';
import { checkListMax, checkStructureName } from '../shared/state-checks';
import { DaebusError, ErrorCodes } from '../shared/errors';
import { checker } from '../shared/validate';
import type { MainLink } from './link';
import type { ThreadLogger } from './log';

/**
 * Where a context's logger and calls to the main side go: made up front for a thread, on first
 * use for a pooled call (a small handler often neither logs nor touches shared state).
 */
export interface WorkerChannel {
  readonly log: ThreadLogger;
  readonly link: MainLink;
}

/**
 * What every worker's context offers, a thread's `t` and a pooled handler's `ctx` alike: its
 * logger, the shared structures and broadcasts, all reached over the worker's port.
 */
export class WorkerContext {
  readonly #channel: WorkerChannel;

  constructor(channel: WorkerChannel) {
    this.#channel = channel;
  }

  /** Log records go to the main side's logger, with the thread's name or the request's id attached. */
  get log(): ThreadLogger {
    return this.#channel.log;
  }

  /** The worker's link to the main side (the library's own use). */
  protected get link(): MainLink {
    return this.#channel.link;
  }

  /** The shared map `name`, the same one actions reach with `app.map(name)`. */
  map<V = unknown>(name: string): SharedMap<V> {
    return new SharedMap<V>(checkStructureName('map', name), (call) => this.link.stateCall(call));
  }

  /** The shared queue `name` (`app.queue(name)` on the main side). */
  queue<T = unknown>(name: string): SharedQueue<T> {
    const checked = checkStructureName('queue', name);
    // a function cannot cross to the main side: said plainly, not as a clone failure
    return new SharedQueue<T>(checked, (call) =>
      'predicate' in call ? Promise.reject(predicateHere(checked)) : this.link.stateCall(call),
    );
  }

  /** The shared capped list `name`, keeping its last `max` items (`app.list(name, { max })`). */
  list<T = unknown>(name: string, options: { max?: number | undefined } = {}): SharedList<T> {
    const checked = checkStructureName('list', name);
    checker(`t.list("${checked}")`).knownKeys('options', options, ['max']);
    return new SharedList<T>(checked, (call) => this.link.stateCall(call), checkListMax(checked, options.max));
  }

  /** The service's WebSocket clients (`app.websocket`): send to one, broadcast to all, list, disconnect. */
  get websocket(): WebSocketClients {
    return new WebSocketClients((call) => this.link.socketCall(call));
  }

  /** Publish `payload` (a JSON object) on a channel of the service's transport; resolves with the number of receivers. */
  broadcast(channel: string, payload: object): Promise<number> {
    return this.link.broadcast(channel, payload);
  }
}

function predicateHere(queue: string): DaebusError {
  return new DaebusError(
    ErrorCodes.INVALID_ARGUMENT,
    `queue "${queue}": position(predicate) works on the main side only (a function cannot cross threads); in a thread, ask by the item's id: position(id, key?).`,
  );
}
