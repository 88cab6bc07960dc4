// The exit status of `daebus health`, for the scripts and probes that restart a service on it.
import type { Health } from '../main/ops/health';
import { ExitCodes, type ExitCode } from './exit-codes';
import { replicaExitCode, type Answers, type ReplicaAnswer } from './replica-targets';

/** A replica that began to stop: listed as leaving, or answering that it stops. */
function stopping(answer: ReplicaAnswer<Health>): boolean {
  return answer.replica.leaving === true || ('value' in answer && answer.value.stopping === true);
}

/**
 * 0 when the service is ready; of a replicated one, when every replica asked is, leaving out those
 * that are stopping while another one stays: a rolling deploy drains each old replica, not ready
 * then, and a probe that restarts on status 1 would fire on every deploy. 1 when one is not ready,
 * and the status of the first replica that did not answer (3) or failed.
 */
export function healthExitCode(asked: Answers<Health>): ExitCode {
  if (!asked.replicated) return asked.value.ready ? ExitCodes.OK : ExitCodes.FAILED;
  const staying = asked.answers.filter((answer) => !stopping(answer));
  const counted = staying.length > 0 ? staying : asked.answers;
  const failed = replicaExitCode(counted);
  if (failed !== ExitCodes.OK) return failed;
  return counted.every((answer) => 'value' in answer && answer.value.ready) ? ExitCodes.OK : ExitCodes.FAILED;
}
