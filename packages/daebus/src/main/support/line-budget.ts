import { CountedLines } from './counted-lines';
import { monotonicMs } from '../../shared/clock';

const WINDOW_MS = 1_000;

/**
 * Lines of one kind of which the first `perSecond` of each second are written in full, the rest
 * counted (by key) into the lines `more` reports once a second. A flood (a hostile sender, a
 * timer that throws every millisecond) then writes a few lines a second instead of thousands.
 */
export class BudgetedLines<Last> {
  readonly #perSecond: number;
  readonly #more: CountedLines<Last>;
  #windowStart = -Infinity;
  #inWindow = 0;

  constructor(perSecond: number, more: CountedLines<Last>) {
    this.#perSecond = perSecond;
    this.#more = more;
  }

  /** True when this line is to be written in full (the caller writes it); else it is counted under `key`, with `last`. */
  full(key: string, last: Last, now = monotonicMs()): boolean {
    if (now - this.#windowStart >= WINDOW_MS) {
      this.#windowStart = now;
      this.#inWindow = 0;
    }
    if (++this.#inWindow <= this.#perSecond) return true;
    this.#more.count(key, last);
    return false;
  }

  /** Report what was counted and not said yet (each second, and when the service stops). */
  flush(): void {
    this.#more.flush();
  }
}
