// A thread's log records on their way to the main side: what the main logger would drop is not
// sent, and a thread that logs faster than the main side reads has its excess dropped and counted.
import { createFlags, LOG_BACKLOG_SLOT, LOG_LEVEL_SLOT } from '../../src/shared/flags';
import type { CoreToMain } from '../../src/shared/protocol/core';
import { LOG_BACKLOG_MAX, portSink } from '../../src/thread/log';

function sinkWith(flags: Int32Array): { sink: ReturnType<typeof portSink>; posted: CoreToMain[] } {
  const posted: CoreToMain[] = [];
  return { sink: portSink({ postMessage: (message: CoreToMain) => void posted.push(message) }, flags), posted };
}

describe("a thread's log sink", () => {
  it('leaves out the levels the main logger does not write, and follows a change of level', () => {
    const flags = createFlags();
    Atomics.store(flags, LOG_LEVEL_SLOT, 2); // info
    const { sink, posted } = sinkWith(flags);
    sink('debug', 'not sent');
    sink('info', 'sent');
    Atomics.store(flags, LOG_LEVEL_SLOT, 5); // debug
    sink('debug', 'sent now');
    expect(posted.map((m) => 'message' in m && m.message)).toEqual(['sent', 'sent now']);
    expect(Atomics.load(flags, LOG_BACKLOG_SLOT)).toBe(2);
  });

  it('drops records past the backlog the main side has not read, and says how many once it has caught up', () => {
    const flags = createFlags();
    const { sink, posted } = sinkWith(flags);
    // before, every record was posted: a tight loop filled the main process's memory
    for (let i = 0; i < LOG_BACKLOG_MAX + 500; i++) sink('info', `line ${i}`);
    expect(posted).toHaveLength(LOG_BACKLOG_MAX);
    // the main side reads all but half of them: still too many waiting, still dropped
    Atomics.sub(flags, LOG_BACKLOG_SLOT, LOG_BACKLOG_MAX / 2 - 1);
    sink('info', 'still dropped');
    expect(posted).toHaveLength(LOG_BACKLOG_MAX);
    Atomics.store(flags, LOG_BACKLOG_SLOT, 0);
    sink('info', 'after');
    expect(posted.slice(LOG_BACKLOG_MAX)).toEqual([
      expect.objectContaining({ level: 'warn', message: expect.stringMatching(/^501 log record\(s\) of this thread were dropped/) }),
      expect.objectContaining({ level: 'info', message: 'after' }),
    ]);
  });
});
