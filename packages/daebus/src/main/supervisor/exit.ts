import type { PlainError } from '../../shared/errors';
import { ErrorCodes } from '../../shared/errors';
import type { RestartPolicy } from './thread-options';

/** Why a thread's worker ended. */
export type ExitReason = 'normal' | 'stopped' | 'crashed' | 'out-of-memory' | 'failed-to-start';

/** Errors the thread runtime raises before the thread function runs: retrying cannot help. */
const START_FAILURES = new Set<string>([ErrorCodes.THREAD_LOAD_FAILED, ErrorCodes.THREAD_NOT_SHIPPABLE, ErrorCodes.THREAD_INLINE_SCOPE]);

/**
 * What a module load may fail with for want of a resource that comes back (descriptors, memory,
 * processes): such a load is tried again as a crash is, not given up on as a broken module (a
 * moment with no free descriptor failed module threads for good).
 */
const PASSING_LOAD_FAILURES = new Set(['EMFILE', 'ENFILE', 'EAGAIN', 'ENOMEM']);

export function classifyExit(exit: { code: number; error?: PlainError; stopRequested: boolean }): ExitReason {
  if (exit.stopRequested) return 'stopped';
  const code = exit.error?.code;
  if (code === 'ERR_WORKER_OUT_OF_MEMORY') return 'out-of-memory';
  const cause = (exit.error?.details?.cause as { code?: unknown } | undefined)?.code;
  if (code === ErrorCodes.THREAD_LOAD_FAILED && typeof cause === 'string' && PASSING_LOAD_FAILURES.has(cause)) return 'crashed';
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
