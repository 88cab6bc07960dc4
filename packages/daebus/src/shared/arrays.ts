// Emptying small arrays that are filled again at once (one item in flight, taken and replaced):
// V8 gives an array emptied by `length = 0` (or, on Node 24, by `shift()` of its last item) a
// new backing store on the next push, 152 bytes of garbage every time; pop() keeps the store.

/** Empty `array` in place, keeping its backing store. */
export function emptyInPlace(array: unknown[]): void {
  while (array.length > 0) array.pop();
}

/** Remove and return the first item, keeping the backing store when it was the last one. */
export function takeFirst<T>(array: T[]): T | undefined {
  return array.length === 1 ? array.pop() : array.shift();
}
