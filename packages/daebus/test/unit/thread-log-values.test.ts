// What a thread's logger writes for a message that is not a string: a `catch (e)` value, which
// may be anything a thread's code throws.
import { createLogger } from '../../src/thread/log';

function recordsOf(log: (logger: ReturnType<typeof createLogger>) => void): { message: string; meta?: Record<string, unknown> }[] {
  const records: { message: string; meta?: Record<string, unknown> }[] = [];
  log(createLogger((_level, message, meta) => void records.push(meta === undefined ? { message } : { message, meta })));
  return records;
}

describe("a thread's logger, given a thrown value", () => {
  it('logs a plain object as its JSON text, not "[object Object]"', () => {
    const [record] = recordsOf((log) => log.error({ code: 'E_STOCK', sku: 'a1' }));
    expect(record).toEqual({ message: '{"code":"E_STOCK","sku":"a1"}' });
  });

  it('logs an array, a number and undefined as text, with the metadata', () => {
    const records = recordsOf((log) => {
      log.warn([1, 'two'], { attempt: 2 });
      log.warn(42);
      log.warn(undefined);
    });
    expect(records).toEqual([{ message: '[1,"two"]', meta: { attempt: 2 } }, { message: '42' }, { message: 'undefined' }]);
  });

  it('logs an object JSON refuses (a cycle) as Node prints it', () => {
    const cyclic: Record<string, unknown> = { n: 1 };
    cyclic.self = cyclic;
    const [record] = recordsOf((log) => log.error(cyclic));
    expect(record?.message).toBe('<ref *1> { n: 1, self: [Circular *1] }');
  });

  it('logs an Error, and an error of another realm, by its message with the error as `error`', () => {
    const foreign = { name: 'TypeError', message: 'from a vm context', stack: 'TypeError: from a vm context\n    at x' };
    const records = recordsOf((log) => {
      log.error(new Error('boom'));
      log.error(foreign);
    });
    expect(records[0]).toMatchObject({ message: 'boom', meta: { error: { name: 'Error', message: 'boom' } } });
    expect(records[1]).toEqual({ message: 'from a vm context', meta: { error: foreign } });
  });

  it("keeps an error's cause and an AggregateError's errors, to a bounded depth", () => {
    const wrapped = new Error('outer', { cause: new Error('inner', { cause: 'root' }) });
    const gathered = new AggregateError([new Error('a'), { code: 'E_B', n: 2 }], 'two failed');
    let deep: Error = new Error('level 0');
    for (let level = 1; level <= 6; level++) deep = new Error(`level ${level}`, { cause: deep });
    const records = recordsOf((log) => {
      log.error(wrapped);
      log.error(gathered);
      log.error(deep);
    });
    expect(records[0]?.meta?.error).toMatchObject({
      message: 'outer',
      cause: { message: 'inner', cause: { name: 'Error', message: 'root' } },
    });
    expect(records[1]?.meta?.error).toMatchObject({
      name: 'AggregateError',
      errors: [{ message: 'a' }, { message: '{"code":"E_B","n":2}' }],
    });
    // three causes deep, then no more: a chain (or a cycle) cannot grow a record without bound
    const chain = records[2]?.meta?.error as { cause?: unknown };
    expect(JSON.stringify(chain).match(/"message"/g)).toHaveLength(4);
  });
});
