import { sizeOver } from '../../src/main/rpc/reply-size';

describe('sizeOver (the maxReplyBytes check)', () => {
  it.each<[string, number, number | undefined]>([
    ['a'.repeat(100), 99, 100],
    ['a'.repeat(100), 100, undefined],
    ['é'.repeat(10), 19, 20], // two bytes a character: over though its length is not
    ['é'.repeat(10), 20, undefined],
    ['😀'.repeat(5), 19, 20], // a surrogate pair: two units, four bytes
    ['x', 2, undefined],
  ])('%j against %d bytes gives %s', (text, maxBytes, expected) => {
    expect(sizeOver(text, maxBytes)).toBe(expected);
  });
});
