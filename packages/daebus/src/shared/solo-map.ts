/**
 * A Map for tables that mostly hold one entry at a time (a caller sending requests one after
 * another, the requests a service is running): the first entry lives in two fields, the others
 * in a Map. V8 makes a Map a new hash table each time it shrinks back to empty, about 150 bytes
 * per set and delete; a sequential request crossed three such tables, a tenth of what it
 * allocated. Iteration gives the entries, but not in the order they were set.
 */
export class SoloMap<K, V> {
  #soloKey: K | undefined;
  #solo: V | undefined;
  #hasSolo = false;
  /** Made when a second entry comes: a table made per call (a pooled call's) often never needs it. */
  #rest: Map<K, V> | undefined;

  get size(): number {
    const rest = this.#rest === undefined ? 0 : this.#rest.size;
    return this.#hasSolo ? rest + 1 : rest;
  }

  get(key: K): V | undefined {
    if (this.#hasSolo && this.#soloKey === key) return this.#solo;
    return this.#rest === undefined || this.#rest.size === 0 ? undefined : this.#rest.get(key);
  }

  has(key: K): boolean {
    return (this.#hasSolo && this.#soloKey === key) || (this.#rest !== undefined && this.#rest.size > 0 && this.#rest.has(key));
  }

  set(key: K, value: V): void {
    if (this.#hasSolo ? this.#soloKey === key : this.#rest === undefined || this.#rest.size === 0 || !this.#rest.has(key)) {
      this.#soloKey = key;
      this.#solo = value;
      this.#hasSolo = true;
    } else {
      (this.#rest ??= new Map()).set(key, value);
    }
  }

  /** True when `key` was there. */
  delete(key: K): boolean {
    if (this.#hasSolo && this.#soloKey === key) {
      // let go of what the fields held: the table may stay empty a long time
      this.#soloKey = undefined;
      this.#solo = undefined;
      this.#hasSolo = false;
      return true;
    }
    return this.#rest !== undefined && this.#rest.size > 0 && this.#rest.delete(key);
  }

  /** A copy of the entries: the table may change while they are used. */
  entries(): [K, V][] {
    const all: [K, V][] = this.#rest === undefined ? [] : [...this.#rest];
    if (this.#hasSolo) all.unshift([this.#soloKey as K, this.#solo as V]);
    return all;
  }

  /** A copy of the values. */
  values(): V[] {
    const all: V[] = this.#rest === undefined ? [] : [...this.#rest.values()];
    if (this.#hasSolo) all.unshift(this.#solo as V);
    return all;
  }
}
