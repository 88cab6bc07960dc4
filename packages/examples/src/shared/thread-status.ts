// Main side: what the examples' get_status actions answer (not in the seed, which gives the
// thread-only examples no action): the thread's state and restarts from the supervisor, plus
// the counts the thread itself reports to a 'status' message (t.on('status', ...)) while it runs.
import type { Daebus } from 'daebus';

/** What a thread with a get_status action answers to `status`. */
export interface StatusMessages {
  status: { payload: undefined; result: Record<string, unknown> };
}

export async function threadStatus(app: Daebus, name: string): Promise<Record<string, unknown>> {
  const thread = app.thread<StatusMessages>(name);
  const { state, restarts } = thread.status;
  let counts: Record<string, unknown> = {};
  try {
    counts = await thread.request('status', undefined, { timeoutMs: 2_000 });
  } catch {
    // not running (THREAD_NOT_RUNNING) or busy: the supervisor's view is all there is
  }
  return { thread: state, restarts, ...counts };
}
