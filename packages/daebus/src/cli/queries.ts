// The read-only built-in actions, typed as the service answers them.
import type { DaebusCaller } from '../main/rpc/caller';
import type { Health } from '../main/ops/health';
import type { ServiceInfo } from '../main/ops/introspection';
import type { ReplicaInfo } from '../main/replicas/presence';
import type { ThreadSnapshot } from '../main/supervisor/events';
import { BuiltinActions } from '../shared/protocol/builtin-actions';

export type { Health, ServiceInfo, ReplicaInfo, ThreadSnapshot };

export interface ThreadsReply {
  /** The service's clock when it answered: ages and countdowns count from it. */
  at: number;
  threads: ThreadSnapshot[];
}

export function fetchThreads(caller: DaebusCaller): Promise<ThreadsReply> {
  return caller.sendRequest(BuiltinActions.threads, {}) as Promise<ThreadsReply>;
}

export function fetchHealth(caller: DaebusCaller): Promise<Health> {
  return caller.sendRequest(BuiltinActions.health, {}) as Promise<Health>;
}

export function fetchInfo(caller: DaebusCaller): Promise<ServiceInfo> {
  return caller.sendRequest(BuiltinActions.info, {}) as Promise<ServiceInfo>;
}
