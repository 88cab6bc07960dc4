/**
 * Give the last log records of a thread time to reach the main side before the thread returns.
 *
 * Workaround for a daebus bug (0.1.0): when a thread's worker exits, the supervisor closes its
 * end of the thread's port in the worker's `exit` handler without first reading the messages
 * still queued on it, so records logged just before `return` are sometimes lost (about half
 * the time for a record logged right after a stop). Waiting briefly lets the main side read
 * them first. Not a guarantee; remove once the supervisor drains the port on exit.
 */
export function flushThreadLogs(ms = 100): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
