import { DaebusError, ErrorCodes } from '../../shared/errors';
import { DEFAULT_LIST_MAX } from '../../shared/state-ops';

/** A list's cap: `explicit` once some side gave a `max`; until then it is the default, and not fixed. */
export interface ListCap {
  max?: number | undefined;
  explicit?: boolean | undefined;
}

/** A list that keeps its last `max` items. */
export class ListCore implements ListCap {
  readonly name: string;
  max: number;
  explicit: boolean;
  #items: unknown[] = [];

  constructor(name: string, max?: number) {
    this.name = name;
    this.max = max ?? DEFAULT_LIST_MAX;
    this.explicit = max !== undefined;
  }

  /** Asked for with `max`: the first `max` given sets the cap (the oldest items beyond it go), another is refused. */
  capAt(max: number): void {
    fixCap(this.name, this, max);
    if (this.#items.length > this.max) this.#items.splice(0, this.#items.length - this.max);
  }

  append(item: unknown): number {
    this.#items.push(item);
    if (this.#items.length > this.max) this.#items.splice(0, this.#items.length - this.max);
    return this.#items.length;
  }

  snapshot(): unknown[] {
    return this.#items.slice();
  }

  get size(): number {
    return this.#items.length;
  }

  clear(): void {
    this.#items = [];
  }
}

/**
 * A list asked for with `asked`: a cap no side has given yet takes it (a reader that opened the
 * list without `max` does not fix it at the default); one given already must be the same,
 * INVALID_OPTION otherwise.
 */
export function fixCap(name: string, cap: ListCap, asked: number): void {
  if (!cap.explicit) {
    cap.max = asked;
    cap.explicit = true;
  } else if (asked !== (cap.max ?? DEFAULT_LIST_MAX)) {
    throw new DaebusError(
      ErrorCodes.INVALID_OPTION,
      `list "${name}" has max ${cap.max ?? DEFAULT_LIST_MAX} (its first max sets it); it was opened again with max ${asked}. ` +
        `Open it with max ${cap.max ?? DEFAULT_LIST_MAX}, or without max.`,
    );
  }
}
