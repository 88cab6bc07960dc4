/** What an entry of a LinkedSet carries: its neighbours, and whether it is in the set. */
export interface Linkable<T> {
  linkPrev: T | undefined;
  linkNext: T | undefined;
  linked: boolean;
}

/**
 * A set of objects that hold their own links (a doubly linked list through them), in the order
 * they were added: adding and removing touch two neighbours and allocate nothing. A `Map` or `Set`
 * hashes each key and, with entries coming and going all the time (the requests a service runs,
 * the deadlines of a caller's requests), makes a new table every few dozen of them, or each time
 * it empties. An object can be in one LinkedSet at a time.
 */
export class LinkedSet<T extends Linkable<T>> {
  #first: T | undefined;
  #last: T | undefined;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  /** The entry added first of those still here. */
  get first(): T | undefined {
    return this.#first;
  }

  add(item: T): void {
    if (item.linked) return;
    item.linked = true;
    item.linkPrev = this.#last;
    item.linkNext = undefined;
    if (this.#last === undefined) this.#first = item;
    else this.#last.linkNext = item;
    this.#last = item;
    this.#size += 1;
  }

  /** True when `item` was in the set. */
  delete(item: T): boolean {
    if (!item.linked) return false;
    const { linkPrev: prev, linkNext: next } = item;
    if (prev === undefined) this.#first = next;
    else prev.linkNext = next;
    if (next === undefined) this.#last = prev;
    else next.linkPrev = prev;
    item.linkPrev = undefined;
    item.linkNext = undefined;
    item.linked = false;
    this.#size -= 1;
    return true;
  }

  /** A copy of the entries, oldest first: the set may change while they are used. */
  values(): T[] {
    const all: T[] = [];
    for (let item = this.#first; item !== undefined; item = item.linkNext) all.push(item);
    return all;
  }
}
