import type { Redis } from 'ioredis';

/**
 * Looks every `everyMs` at how many other connections subscribe to a channel (PUBSUB NUMSUB less
 * this process's own subscription) and calls `onMore` when more are seen than were last said,
 * twice in a row: one seen once may be passing by (a replica that stalled while it held a lease
 * stays subscribed until it wakes and lets go). Fewer lowers the mark, so one that leaves and
 * comes back is said again. `onMore` resolves false when it said nothing (the mark stays).
 */
export class SubscriberWatch {
  readonly #client: Redis;
  readonly #channel: string;
  readonly #everyMs: number;
  readonly #onMore: (others: number) => boolean | Promise<boolean>;
  #timer?: NodeJS.Timeout;
  /** How many others were said last (or were there at the start). */
  #known = 0;
  #seen = 0;
  #looking = false;

  constructor(client: Redis, channel: string, everyMs: number, onMore: (others: number) => boolean | Promise<boolean>) {
    this.#client = client;
    this.#channel = channel;
    this.#everyMs = everyMs;
    this.#onMore = onMore;
  }

  /** How many other connections subscribe to the channel now. */
  async others(): Promise<number> {
    return Number(((await this.#client.pubsub('NUMSUB', this.#channel)) as unknown[])[1]) - 1;
  }

  /** Look every `everyMs` from now on; `known` others are there already and said. */
  start(known = 0): void {
    if (this.#timer !== undefined) return;
    this.#known = known;
    this.#seen = 0;
    this.#timer = setInterval(() => void this.#look(), this.#everyMs).unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  async #look(): Promise<void> {
    const timer = this.#timer;
    // one look at a time: a slow Redis piled them up (8 at once in a 1.5 s pause, looking every 200 ms)
    if (this.#looking) return;
    let others: number;
    this.#looking = true;
    try {
      others = await this.others();
    } catch {
      return; // Redis down or slow: the transport says so
    } finally {
      this.#looking = false;
    }
    if (this.#timer !== timer) return;
    if (!(others > this.#known)) {
      this.#seen = 0;
      this.#known = Math.max(0, others);
      return;
    }
    if (++this.#seen < 2) return;
    this.#seen = 0;
    if ((await this.#onMore(others)) && this.#timer === timer) this.#known = others;
  }
}
