// Type tests: compiled by the package's typecheck (tsc), never run. A typed map passes where a
// wider one is taken, and generic helpers over maps of numbers can add to them.
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
