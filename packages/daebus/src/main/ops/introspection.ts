import { hostname } from 'node:os';
import type { ActionHandler } from '../rpc/dispatcher';
import { BuiltinActions } from '../../shared/protocol/builtin-actions';
import { healthOf } from './health';
import { libraryVersion } from './library-version';
import type { OpsView } from './ops-view';

/** The read-only built-in actions: what a service says of itself to anyone who asks. */
export function introspectionActions(view: OpsView, adminEnabled: boolean): Map<string, ActionHandler> {
  return new Map<string, ActionHandler>([
    // a replica says which it is: pings of a replicated service show how they spread
    [BuiltinActions.ping, () => ({ pong: true, at: Date.now(), ...replicaOf(view) })],
    [BuiltinActions.info, () => serviceInfo(view, adminEnabled)],
    [BuiltinActions.threads, () => ({ at: Date.now(), threads: view.threads() })],
    [BuiltinActions.health, () => healthOf(view)],
    [BuiltinActions.replicas, async () => ({ replicas: await view.replicas() })],
  ]);
}

function replicaOf(view: OpsView): { replica?: string } {
  const id = view.replicaId();
  return id === undefined ? {} : { replica: id };
}

/** What `daebus.info` answers: what the service is and what it runs. */
export interface ServiceInfo {
  /** The service name (the channel its actions are requested on). */
  service: string;
  /** The app's name (`new Daebus(name)`). */
  app: string;
  /** This library and its version. */
  library: { name: 'daebus'; version: string };
  /** The Node.js version (`process.version`). */
  node: string;
  /** The process id. */
  pid: number;
  /** The machine's host name. */
  host: string;
  /** When the service last finished starting (ms since the epoch); null while it is not started. */
  startedAt: number | null;
  /** Time since `startedAt`, in ms; 0 while not started. */
  uptimeMs: number;
  /** The transport's description (`memory`, `redis://host:port`); null while there is none. */
  transport: string | null;
  /** The app's own actions (not the built-in `daebus.*` ones). */
  actions: string[];
  /** The channels it listens on. */
  listeners: string[];
  /** The names of its threads. */
  threads: string[];
  /** Its background tasks. */
  background: ReturnType<OpsView['tasks']>;
  /** The pool of pooled handlers; null when the app has none. */
  pool: ReturnType<OpsView['pool']>;
  /** `{ id }` when it runs as a replica, else null. */
  replica: { id: string } | null;
  /** Where its HTTP server (`url`) and WebSocket endpoint (`websocketUrl`) answer, and its number of routes; null without them. */
  http: { url?: string; websocketUrl?: string; routes: number } | null;
  /** Whether the admin actions are on. */
  admin: boolean;
}

export function serviceInfo(view: OpsView, admin: boolean): ServiceInfo {
  const startedAt = view.startedAt ?? null;
  const replicaId = view.replicaId();
  return {
    service: view.service,
    app: view.app,
    library: { name: 'daebus', version: libraryVersion() },
    node: process.version,
    pid: process.pid,
    host: hostname(),
    startedAt,
    uptimeMs: view.uptimeMs ?? 0,
    transport: view.transport()?.description ?? null,
    actions: view.actions(),
    listeners: view.listeners(),
    threads: view.threads().map((t) => t.name),
    background: view.tasks(),
    pool: view.pool(),
    replica: replicaId === undefined ? null : { id: replicaId },
    http: view.http() ?? null,
    admin,
  };
}
