// A caller's request ids (main/rpc/request-ids.ts): uuid4-shaped, never repeated, a new prefix per caller.
import { RequestIds, idCount } from '../../src/main/rpc/request-ids';

const UUID4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('RequestIds', () => {
  it('gives uuid4-shaped ids that never repeat, counting in the last field', () => {
    const ids = new RequestIds();
    const made = Array.from({ length: 5_000 }, () => ids.next());
    for (const id of made) expect(id).toMatch(UUID4);
    expect(new Set(made).size).toBe(made.length);
    expect(made[0]?.slice(24)).toBe('000000000000');
    expect(made[4_999]?.slice(24)).toBe((4_999).toString(16).padStart(12, '0'));
    // one prefix for the lot
    expect(new Set(made.map((id) => id.slice(0, 24))).size).toBe(1);
  });

  it('draws a prefix of its own for each generator', () => {
    const prefixes = new Set(Array.from({ length: 50 }, () => new RequestIds().next().slice(0, 24)));
    expect(prefixes.size).toBe(50);
  });

  it('reads the counter back from an id it made, and -1 from any other text', () => {
    const ids = new RequestIds();
    for (let i = 0; i < 300; i++) expect(idCount(ids.next())).toBe(i);
    const id = ids.next();
    expect(idCount(id)).toBe(300);
    for (const other of [id.toUpperCase(), `${id}0`, id.slice(1), '', `${id.slice(0, 35)}g`, `${id.slice(0, 35)} `])
      expect(idCount(other)).toBe(-1);
  });
});
