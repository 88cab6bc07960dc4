import { Bulkhead } from '../rpc/bulkhead';
import { adminActions } from '../ops/admin';
import { healthOf } from '../ops/health';
import { ServiceMetrics } from '../ops/metrics';
import { BuiltinActions, ownActions } from '../../shared/protocol/builtin-actions';
import { introspectionActions } from '../ops/introspection';
import type { OpsView } from '../ops/ops-view';
import type { ThreadEvents } from '../supervisor/events';
import type { TypedEmitter } from '../support/typed-emitter';
import type { ResolvedAppOptions } from './options';
import { listReplicas } from '../replicas/presence';
import { requestReads } from '../replicas/read-health';
import { findTask } from './background';
import type { Runtime } from './runtime';

/**
 * Built-in actions get limits of their own, so that a service whose actions are all busy still
 * answers `daebus.health` and `daebus.threads`; the admin actions have theirs apart, since a
 * thread stop may wait seconds for the thread to wind down and must not hold up a health check.
 */
const BUILTIN_CONCURRENCY = 8;
const BUILTIN_MAX_QUEUED = 64;

/** What the service knows of itself, read from its runtime. */
export function opsView(runtime: Runtime, app: string): OpsView {
  const { supervisor } = runtime;
  return {
    app,
    get service() {
      return runtime.service;
    },
    get startedAt() {
      return runtime.status().startedAt;
    },
    get uptimeMs() {
      return runtime.status().uptimeMs;
    },
    transport: () => runtime.status().transport,
    stopping: () => runtime.status().stopping,
    actions: () => ownActions(runtime.actions.keys()),
    actionLoad: () =>
      ownActions(runtime.actions.keys()).map((name) => {
        const { bulkhead } = runtime.actions.get(name) as { bulkhead: Bulkhead };
        return { name, running: bulkhead.running, queued: bulkhead.queued };
      }),
    listeners: () => [...runtime.listeners.keys()],
    threads: () => Object.values(supervisor.snapshots()),
    threadOptional: (name) => supervisor.get(name).options.optional,
    tasks: () => [...runtime.tasks.values()].map(({ task }) => task.info()),
    queues: () => runtime.store.queueDepths(),
    socketClients: () => runtime.http.hub.count,
    pool: () => runtime.status().pool,
    replicaId: () => runtime.replicaId,
    http: () => {
      const { url, websocketUrl } = runtime.http.endpoints;
      return url === undefined && websocketUrl === undefined ? undefined : { url, websocketUrl, routes: runtime.http.routes.size };
    },
    requestReads: () => requestReads(runtime.replicaId),
    replicas: async () => (runtime.replicaId === undefined ? [] : listReplicas(runtime.cache(), runtime.service)),
    startThread: async (name) => {
      await runtime.startThread(name);
      return supervisor.get(name).snapshot();
    },
    stopThread: (name) => supervisor.get(name).stop(),
    stopsAsked: (name) => supervisor.get(name).stopsAsked,
    snapshot: (name) => supervisor.get(name).snapshot(),
    pauseTask: (name, paused) => {
      const task = findTask(runtime.tasks, name);
      if (paused) task.pause();
      else task.resume();
      return task.info();
    },
  };
}

/**
 * Give the app what an operator sees from outside: the built-in actions (`daebus.*`), the
 * metrics (when on) fed by the dispatcher and the thread events, and the HTTP server's
 * `/healthz`, `/readyz` and `/metrics`. Returns the metrics, if on.
 */
export function installOps(
  runtime: Runtime,
  events: Pick<TypedEmitter<ThreadEvents>, 'on'>,
  app: string,
  options: Pick<ResolvedAppOptions, 'admin' | 'metrics'>,
): ServiceMetrics | undefined {
  const view = opsView(runtime, app);
  // the probes (ping, health) have slots of their own: a flood of the other built-in requests
  // (anyone on the Redis server can send them) must not make a health check answer BUSY
  const introspection = new Bulkhead(BUILTIN_CONCURRENCY, BUILTIN_MAX_QUEUED);
  const probes = new Bulkhead(BUILTIN_CONCURRENCY, BUILTIN_MAX_QUEUED);
  for (const [name, handler] of introspectionActions(view, options.admin.enabled)) {
    const probe = name === BuiltinActions.ping || name === BuiltinActions.health;
    runtime.actions.set(name, { handler, bulkhead: probe ? probes : introspection });
  }
  const admin = new Bulkhead(BUILTIN_CONCURRENCY, BUILTIN_MAX_QUEUED);
  for (const [name, handler] of adminActions(view, options.admin)) runtime.actions.set(name, { handler, bulkhead: admin });
  const metrics = options.metrics ? new ServiceMetrics(view) : undefined;
  if (metrics) {
    runtime.observer = metrics;
    events.on('restart', ({ name }) => metrics.threadRestarted(name));
    events.on('stalled', ({ name }) => metrics.threadStalled(name));
  }
  runtime.http.ops = {
    health: () => healthOf(view),
    ...(metrics ? { metrics: () => metrics.scrape(), observer: metrics.endpoints } : {}),
  };
  return metrics;
}
