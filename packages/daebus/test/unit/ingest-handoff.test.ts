// A replica taking over the lease of one that stops ignores the channel until its marker (the
// leaving holder adds what came before it). When its take-over fails, what it ignored meanwhile
// was either the old holder's and the other taker's (another replica took it over first), or
// possibly no one's (the holder let go of it first: this replica was busy past the hand-off's
// wait). Only the second is said, with the count.
import { IngestHandoff } from '../../src/main/replicas/ingest-handoff';
import type { IngestLease } from '../../src/main/replicas/ingest-lease';

function handoff(answer: string): { handoff: IngestHandoff; unadded: number[]; subscribed: () => void } {
  let subscribed = (): void => undefined;
  const reached = new Promise<void>((resolve) => (subscribed = resolve));
  const unadded: number[] = [];
  const made = new IngestHandoff({
    lease: { takeOver: () => reached.then(() => answer) } as unknown as IngestLease,
    id: 'me',
    waitMs: 1_000,
    subscribe: () => Promise.resolve(),
    unsubscribe: () => Promise.resolve(),
    tick: () => undefined,
    took: () => undefined,
    unadded: (count) => void unadded.push(count),
  });
  return { handoff: made, unadded, subscribed };
}

describe('a take-over that fails', () => {
  it('says how many requests it received and did not add when the holder let go of the lease first', async () => {
    const { handoff: h, unadded, subscribed } = handoff('withdrawn');
    const taking = h.takeOver('old');
    for (let i = 0; i < 3; i++) if (h.ignoring) h.skip();
    subscribed();
    await expect(taking).resolves.toBeUndefined();
    expect(unadded).toEqual([3]);
  });

  it('says nothing when another replica took it over first (its marker may come after this answer)', async () => {
    const { handoff: h, unadded, subscribed } = handoff('taken');
    const taking = h.takeOver('old');
    for (let i = 0; i < 3; i++) if (h.ignoring) h.skip();
    subscribed();
    await expect(taking).resolves.toBeUndefined();
    expect(unadded).toEqual([]);
  });

  it("ends the ignoring at this replica's own marker, not at another's", async () => {
    const { handoff: h, subscribed } = handoff('7');
    const taking = h.takeOver('old');
    h.onMessage('taken:other:6', 'handoff');
    expect(h.ignoring).toBe(true);
    subscribed();
    await expect(taking).resolves.toMatchObject({ epoch: '7' });
    h.onMessage('taken:me:7', 'handoff');
    expect(h.ignoring).toBe(false);
  });
});
