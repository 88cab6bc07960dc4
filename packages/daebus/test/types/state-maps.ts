// Type tests: compiled by the package's typecheck (tsc), never run. A typed map passes where a
// wider one is taken, generic helpers over maps of numbers can add to them, and a map that may not
// hold numbers cannot (increment stores one).
import { Daebus, type SharedMap } from 'daebus';

const app = new Daebus('state_maps');
const counts = app.map<number>('counts');
const names = app.map<string>('names');
export const wide: SharedMap<unknown> = counts;
export const all: SharedMap[] = [counts, names];
export const maybe: SharedMap<number | undefined> = counts;
export function bump<V extends number>(map: SharedMap<V>): Promise<number> {
  return map.increment('k');
}

export async function increments(untyped: SharedMap, mixed: SharedMap<number | string>): Promise<number[]> {
  // @ts-expect-error a map of strings cannot hold the number increment stores
  const refused = await names.increment('k');
  const loose: SharedMap<any> = names; // eslint-disable-line @typescript-eslint/no-explicit-any
  return [await counts.increment('k', 2), await untyped.increment('k'), await mixed.increment('k'), await loose.increment('k'), refused];
}
