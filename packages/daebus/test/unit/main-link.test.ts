// A worker's link to the main side: which writes go without an answer, and how many at once.
import { POSTED_PUT, POSTED_SET, QUEUE_GET, QUEUE_ITEM, type CoreToMain, type MainToWorker } from '../../src/shared/protocol/core';
import type { StateCall } from '../../src/shared/state-ops';
import { MainLink } from '../../src/thread/link';
import { POSTED_WINDOW } from '../../src/thread/posted-writes';

/** A message the link sent, read back: posted writes have no id (nothing answers them). */
interface Sent {
  posted: boolean;
  id: number;
  message: CoreToMain;
}

function read(message: CoreToMain): Sent {
  if (Array.isArray(message)) {
    const tag = message[0] as number;
    if (tag === POSTED_PUT || tag === POSTED_SET) return { posted: true, id: NaN, message };
    if (tag === QUEUE_GET) return { posted: false, id: message[1] as number, message };
  }
  return { posted: false, id: (message as { id: number }).id, message };
}

function link(): { link: MainLink; sent: Sent[]; answer(id: number, extra?: Partial<MainToWorker>): void } {
  const sent: Sent[] = [];
  const l = new MainLink({ postMessage: (m) => sent.push(read(m)) });
  return {
    link: l,
    sent,
    answer: (id, extra = {}) => l.receive({ type: 'result', id, ok: true, value: undefined, ...extra } as MainToWorker),
  };
}

