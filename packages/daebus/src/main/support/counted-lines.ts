/** How often the lines counted after the first of a key are reported, at most. */
const REPORT_MS = 1_000;

/**
 * Log lines of one kind, per key (a route): the first of a key in a second is written in full by
 * the caller; the rest are counted and reported as one line a second later (and at `flush`). A
 * route that fails or times out on thousands of requests a second would write a line for each.
 */
export class CountedLines<Last> {
  readonly #report: (key: string, more: number, last: Last) => void;
  /** Keys seen this second: how many came after the first (written) one, and what the last said. */
  readonly #counts = new Map<string, { more: number; last: Last }>();
  #timer?: NodeJS.Timeout;

  /** `report` writes the line for the `more` lines of `key` counted in a second. */
  constructor(report: (key: string, more: number, last: Last) => void) {
    this.#report = report;
  }

  /** True when this is the first line of `key` this second (the caller writes it); else it is counted. */
  first(key: string, last: Last): boolean {
    const counted = this.#counts.get(key);
    if (counted !== undefined) {
      counted.more += 1;
      counted.last = last;
      return false;
    }
    this.#counts.set(key, { more: 0, last });
    this.#timer ??= setTimeout(() => this.flush(), REPORT_MS).unref();
    return true;
  }

  /** Report what was counted so far (each second, and when the server stops). */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const [key, { more, last }] of this.#counts) if (more > 0) this.#report(key, more, last);
    this.#counts.clear();
  }
}
