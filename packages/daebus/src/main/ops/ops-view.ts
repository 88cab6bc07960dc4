import type { PoolStats } from '../pool/pool-stats';
import type { RefusalReport } from '../transport/write-refusals';
import type { ReplicaInfo } from '../replicas/presence';
import type { ThreadSnapshot, ThreadStopResult } from '../supervisor/events';

/** A background task as introspection shows it. */
export interface TaskInfo {
  /** The task's name. */
  name: string;
  /** Seconds from the start of one run to the start of the next. */
  intervalSeconds: number;
  /** True while paused: no new runs. */
  paused: boolean;
  /** A run is in progress. */
  busy: boolean;
  /** Completed runs, failed ones included. */
  runs: number;
  /** Runs that failed (threw or rejected). */
  failures: number;
  /** When the next run is due (ms since the epoch); absent while a run is in progress, or the task is paused or stopped. */
  nextRunAt?: number;
  /** The message of the last run's error; absent once a run succeeds. */
  lastError?: string;
}

/** What a service knows of itself: what the built-in actions, health checks and metrics read. */
export interface OpsView {
  readonly app: string;
  readonly service: string;
  /** When the service last finished starting (ms since the epoch); undefined while not started. */
  readonly startedAt: number | undefined;
  /** How long since then, on the monotonic clock (a wall clock step moves none); undefined while not started. */
  readonly uptimeMs: number | undefined;
  /**
   * The transport's description and whether it can send and receive now; undefined while there is
   * none (before it connects, after it closed). It is there while the service starts: `startedAt` says whether it has.
   */
  transport(): { description: string; connected: boolean; refused?: RefusalReport[] } | undefined;
  /** True from when the service is asked to stop until it has stopped. */
  stopping(): boolean;
  /** The app's own actions (not the built-in ones). */
  actions(): string[];
  /** Each of the app's own actions' requests running, and waiting for a slot (its concurrency). */
  actionLoad(): { name: string; running: number; queued: number }[];
  listeners(): string[];
  threads(): ThreadSnapshot[];
  /** Whether a thread may fail without the service being unready (`optional`). */
  threadOptional(name: string): boolean;
  tasks(): TaskInfo[];
  /** The in-process shared queues' depths. */
  queues(): { name: string; waiting: number; inProgress: number }[];
  /** WebSocket clients connected now. */
  socketClients(): number;
  /** Null when the app has no pooled handlers. */
  pool(): PoolStats | null;
  replicaId(): string | undefined;
  /** Where the HTTP server and WebSocket endpoint answer, and how many routes it has; undefined while none runs. */
  http(): { url?: string; websocketUrl?: string; routes: number } | undefined;
  /** A replica: whether it reads its request stream (why not when it does not); undefined otherwise. */
  requestReads?(): { reading: boolean; error?: string } | undefined;
  replicas(): Promise<ReplicaInfo[]>;
  /** The admin operations. */
  startThread(name: string): Promise<ThreadSnapshot>;
  stopThread(name: string): Promise<ThreadStopResult>;
  /** How many stops were asked of the thread so far, by anyone. */
  stopsAsked(name: string): number;
  snapshot(name: string): ThreadSnapshot;
  pauseTask(name: string, paused: boolean): TaskInfo;
}
