import { LOG_BACKLOG_SLOT, LOG_BYTES_SLOT } from '../../shared/flags';

type Read = { records: number; bytes: number };
const unreleased = new WeakMap<Int32Array, Read>();

/**
 * A message from a worker was read: a log record leaves the worker's backlog, with its bytes,
 * once this turn of the event loop ends. Node hands over at least 1,000 waiting messages in one
 * turn: released at once, each record read made room for the worker to post another into the
 * same turn, 1,000 records of 64 KiB (seconds of a frozen event loop) however small the bound.
 */
export function releaseLogRecord(flags: Int32Array, message: unknown): void {
  const record = message as { type?: unknown; size?: unknown } | null;
  if (record?.type !== 'log') return;
  let read = unreleased.get(flags);
  if (read === undefined) {
    const pending: Read = (read = { records: 0, bytes: 0 });
    unreleased.set(flags, pending);
    setImmediate(() => {
      unreleased.delete(flags);
      Atomics.sub(flags, LOG_BACKLOG_SLOT, pending.records);
      Atomics.sub(flags, LOG_BYTES_SLOT, pending.bytes);
    });
  }
  read.records += 1;
  if (typeof record.size === 'number') read.bytes += record.size;
}
