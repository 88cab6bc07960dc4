// A thread's log records on their way to the main side: what the main logger would drop is not
// sent, and a thread that logs faster than the main side reads has its excess dropped and counted.
import {
  createFlags,
  LOG_BACKLOG_BYTES,
  LOG_BACKLOG_MAX,
  LOG_BACKLOG_SLOT,
  LOG_BYTES_SLOT,
  LOG_DROPPED_SLOT,
  LOG_LEVEL_SLOT,
} from '../../src/shared/flags';
import type { CoreToMain } from '../../src/shared/protocol/core';
import { portSink } from '../../src/thread/log';

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

  it('drops records past the backlog the main side has not read, counting them for the main side; errors and warnings get twice the room', () => {
    const flags = createFlags();
    const { sink, posted } = sinkWith(flags);
    // before, every record was posted: a tight loop filled the main process's memory
    for (let i = 0; i < LOG_BACKLOG_MAX + 500; i++) sink('info', `line ${i}`);
    expect(posted).toHaveLength(LOG_BACKLOG_MAX);
    expect(Atomics.load(flags, LOG_DROPPED_SLOT)).toBe(500);
    sink('error', 'still goes');
    expect(posted.at(-1)).toMatchObject({ level: 'error', message: 'still goes' });
    // the main side reads them: records go again
    Atomics.store(flags, LOG_BACKLOG_SLOT, 0);
    sink('info', 'after');
    expect(posted.at(-1)).toMatchObject({ level: 'info', message: 'after' });
    expect(Atomics.load(flags, LOG_DROPPED_SLOT)).toBe(500);
  });

  it('lets a small record through after one record over the byte bound (before: dropped, two calls in a row); the next big one waits', () => {
    const flags = createFlags();
    const { sink, posted } = sinkWith(flags);
    sink('info', 'x'.repeat(3 * LOG_BACKLOG_BYTES));
    expect(Atomics.load(flags, LOG_BYTES_SLOT)).toBeGreaterThanOrEqual(LOG_BACKLOG_BYTES);
    sink('info', 'the line after it', { step: 2 });
    sink('info', 'y'.repeat(2048));
    expect(posted.map((m) => ('message' in m ? m.message.slice(0, 20) : ''))).toEqual(['x'.repeat(20), 'the line after it']);
    expect(Atomics.load(flags, LOG_DROPPED_SLOT)).toBe(1);
  });
});
