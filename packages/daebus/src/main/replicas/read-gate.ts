/** The first pause after a read whose requests all went back to the stream, and the longest. */
const FIRST_PAUSE_MS = 20;
const LONGEST_PAUSE_MS = 1_000;

/**
 * When the request stream's reader reads next. It waits for a free slot when it has no room, and
 * after a read that handed requests back for want of one (a full action with no queue), it waits
 * for a freed slot or a pause (20 ms, doubling to 1 s while hand-backs go on): else a lone
 * replica reads the request it just appended again at once, and again, until the action has room,
 * a hot loop of Redis commands.
 */
export class ReadGate {
  #waiting?: () => void;
  #pauseMs = 0;
  #handedBack = false;

  /** Resolves at the next {@link wake}, or after `ms` when given. */
  wait(ms?: number): Promise<void> {
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
    waiting?.();
  }

  /** A request of the current read went back to the stream. */
  handedBack(): void {
    this.#handedBack = true;
  }

  /** After a read: the pause before the next, when it handed requests back. */
  async afterRead(): Promise<void> {
    this.#pauseMs = this.#handedBack ? Math.min(Math.max(this.#pauseMs * 2, FIRST_PAUSE_MS), LONGEST_PAUSE_MS) : 0;
    this.#handedBack = false;
    if (this.#pauseMs > 0) await this.wait(this.#pauseMs);
  }
}
