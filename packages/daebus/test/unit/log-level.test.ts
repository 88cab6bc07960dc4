import { createLogger } from '../../src/main/support/logger';
import { checkedLogLevel, parseLogLevel } from '../../src/main/support/log-level';

describe('log levels', () => {
  it("reads winston's and Python's names in any case", () => {
    expect(parseLogLevel('ERROR')).toBe('error');
    expect(parseLogLevel(' Debug ')).toBe('debug');
    expect(parseLogLevel('WARNING')).toBe('warn');
    expect(parseLogLevel('warn')).toBe('warn');
    expect(parseLogLevel('CRITICAL')).toBe('error');
    expect(parseLogLevel('silly')).toBe('silly');
    expect(parseLogLevel('bogus')).toBeUndefined();
  });

  it('refuses an unknown level option with INVALID_OPTION, naming the levels', () => {
    expect(() => checkedLogLevel('verbos', 'createLogger(options)')).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTION', message: expect.stringContaining('use one of error, warn, info') }),
    );
    expect(() => createLogger({ level: 'ERR' })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
    expect(createLogger({ level: 'ERROR' }).level).toBe('error');
  });
});
