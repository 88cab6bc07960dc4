import type { FastifyInstance } from 'fastify';
import type { EndpointObserver } from './endpoint-observer';
import type { ResolvedCors } from './options';
import { answerBesideGet } from './other-methods';

/** What the operations endpoints read from the service. */
export interface OpsEndpoints {
  /** The Prometheus exposition; unset when the app's metrics are off (then `/metrics` is not served). */
  metrics?: () => Promise<{ contentType: string; text: string }>;
  /** Told of every HTTP answer and WebSocket message (the metrics), when set. */
  observer?: EndpointObserver;
  /** The health report; `ready` decides `/readyz`'s status. */
  health: () => { ready: boolean };
}

/** What the app's own routes take (the route table). */
export interface AppRoutes {
  /** Whether a route is written with exactly `path`. */
  routes(path: string): boolean;
  /** The methods the app's routes take on the concrete `path`. */
  takenOn(path: string): ReadonlySet<string>;
}

export const OPS_PATHS = Object.freeze({ metrics: '/metrics', liveness: '/healthz', readiness: '/readyz' });

/**
 * `/healthz`: 200 whenever the main event loop answers (a liveness probe: restart the process
 * when it fails). `/readyz`: 200 when the service is ready, 503 with the reasons otherwise, or
 * once it stops (a readiness probe: send it no traffic). `/metrics`: the Prometheus text. A
 * path the app routes itself is left to the app. Other methods get 405, OPTIONS 204 (or a preflight).
 */
export function mountOps(
  fastify: FastifyInstance,
  ops: OpsEndpoints,
  routes: AppRoutes,
  cors: ResolvedCors | false,
  stopping: () => boolean,
): void {
  const routed = (path: string): boolean => routes.routes(path);
  if (!routed(OPS_PATHS.liveness)) {
    fastify.get(OPS_PATHS.liveness, (_req, reply) => void reply.send({ status: 'alive', pid: process.pid }));
    answerBesideGet(fastify, OPS_PATHS.liveness, routes.takenOn(OPS_PATHS.liveness), cors);
  }
  if (!routed(OPS_PATHS.readiness)) {
    fastify.get(OPS_PATHS.readiness, (_req, reply) => {
      const health = ops.health();
      // a service that stops takes no more traffic, healthy or not
      if (stopping()) void reply.code(503).send({ ...health, ready: false, stopping: true });
      else void reply.code(health.ready ? 200 : 503).send(health);
    });
    answerBesideGet(fastify, OPS_PATHS.readiness, routes.takenOn(OPS_PATHS.readiness), cors);
  }
  const metrics = ops.metrics;
  if (metrics && !routed(OPS_PATHS.metrics)) {
    fastify.get(OPS_PATHS.metrics, async (_req, reply) => {
      const { contentType, text } = await metrics();
      return reply.type(contentType).send(text);
    });
    answerBesideGet(fastify, OPS_PATHS.metrics, routes.takenOn(OPS_PATHS.metrics), cors);
  }
}
