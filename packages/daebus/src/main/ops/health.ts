import type { OpsView } from './ops-view';
import type { RefusedWrite } from '../transport/write-refusals';

/**
 * The service's health, as `daebus.health`, `/readyz` and `daebus health` report it:
 * - `failing`: not started (`starting` while it is on its way up), the transport is down, a
 *   required thread has failed, (a replica) its last read of the request stream failed: its
 *   durable requests reach it no more, or Redis refused the last of a kind of write the service
 *   needs (its replies to its callers, a replica's heartbeats, lease, intake or confirmations: `refused`);
 * - `degraded`: a thread is stalled or restarting (crashed, waiting out its backoff), an
 *   optional thread has failed, or Redis refuses a replica's upkeep or renewals, or replies to
 *   channels other than the callers' while it takes others;
 * - `ok` otherwise. `ready` is true only when `ok`, or `degraded` by optional threads alone (one
 *   that failed or restarts): a required thread restarting is not ready until it runs again. A
 *   service that stops is not ready either (`stopping`).
 */
export interface Health {
  /** `ok`, `degraded` or `failing`, as above. */
  status: 'ok' | 'degraded' | 'failing';
  /** True when `status` is not `failing`, no thread is stalled and no required thread is restarting. */
  ready: boolean;
  /** Present while the service starts: it answers, but its threads, server or start hooks are not all up yet. */
  starting?: true;
  /** Present while the service stops: it finishes what it took, and is not ready for more. */
  stopping?: true;
  /** Whether the transport can send and receive now (and its server answers), and its description. */
  transport: { connected: boolean; description?: string };
  /** `restarting`: threads that crashed and wait out their backoff (absent from services before it was added). */
  threads: { failed: string[]; stalled: string[]; restarting?: string[] };
  /** A replica only: whether it reads its service's request stream; `error` is why its last read failed. */
  requests?: { reading: boolean; error?: string };
  /**
   * The kinds of write Redis refused at their last try (a missing permission, a full memory under
   * `noeviction`), each until one of its kind succeeds, or a minute passes with none tried; absent when none.
   */
  refused?: RefusedWrite[];
}

export function healthOf(view: OpsView): Health {
  const transport = view.transport();
  const failed: string[] = [];
  const stalled: string[] = [];
  const restarting: string[] = [];
  let requiredFailed = false;
  let requiredRestarting = false;
  for (const thread of view.threads()) {
    if (thread.state === 'backoff') {
      restarting.push(thread.name);
      if (!view.threadOptional(thread.name)) requiredRestarting = true;
    }
    if (thread.state === 'failed') {
      failed.push(thread.name);
      if (!view.threadOptional(thread.name)) requiredFailed = true;
    }
    if (thread.stalledForMs !== undefined) stalled.push(thread.name);
  }
  const connected = transport?.connected ?? false;
  const requests = view.requestReads?.();
  // it answers before it has started (the transport comes up first), and a start can still fail
  const starting = view.startedAt === undefined;
  const stopping = view.stopping();
  const refused = transport?.refused ?? [];
  const status =
    starting || !connected || requiredFailed || requests?.reading === false || refused.some(({ failing }) => failing)
      ? 'failing'
      : failed.length > 0 || stalled.length > 0 || restarting.length > 0 || refused.length > 0
        ? 'degraded'
        : 'ok';
  return {
    status,
    ready: status !== 'failing' && stalled.length === 0 && !requiredRestarting && !stopping,
    ...(starting ? { starting: true as const } : {}),
    ...(stopping ? { stopping: true as const } : {}),
    transport: { connected, ...(transport ? { description: transport.description } : {}) },
    threads: { failed, stalled, restarting },
    ...(requests ? { requests } : {}),
    ...(refused.length > 0 ? { refused: refused.map(({ failing: _failing, ...shown }) => shown) } : {}),
  };
}