const put = (name: string, item: unknown): StateCall => ({ kind: 'queue', name, op: 'put', item });
const set = (name: string, key: string, value: unknown): StateCall => ({ kind: 'map', name, op: 'set', key, value });
/** Settles within a few turns of the microtask queue: true when `promise` did. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(() => (done = true));
  for (let i = 0; i < 5; i++) await Promise.resolve();
  return done;
}

describe('MainLink writes', () => {
  it('waits for the answer to the first put on a queue; once it said postable, later puts resolve when posted', async () => {
    const { link: l, sent, answer } = link();
    const first = l.stateCall(put('q', 1));
    expect(await settled(first)).toBe(false);
    expect(sent[0]).toMatchObject({ posted: false, message: { type: 'state', call: { op: 'put', item: 1 } } });
    answer(sent[0]!.id, { postable: true });
    expect(await settled(first)).toBe(true);

    const second = l.stateCall(put('q', 2));
    expect(await settled(second)).toBe(true);
    expect(sent[1]).toEqual({ posted: true, id: NaN, message: [POSTED_PUT, 'q', 2] });
    // another queue, and a map of another name, start over: their first write waits
    expect(await settled(l.stateCall(put('other', 3)))).toBe(false);
    expect(await settled(l.stateCall(set('q', 'k', 1)))).toBe(false);
  });

  it('keeps every write answered when the answer did not say postable (a service-wide structure, a failed write)', async () => {
    const { link: l, sent, answer } = link();
    for (let i = 0; i < 3; i++) {
      const write = l.stateCall(set('remote', 'k', i));
      expect(sent[i]?.posted).toBe(false);
      answer(sent[i]!.id);
      await write;
    }
    const failing = l.stateCall(put('wrong-kind', 1));
    l.receive({
      type: 'result',
      id: sent[3]!.id,
      ok: false,
      error: { name: 'DaebusError', message: 'is a map', code: 'STATE_KIND_MISMATCH' },
    });
    await expect(failing).rejects.toMatchObject({ code: 'STATE_KIND_MISMATCH' });
    expect(await settled(l.stateCall(put('wrong-kind', 2)))).toBe(false);
  });

  it(`posts at most ${POSTED_WINDOW} writes ahead of the main side's answers; the next waits, and its answer opens the window again`, async () => {
    const { link: l, sent, answer } = link();
    const first = l.stateCall(put('q', 0));
    answer(sent[0]!.id, { postable: true });
    await first;
    for (let i = 1; i <= POSTED_WINDOW; i++) expect(await settled(l.stateCall(put('q', i)))).toBe(true);
    const blocked = l.stateCall(put('q', 'over'));
    expect(await settled(blocked)).toBe(false);
    const over = sent[sent.length - 1]!;
    expect(over.posted).toBe(false);
    // any answer means the main side handled every message posted before that call
    answer(over.id);
    expect(await settled(blocked)).toBe(true);
    expect(await settled(l.stateCall(put('q', 'again')))).toBe(true);
    expect(sent[sent.length - 1]?.posted).toBe(true);
  });

  it('counts the window right when answers keep arriving with writes still in flight', async () => {
    const { link: l, sent, answer } = link();
    const first = l.stateCall(put('q', 0));
    answer(sent[0]!.id, { postable: true });
    await first;
    // put, get, put, then the get's answer: one put is still on its way after each answer
    for (let round = 0; round < 3 * POSTED_WINDOW; round++) {
      expect(await settled(l.stateCall(put('q', round)))).toBe(true);
      void l.stateCall({ kind: 'queue', name: 'in', op: 'get', timeoutMs: 10 });
      const get = sent[sent.length - 1]!;
      expect(await settled(l.stateCall(put('q', `after ${round}`)))).toBe(true);
      answer(get.id);
    }
    // one write is in flight now: the window takes POSTED_WINDOW - 1 more, the next one waits
    for (let i = 1; i < POSTED_WINDOW; i++) expect(await settled(l.stateCall(put('q', `fill ${i}`)))).toBe(true);
    expect(await settled(l.stateCall(put('q', 'over')))).toBe(false);
  });

  it('refuses a posted write that cannot be copied, and sends nothing', async () => {
    const sent: unknown[] = [];
    const strict = new MainLink({ postMessage: (m) => sent.push(structuredClone(m)) });
    const first = strict.stateCall(put('q', 1));
    strict.receive({ type: 'result', id: 1, ok: true, value: undefined, postable: true });
    await first;
    await expect(strict.stateCall(put('q', () => 1))).rejects.toMatchObject({ code: 'NOT_CLONEABLE' });
    expect(sent).toHaveLength(1);
  });

  it('sends a map set posted once the map said postable, as the compact form', async () => {
    const { link: l, sent, answer } = link();
    const first = l.stateCall(set('m', 'a', 1));
    answer(sent[0]!.id, { postable: true });
    await first;
    expect(await settled(l.stateCall(set('m', 'b', { deep: [2] })))).toBe(true);
    expect(sent[1]).toEqual({ posted: true, id: NaN, message: [POSTED_SET, 'm', 'b', { deep: [2] }] });
  });

  it('sends a get in compact form and resolves it with its item, or with a result', async () => {
    const { link: l, sent } = link();
    const got = l.stateCall({ kind: 'queue', name: 'q', op: 'get', timeoutMs: 10 });
    expect(sent[0]!.message).toEqual([QUEUE_GET, 1, 'q', 10]);
    l.receive([QUEUE_ITEM, 1, { n: 1 }]);
    await expect(got).resolves.toEqual({ n: 1 });
    // no item (a timeout): a plain result, which is not confirmed
    const none = l.stateCall({ kind: 'queue', name: 'q', op: 'get', timeoutMs: 10 });
    l.receive({ type: 'result', id: 2, ok: true, value: undefined });
    await expect(none).resolves.toBeUndefined();
    expect(sent.map((m) => m.message)).toEqual([[QUEUE_GET, 1, 'q', 10], { type: 'ack', id: 1 }, [QUEUE_GET, 2, 'q', 10]]);
  });

  it('confirms an item of get as it arrives: an ack message by default, or the given confirmation', () => {
    const { link: l, sent } = link();
    void l.stateCall({ kind: 'queue', name: 'q', op: 'get', timeoutMs: 10 });
    l.receive([QUEUE_ITEM, 1, 'item']);
    expect(sent[1]!.message).toEqual({ type: 'ack', id: 1 });

    const confirmed: number[] = [];
    const counting = new MainLink({ postMessage: () => undefined }, (id) => confirmed.push(id));
    void counting.stateCall({ kind: 'queue', name: 'q', op: 'get', timeoutMs: 10 });
    counting.receive([QUEUE_ITEM, 1, 'item']);
    expect(confirmed).toEqual([1]);
  });
});
