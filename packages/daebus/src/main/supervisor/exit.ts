import type { PlainError } from '../../shared/errors';
import { ErrorCodes } from '../../shared/errors';
import type { RestartPolicy } from './thread-options';

/** Why a thread's worker ended. */
export type ExitReason = 'normal' | 'stopped' | 'crashed' | 'out-of-memory' | 'failed-to-start';

/** Errors the thread runtime raises before the thread function runs: retrying cannot help. */
const START_FAILURES = new Set<string>([ErrorCodes.THREAD_LOAD_FAILED, ErrorCodes.THREAD_NOT_SHIPPABLE, ErrorCodes.THREAD_INLINE_SCOPE]);

export function classifyExit(exit: { code: number; error?: PlainError; stopRequested: boolean }): ExitReason {
  if (exit.stopRequested) return 'stopped';
  const code = exit.error?.code;
  if (code === 'ERR_WORKER_OUT_OF_MEMORY') return 'out-of-memory';
  if (code !== undefined && START_FAILURES.has(code)) return 'failed-to-start';
  if (exit.error !== undefined || exit.code !== 0) return 'crashed';
  return 'normal';
}

/** Whether the policy restarts a thread that ended for `reason` while the service runs. */
export function shouldRestart(policy: RestartPolicy, reason: ExitReason): boolean {
  switch (reason) {
    case 'stopped':
    case 'failed-to-start':
      return false;
    case 'normal':
      return policy === 'permanent';
    case 'crashed':
    case 'out-of-memory':
      return policy !== 'temporary';
  }
}
