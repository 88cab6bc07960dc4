// What an error message or a log line repeats of a sender's text: cut, never between the halves of a character.
import { clipped } from '../../src/shared/clipped';

describe('clipped text', () => {
  it('is the text itself up to the limit, else its start and "..."', () => {
    expect(clipped('abc', 3)).toBe('abc');
    expect(clipped('abcd', 3)).toBe('abc...');
  });

  it('cuts before a character outside the BMP rather than through it (before: "😀\\ud83d...", printed with U+FFFD)', () => {
    const emoji = '😀'.repeat(10); // two UTF-16 units each
    expect(clipped(emoji, 5)).toBe('😀😀...');
    expect(clipped(emoji, 6)).toBe('😀😀😀...');
    expect(clipped(`a${emoji}`, 6)).toBe('a😀😀...');
    // no lone half of a pair is left
    expect(clipped(emoji, 5)).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
  });
});
