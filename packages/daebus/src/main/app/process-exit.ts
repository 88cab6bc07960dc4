import type { Logger } from '../support/logger';
import { blockedWorkers, TERMINATE_WAIT_MS } from '../workers/ending-workers';

/** How often a worker still ending is looked at again. */
const WAIT_STEP_MS = 20;
/** Time for the line that says why to be written before the SIGKILL. */
const SAY_MS = 100;

/**
 * End the process with `code`, as `run()` does after a forced stop, or once user code it gave up
 * on outlived its grace. Node's `process.exit` waits for every worker thread, and one blocked in
 * a native call (a synchronous child process such as `execSync`) holds it until that call
 * returns, however long: then the process ends with SIGKILL instead, said first (exit status 137).
 */
export function endProcess(code: number, logger: Logger): void {
  // one told to terminate a moment ago (a forced stop's pooled call) may still be ending: it gets up to TERMINATE_WAIT_MS
  if (blockedWorkers(0) === 0) {
    process.exit(code);
    return; // it returns when a test stands in for it: nothing more is done then
  }
  const blocked = blockedWorkers(TERMINATE_WAIT_MS);
  if (blocked === 0) {
    setTimeout(() => endProcess(code, logger), WAIT_STEP_MS);
    return;
  }
  logger.error(
    `${blocked} worker thread(s) did not end when terminated: each is blocked in a call that termination cannot interrupt ` +
      '(a synchronous child process such as execSync, or another blocking native call), and Node would wait for it to exit. ' +
      `Ending the process with SIGKILL instead of exit code ${code}.`,
  );
  setTimeout(() => process.kill(process.pid, 'SIGKILL'), SAY_MS);
}
