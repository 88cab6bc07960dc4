import type { ActionsOf } from '../../shared/contract';
import type { ThreadSnapshot } from '../supervisor/events';
import type { ReplicaInfo } from '../replicas/presence';
import type { Health } from './health';
import type { ServiceInfo } from './introspection';
import type { TaskInfo } from './ops-view';

/** What an admin action takes: the thread or task, and the token when the service sets one. */
export interface AdminPayload {
  /** The thread or background task to act on. */
  name: string;
  /** The service's admin token, when its `admin` option sets one. */
  token?: string | undefined;
}

/** A thread's snapshot as the admin actions answer it, with the service's clock, which its ages count from. */
export interface AdminThreadReply extends ThreadSnapshot {
  /** The service's clock when it answered (ms since the epoch). */
  at: number;
}

/**
 * The actions every service answers (`BuiltinActions`), as a contract: a caller typed with its
 * own service's contract asks these too, with typed results
 * (`await caller.sendRequest(BuiltinActions.health)` is a `Health`).
 */
export interface BuiltinContract {
  /** Answers `{ pong: true, at }` (ms since the epoch). */
  'daebus.ping': { result: { pong: true; at: number } };
  /** What the service is and runs. */
  'daebus.info': { result: ServiceInfo };
  /** Every thread's snapshot, and when they were taken. */
  'daebus.threads': { result: { at: number; threads: ThreadSnapshot[] } };
  /** The service's health, as `/readyz` reports it. */
  'daebus.health': { result: Health };
  /** The live replicas; empty when the service does not run replicated. */
  'daebus.replicas': { result: { replicas: ReplicaInfo[] } };
  /** Admin: start a thread; answers its snapshot once its function runs. */
  'daebus.thread.start': { payload: AdminPayload; result: AdminThreadReply };
  /** Admin: stop a thread; answers its snapshot once it returned (or was terminated). */
  'daebus.thread.stop': { payload: AdminPayload; result: AdminThreadReply };
  /** Admin: stop, then start a thread; answers the new run's snapshot. */
  'daebus.thread.restart': { payload: AdminPayload; result: AdminThreadReply };
  /** Admin: pause a background task (no new runs until resumed); answers the task. */
  'daebus.task.pause': { payload: AdminPayload; result: TaskInfo };
  /** Admin: resume a paused background task; answers the task. */
  'daebus.task.resume': { payload: AdminPayload; result: TaskInfo };
}

/** What a caller of a service with contract `C` may ask: its actions, and the built-in ones. */
export type Callable<C> = ActionsOf<C> & BuiltinContract;
