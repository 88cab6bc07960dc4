const WINDOW_MS = 1_000;

/**
 * How many lines of a kind are written in full each second: the first `perSecond` are, and the
 * caller counts the rest into one line (CountedLines). A flood (a hostile sender, a timer that
 * throws every millisecond) then writes a few lines a second instead of thousands.
 */
export class LineBudget {
  readonly #perSecond: number;
  #windowStart = 0;
  #inWindow = 0;

  constructor(perSecond: number) {
    this.#perSecond = perSecond;
  }

  /** True when this line is written in full; false when the caller only counts it. */
  take(now = Date.now()): boolean {
    if (now - this.#windowStart >= WINDOW_MS) {
      this.#windowStart = now;
      this.#inWindow = 0;
    }
    return ++this.#inWindow <= this.#perSecond;
  }
}
