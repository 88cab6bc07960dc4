// The library's own loggers, given values that throw as they are read (a revoked Proxy, a getter,
// a throwing toJSON) by code that logs what a `catch (e)` holds: they write what they can and never
// throw into that code (before, the handler's log call threw, and its handled error failed the request).
import Transport from 'winston-transport';
import { createLogger } from '../../src/main/support/logger';
import { guardedLogCall } from '../../src/main/support/readable-records';

class Kept extends Transport {
  readonly records: Record<string, unknown>[] = [];
  override log(info: Record<string, unknown>, next: () => void): void {
    this.records.push(info);
    next();
  }
}

function keptLogger(): { logger: ReturnType<typeof createLogger>; records: Record<string, unknown>[] } {
  const logger = createLogger({ json: true, level: 'debug' });
  const kept = new Kept();
  logger.clear().add(kept);
  return { logger, records: kept.records };
}

function revoked(): object {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
}

describe("the library's loggers, given values that cannot be read", () => {
  it('write the record with its plain fields and a note, for a revoked Proxy, a trap or a throwing toJSON in the metadata', () => {
    const { logger, records } = keptLogger();
    const child = logger.child({ action: 'risky', request_id: 'r1' });
    expect(() => child.error('risky failed', { error: revoked() })).not.toThrow();
    expect(() =>
      child.warn('trap', {
        p: new Proxy(
          {},
          {
            ownKeys: () => [1] as never,
            get: () => {
              throw new Error('trap');
            },
          },
        ),
      }),
    ).not.toThrow();
    expect(() =>
      child.info('tojson', {
        v: {
          toJSON: () => {
            throw new Error('tj');
          },
        },
      }),
    ).not.toThrow();
    expect(
      records.map(({ level, message, action, request_id, unreadable }) => ({ level, message, action, request_id, unreadable })),
    ).toEqual(
      ['error:risky failed', 'warn:trap', 'info:tojson'].map((line) => {
        const [level, message] = line.split(':');
        return { level, message, action: 'risky', request_id: 'r1', unreadable: 'fields that cannot be read were left out' };
      }),
    );
  });

  it('write an error whose message throws as it is read (through a guarded call) as one that cannot be read', () => {
    const { logger, records } = keptLogger();
    const err = new Error('x');
    Object.defineProperty(err, 'message', {
      get() {
        throw new Error('message getter');
      },
    });
    // winston reads the message before any format runs: the call, as the logger global makes it, is guarded
    expect(() => guardedLogCall(logger.error as (...args: unknown[]) => unknown, logger)(err)).not.toThrow();
    expect(records[0]).toMatchObject({ level: 'error', message: 'An error that cannot be read was thrown (reading its fields threw).' });
  });

  it("a guarded call logs a metadata object's fields that can be read when one of its getters throws, and never throws", () => {
    const { logger, records } = keptLogger();
    const info = guardedLogCall(logger.info as (...args: unknown[]) => unknown, logger);
    const meta = {
      ok: 1,
      get bad(): never {
        throw new Error('getter');
      },
    };
    expect(() => info('with a getter', meta)).not.toThrow();
    expect(records[0]).toMatchObject({ message: 'with a getter', ok: 1, bad: '[a value that cannot be read]' });
    // a call that fails however it is made logs nothing, and still does not throw
    const failing = guardedLogCall(() => {
      throw new Error('transport gone');
    }, logger);
    expect(() => failing('x')).not.toThrow();
  });
});
