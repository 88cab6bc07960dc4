// messageLine (cli/message-line.ts): `daebus listen` prints each message on one line, whatever
// raw newlines it holds; --pretty indents JSON.
import { messageLine } from '../../src/cli/message-line';

describe('messageLine', () => {
  it('prints JSON with raw CR and LF (whitespace there) as spaces: the same value, on one line', () => {
    const pretty = '{\n  "a": 1,\r\n  "b": "x\\ny"\n}';
    const line = messageLine(pretty);
    expect(line).toBe('{   "a": 1,    "b": "x\\ny" }');
    expect(JSON.parse(line)).toEqual(JSON.parse(pretty));
    // Python's tokens count as JSON
    expect(messageLine('{\n"v": NaN}')).toBe('{ "v": NaN}');
  });

  it('escapes CR and LF in text that is not JSON', () => {
    expect(messageLine('line one\nline two\r\n')).toBe('line one\\nline two\\r\\n');
    expect(messageLine('{"broken":\n')).toBe('{"broken":\\n');
  });

  it('leaves a message without raw newlines as it came', () => {
    expect(messageLine('{"hello": "world"}')).toBe('{"hello": "world"}');
    expect(messageLine('plain words')).toBe('plain words');
  });

  it('with pretty, indents JSON and keeps text that is not JSON on one line', () => {
    expect(messageLine('{\n"a":1}', true)).toBe('{\n  "a": 1\n}');
    expect(messageLine('{"a":1}', true)).toBe('{\n  "a": 1\n}');
    expect(messageLine('not\njson', true)).toBe('not\\njson');
  });
});
