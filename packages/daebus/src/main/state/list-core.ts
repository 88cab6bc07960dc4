import { DaebusError, ErrorCodes } from '../../shared/errors';
import { DEFAULT_LIST_MAX } from '../../shared/state-ops';

/** A list that keeps its last `max` items. */
export class ListCore {
  readonly name: string;
  readonly max: number;
  #items: unknown[] = [];

  constructor(name: string, max: number) {
    this.name = name;
    this.max = max;
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

/** A list is asked for with the `max` it has, or none: INVALID_OPTION otherwise; true when it is (the max is given explicitly). */
export function checkSameMax(name: string, max: number | undefined, asked: number): true {
  if (asked !== (max ?? DEFAULT_LIST_MAX))
    throw new DaebusError(
      ErrorCodes.INVALID_OPTION,
      `list "${name}" keeps ${max ?? DEFAULT_LIST_MAX} items; it was asked for with max ${asked}.`,
    );
  return true;
}
