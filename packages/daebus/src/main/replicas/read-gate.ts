/** The first pause after a read whose requests all went back to the stream, and the longest. */
const FIRST_PAUSE_MS = 10;
const LONGEST_PAUSE_MS = 100;

/**
 * When the request stream's reader reads next. It waits for a free slot when it has no room.
 * After a read whose requests all went back to the stream for want of one (a full action with no
 * queue), it waits for a freed slot or a pause (10 ms, doubling to 100 ms while only hand-backs
 * come): else a lone replica reads the request it just appended again at once, and again, until
 * the action has room, a hot loop of Redis commands. A read that started anything reads on at once.
 * The pause is short because the other actions' requests wait behind it in the stream.
 */
export class ReadGate {
  #waiting?: () => void;
  /** A wake came while nobody waited (a slot freed during a read): the next wait ends at once. */
  #woken = false;
  #pauseMs = 0;
  #delivered = 0;
  #handedBack = 0;

  /** Resolves at the next {@link wake} (at once if one came since the last wait), or after `ms` when given. */
  wait(ms?: number): Promise<void> {
    if (this.#woken) {
      this.#woken = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const timer = ms === undefined ? undefined : setTimeout(() => this.wake(), ms);
      this.#waiting = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** A slot freed, or the reading stops: the reader goes on. */
  wake(): void {
    const waiting = this.#waiting;
    this.#waiting = undefined;
    if (waiting) waiting();
    else this.#woken = true;
  }

  /** A request of the current read went to the dispatcher. */
  delivered(): void {
    this.#delivered += 1;
  }

  /** A request of the current read went back to the stream. */
  handedBack(): void {
    this.#handedBack += 1;
  }

  /** After a read: the pause before the next, when all it delivered went back to the stream. */
  async afterRead(): Promise<void> {
    const onlyHandedBack = this.#handedBack > 0 && this.#handedBack >= this.#delivered;
    this.#pauseMs = onlyHandedBack ? Math.min(Math.max(this.#pauseMs * 2, FIRST_PAUSE_MS), LONGEST_PAUSE_MS) : 0;
    this.#delivered = 0;
    this.#handedBack = 0;
    if (this.#pauseMs > 0) await this.wait(this.#pauseMs);
  }
}
