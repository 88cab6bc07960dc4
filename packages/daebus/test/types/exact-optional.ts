// Type test compiled with exactOptionalPropertyTypes on (tsconfig.exact.json): a wrapper that
// forwards an optional value, possibly undefined, to any option the runtime takes as absent.
import {
  Blueprint,
  Daebus,
  DaebusCaller,
  createLogger,
  formatThreadTable,
  type ActionOptions,
  type BackgroundOptions,
  type CallerOptions,
  type CorsOptions,
  type DaebusOptions,
  type HttpOptions,
  type LogLevel,
  type PooledSpec,
  type ReplicaOptions,
  type AdminPayload,
  type TransportBehaviour,
  RedisTransport,
  type RequestOptions,
  type RouteOptions,
  type RunOptions,
  type SendOptions,
  type StartOptions,
  type StopOptions,
  type StructureOptions,
  type ThreadOptions,
  type ThreadTableOptions,
  type WebSocketOptions,
} from 'daebus';
import type { LogLevel as ThreadLogLevel } from 'daebus/thread';

// the types users touch are exported (ThreadLogger.log's level, from either entry)
export const levels: [LogLevel, ThreadLogLevel] = ['info', 'warn'];

/** Every key of `T` set to undefined: must be assignable to `T` itself. */
type AllUndefined<T> = { [K in keyof T]-?: undefined };
const u = undefined;

export const options: [
  CallerOptions,
  RequestOptions,
  ThreadOptions,
  DaebusOptions,
  StartOptions,
  RunOptions,
  StopOptions,
  ActionOptions,
  BackgroundOptions,
  StructureOptions,
  RouteOptions,
  HttpOptions,
  WebSocketOptions,
  CorsOptions,
  ThreadTableOptions,
  SendOptions,
  Omit<PooledSpec, 'module'>,
  ReplicaOptions,
  Omit<AdminPayload, 'name'>,
  TransportBehaviour,
] = [
  {} as AllUndefined<CallerOptions>,
  {} as AllUndefined<RequestOptions>,
  {} as AllUndefined<ThreadOptions>,
  {} as AllUndefined<DaebusOptions>,
  {} as AllUndefined<StartOptions>,
  {} as AllUndefined<RunOptions>,
  {} as AllUndefined<StopOptions>,
  {} as AllUndefined<ActionOptions>,
  {} as AllUndefined<BackgroundOptions>,
  {} as AllUndefined<StructureOptions>,
  {} as AllUndefined<RouteOptions>,
  {} as AllUndefined<HttpOptions>,
  {} as AllUndefined<WebSocketOptions>,
  {} as AllUndefined<CorsOptions>,
  {} as AllUndefined<ThreadTableOptions>,
  {} as AllUndefined<SendOptions>,
  {} as AllUndefined<Omit<PooledSpec, 'module'>>,
  {} as AllUndefined<ReplicaOptions>,
  {} as AllUndefined<Omit<AdminPayload, 'name'>>,
  {} as AllUndefined<TransportBehaviour>,
];

// the forwarding the report was about, written out at each call site
export function wrapper(timeoutMs?: number, redis?: string, restarts?: number, max?: number, level?: string): void {
  const caller = new DaebusCaller('svc', { timeoutMs, redis, offline: u, durable: u, transport: u });
  void caller.sendRequest('a', {}, { timeoutMs, onProgress: u });
  const app = new Daebus('svc', { maxWorkers: restarts, logger: u, random: u, admin: u, metrics: u });
  const handle = app.thread('t', async () => {}, { maxRestarts: restarts, stallTimeoutMs: timeoutMs, env: u, execArgv: u });
  void handle.request('ping', {}, { timeoutMs });
  app.action('a', () => ({}), { concurrency: max, maxQueued: u });
  app.action('p', { module: 'p.js', export: u, timeoutMs });
  app.background('b', 5, () => {}, { immediately: u });
  app.route('/r', () => ({}), { methods: u, timeoutMs });
  app.map('m', { scope: u });
  app.queue('q', { scope: u });
  app.list('l', { scope: u, max });
  void app.start({
    service: u,
    connectTimeoutMs: timeoutMs,
    http: { port: max, cors: { maxAge: u } },
    websocket: { port: u, rateLimit: u },
  });
  void app.stop({ timeoutMs });
  void app.run({ handleSignals: u, exitOnUncaughtError: u, replicas: { maxAttempts: max, heartbeatMs: timeoutMs } });
  void caller.sendRequest('daebus.thread.restart', { name: 't', token: redis });
  void new RedisTransport('redis://127.0.0.1:6379', { queueWhileDisconnected: u }).close();
  new Blueprint('bp').thread('t', async () => {}, { restart: u }).action('a', () => ({}), { concurrency: u });
  void formatThreadTable([], { now: u, color: u });
  void createLogger({ level, json: u });
}
