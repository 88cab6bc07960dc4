// reindent (cli/reindent.ts): `daebus listen --pretty` indents JSON text without reading its
// numbers, so what a Python service sends is printed as it was sent.
import { reindent } from '../../src/cli/reindent';

describe('reindent', () => {
  it('indents as JSON.stringify(value, null, 2) does', () => {
    const values = [
      { a: 1, b: [1, 2, { c: 'x,y:{z}' }], d: {}, e: [], f: null, g: true, h: 'quote " and \\ back' },
      [[], [[]], [{}], 'a'],
      { nested: { deeper: { deepest: [1.5e300, -0, 'ünïcode \u2028'] } } },
      'text',
      42,
    ];
    for (const value of values) {
      const compact = JSON.stringify(value);
      expect(reindent(compact)).toBe(JSON.stringify(value, null, 2));
      // whitespace in the text does not matter
      expect(reindent(JSON.stringify(value, null, '\t'))).toBe(JSON.stringify(value, null, 2));
    }
  });

  it("keeps an integer past 2^53 and Python's NaN and Infinity as they were sent", () => {
    expect(reindent('{"ns":1796328959008000001,"max":9223372036854775807}')).toBe(
      '{\n  "ns": 1796328959008000001,\n  "max": 9223372036854775807\n}',
    );
    expect(reindent('{"a": NaN, "b": [Infinity, -Infinity]}')).toBe('{\n  "a": NaN,\n  "b": [\n    Infinity,\n    -Infinity\n  ]\n}');
  });

  it("decodes a string's \\u escapes, as JSON.parse and JSON.stringify would (Python escapes every character past ASCII)", () => {
    expect(reindent('{"name": "caf\\u00e9 \\ud83d\\ude00", "q": "a \\"quoted\\" \\\\u0041"}')).toBe(
      '{\n  "name": "café 😀",\n  "q": "a \\"quoted\\" \\\\u0041"\n}',
    );
  });

  it('gives back as it is a message whose indented form would pass the longest string (nested 20,000 deep)', () => {
    const deep = `${'['.repeat(20_000)}1${']'.repeat(20_000)}`;
    expect(reindent(deep)).toBe(deep);
  });

  it('gives back text that is not JSON as it is', () => {
    for (const text of ['not json', '{"a": 1', '{"a": NaN', '[1, 2,]', '']) expect(reindent(text)).toBe(text);
  });
});
