import type { ActionsOf } from '../../shared/contract';
import type { ThreadSnapshot } from '../supervisor/events';
import type { ReplicaInfo } from '../replicas/presence';
import type { Health } from './health';
import type { ServiceInfo } from './introspection';
import type { TaskInfo } from './ops-view';

/** What an admin action takes: the thread or task, and the token when the service sets one. */
export interface AdminPayload {
  name: string;
  token?: string | undefined;
}

/**
 * The actions every service answers (`BuiltinActions`), as a contract: a caller typed with its
 * own service's contract asks these too, with typed results
 * (`await caller.sendRequest(BuiltinActions.health)` is a `Health`).
 */
export interface BuiltinContract {
  'daebus.ping': { result: { pong: true; at: number } };
  'daebus.info': { result: ServiceInfo };
  'daebus.threads': { result: { at: number; threads: ThreadSnapshot[] } };
  'daebus.health': { result: Health };
  'daebus.replicas': { result: { replicas: ReplicaInfo[] } };
  'daebus.thread.start': { payload: AdminPayload; result: ThreadSnapshot };
  'daebus.thread.stop': { payload: AdminPayload; result: ThreadSnapshot };
  'daebus.thread.restart': { payload: AdminPayload; result: ThreadSnapshot };
  'daebus.task.pause': { payload: AdminPayload; result: TaskInfo };
  'daebus.task.resume': { payload: AdminPayload; result: TaskInfo };
}

/** What a caller of a service with contract `C` may ask: its actions, and the built-in ones. */
export type Callable<C> = ActionsOf<C> & BuiltinContract;
