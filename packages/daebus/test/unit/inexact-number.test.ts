// inexactNumber (cli/inexact-number.ts): `daebus call` refuses a payload with a number that
// JSON.parse and JSON.stringify would not send as written, found on the text, strings skipped.
import { inexactNumber } from '../../src/cli/inexact-number';

describe('inexactNumber', () => {
  it('finds an integer past 2^53 - 1, and says what it would be sent as', () => {
    expect(inexactNumber('{"id": 1796328959008000001}')).toEqual({ token: '1796328959008000001', sentAs: '1796328959008000000' });
    expect(inexactNumber('{"a": [1, {"b": -9007199254740993}]}')).toEqual({ token: '-9007199254740993', sentAs: '-9007199254740992' });
    expect(inexactNumber('[9007199254740992]')?.token).toBe('9007199254740992');
  });

  it('finds a number past the range of a double, which would be sent as null', () => {
    expect(inexactNumber('{"huge": 1e400}')).toEqual({ token: '1e400', sentAs: 'null' });
    expect(inexactNumber('{"x": -1.5E+309}')).toEqual({ token: '-1.5E+309', sentAs: 'null' });
    expect(inexactNumber(`{"long": ${'9'.repeat(400)}.5}`)?.sentAs).toBe('null');
  });

  it('lets through what is read as written, fractions that lose their last digits included', () => {
    for (const text of [
      '{"id": 9007199254740991, "neg": -9007199254740991, "zero": -0}',
      '{"f": 0.1000000000000000001, "g": 1.0, "h": 1e300, "tiny": 1e-400, "big": 1796328959008000001.0, "e": 1e20}',
      '{"t": true, "f": false, "n": null, "s": "x"}',
      '{}',
    ]) {
      expect(inexactNumber(text)).toBeUndefined();
    }
  });

  it('skips numbers inside strings and keys, their escaped quotes and backslashes minded', () => {
    expect(inexactNumber('{"1796328959008000001": "1e400"}')).toBeUndefined();
    expect(inexactNumber('{"a": "say \\"1e400\\"", "b": "\\\\"}')).toBeUndefined();
    expect(inexactNumber('{"a": "\\\\", "b": 1e400}')?.token).toBe('1e400');
    expect(inexactNumber('{"a": "\\"", "b": 99999999999999999999}')?.token).toBe('99999999999999999999');
  });
});
