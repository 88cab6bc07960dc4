// A caller's request ids (main/rpc/request-ids.ts): uuid4-shaped, never repeated, a new prefix per caller.
import { ReplyTable } from '../../src/main/rpc/reply-table';
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

describe('when the counter wraps (a new prefix, counting from 0 again)', () => {
  it('skips a counter that a request of the last prefix still waits under', () => {
    const ids = new RequestIds(4);
    const first = [ids.next(), ids.next(), ids.next(), ids.next()];
    const waiting = new Set([idCount(first[0] as string), idCount(first[2] as string)]);
    const next = Array.from({ length: 2 }, () => ids.next((count) => waiting.has(count)));
    expect(next.map(idCount)).toEqual([1, 3]);
    expect(next[0]?.slice(0, 24)).not.toBe(first[0]?.slice(0, 24));
  });

  it('keeps each request its own reply: an old one still waiting and a new one share no counter', async () => {
    const table = new ReplyTable('svc', undefined, new RequestIds(3));
    const old = table.nextId();
    const oldReply = table.wait(old, 'slow', undefined, 60_000, true);
    for (let i = 0; i < 2; i++) {
      const id = table.nextId();
      const reply = table.wait(id, 'fast', undefined, 60_000, true);
      table.receive(JSON.stringify({ status: 'success', payload: i, request_id: id, final: true }));
      await expect(reply).resolves.toBe(i);
    }
    // wrapped: the new prefix's counter 0 is the old request's, so the new request gets 1
    const fresh = table.nextId();
    expect(idCount(fresh)).toBe(1);
    const freshReply = table.wait(fresh, 'fast', undefined, 60_000, true);
    table.receive(JSON.stringify({ status: 'success', payload: { who: 'old' }, request_id: old, final: true }));
    table.receive(JSON.stringify({ status: 'success', payload: { who: 'fresh' }, request_id: fresh, final: true }));
    await expect(oldReply).resolves.toEqual({ who: 'old' });
    await expect(freshReply).resolves.toEqual({ who: 'fresh' });
  });
});
