/** How often the lines counted are reported, at most. */
const REPORT_MS = 1_000;

/** How many lines of a key were counted (not written) since the last report, and what the last said. */
export interface Counted<Last> {
  more: number;
  last: Last;
}

/**
 * Log lines of one kind, per key (a route, an action, an error code), counted and reported
 * together once a second (and at `flush`, as a process may end before the timer): a route that
 * fails or an action that turns requests away thousands of times a second would write a line for
 * each. `first` lets the caller write the first line of a key in a second in full; `count` only
 * counts.
 */
export class CountedLines<Last> {
  readonly #report: (counts: ReadonlyMap<string, Counted<Last>>) => void;
  /** Keys seen since the last report (a key written in full and not seen again has `more` 0). */
  readonly #counts = new Map<string, Counted<Last>>();
  #timer?: NodeJS.Timeout;

  /** `report` writes the lines for everything counted in a second (each key's `more` is at least 1). */
  constructor(report: (counts: ReadonlyMap<string, Counted<Last>>) => void) {
    this.#report = report;
  }

  /** Lines reported one per key: `report` writes the line for the `more` lines of `key`. */
  static perKey<Last>(report: (key: string, more: number, last: Last) => void): CountedLines<Last> {
    return new CountedLines<Last>((counts) => {
      for (const [key, { more, last }] of counts) report(key, more, last);
    });
  }

  /** True when this is the first line of `key` this second (the caller writes it); else it is counted. */
  first(key: string, last: Last): boolean {
    if (this.#counts.has(key)) {
      this.count(key, last);
      return false;
    }
    this.#counts.set(key, { more: 0, last });
    this.#timer ??= setTimeout(() => this.flush(), REPORT_MS).unref();
    return true;
  }

  /** Count a line of `key` that is not written now. */
  count(key: string, last: Last): void {
    const counted = this.#counts.get(key);
    if (counted !== undefined) {
      counted.more += 1;
      counted.last = last;
      return;
    }
    this.#counts.set(key, { more: 1, last });
    this.#timer ??= setTimeout(() => this.flush(), REPORT_MS).unref();
  }

  /** Report what was counted so far (each second, and when the service or server stops). */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const [key, { more }] of this.#counts) if (more === 0) this.#counts.delete(key);
    if (this.#counts.size > 0) this.#report(this.#counts);
    this.#counts.clear();
  }
}
