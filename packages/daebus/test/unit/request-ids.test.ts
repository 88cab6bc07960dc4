// A caller's request ids (main/rpc/request-ids.ts): uuid4-shaped, never repeated, a new prefix per caller.
import { RequestIds } from '../../src/main/rpc/request-ids';

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
});
