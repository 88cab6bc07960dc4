import type { DaebusError } from '../../shared/errors';
import type { DurableHooks } from '../rpc/accepted';

/** What the stream reader hands requests to (the service bus), and asks how many it can start. */
export interface RequestSink {
  receiveDurable(raw: string, hooks: DurableHooks): void;
  /** Answer `raw` with `error` (a dead-lettered request); logged unless `log` is false (said already). */
  refuse(raw: string, error: DaebusError, log?: boolean): void;
  /**
   * How many more requests this replica could start now: the free handler slots of its actions
   * (at least one), none while a request it took waits for one. What it cannot start soon stays in
   * the stream, for the other replicas.
   */
  startable(): number;
  /** `listener` is called whenever a handler slot frees. */
  onSlotFreed(listener: () => void): void;
}
