import { hostname } from 'node:os';
import type { ActionHandler } from '../rpc/dispatcher';
import { BuiltinActions } from '../../shared/protocol/builtin-actions';
import { healthOf } from './health';
import { libraryVersion } from './library-version';
import type { OpsView } from './ops-view';

/** The read-only built-in actions: what a service says of itself to anyone who asks. */
export function introspectionActions(view: OpsView, adminEnabled: boolean): Map<string, ActionHandler> {
  return new Map<string, ActionHandler>([
    [BuiltinActions.ping, () => ({ pong: true, at: Date.now() })],
    [BuiltinActions.info, () => serviceInfo(view, adminEnabled)],
    [BuiltinActions.threads, () => ({ at: Date.now(), threads: view.threads() })],
    [BuiltinActions.health, () => healthOf(view)],
    [BuiltinActions.replicas, async () => ({ replicas: await view.replicas() })],
  ]);
}

export interface ServiceInfo {
  service: string;
  app: string;
  library: { name: 'daebus'; version: string };
  node: string;
  pid: number;
  host: string;
  startedAt: number | null;
  uptimeMs: number;
  transport: string | null;
  actions: string[];
  listeners: string[];
  threads: string[];
  background: ReturnType<OpsView['tasks']>;
  pool: ReturnType<OpsView['pool']>;
  replica: { id: string } | null;
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
    uptimeMs: startedAt === null ? 0 : Date.now() - startedAt,
    transport: view.transport()?.description ?? null,
    actions: view.actions(),
    listeners: view.listeners(),
    threads: view.threads().map((t) => t.name),
    background: view.tasks(),
    pool: view.pool(),
    replica: replicaId === undefined ? null : { id: replicaId },
    admin,
  };
}
