// Public API of `daebus`: the main side of a service.
export { Daebus, type DaebusOptions, type RunOptions, type StopOptions } from './app';
export { ThreadHandle } from './thread-handle';
export type { ThreadEntry } from './entry';
export { DEFAULT_THREAD_OPTIONS, type ThreadOptions, type RestartPolicy } from './options';
export { restartDelay, type BackoffOptions } from './backoff';
export type { ExitReason } from './exit';
export type {
  ThreadState,
  ThreadSnapshot,
  ThreadExit,
  ThreadEvents,
  ThreadStartEvent,
  ThreadExitEvent,
  ThreadRestartEvent,
  ThreadFailedEvent,
  ThreadStopEvent,
  ThreadStopResult,
} from './thread-types';
export { createLogger, directLogger, type Logger } from './logger';
export { DaebusError, ErrorCodes, type ErrorCode, type PlainError } from '../shared/errors';
