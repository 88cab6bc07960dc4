import type { StructureKind } from '../../shared/state-ops';
import { checkStructureName } from '../../shared/state-checks';
import { checker } from '../../shared/validate';
import type { StateStore } from '../state/store';

/** Where a shared structure lives: `process` (in this process, the default) or `service` (in Redis, shared by every replica). */
export interface StructureOptions {
  /** `'process'` (default): in this process; `'service'`: in Redis, one structure for every replica of the service (values are JSON). */
  scope?: 'process' | 'service' | undefined;
}

/** Check a structure's name and scope, declare or create it, and return the store that serves it. */
export function openStructure(
  store: StateStore,
  kind: StructureKind,
  where: string,
  name: string,
  options: StructureOptions,
  max?: number,
): StateStore {
  checkStructureName(where, name);
  const check = checker(`${where}("${name}")`);
  // plain JavaScript has no type check: a misspelt option would be dropped without a word
  check.knownKeys('options', check.plainObject('options', options), kind === 'list' ? ['scope', 'max'] : ['scope']);
  const scope = check.oneOf('options.scope', options.scope ?? 'process', ['process', 'service']);
  if (scope === 'service') store.declareServiceWide(kind, name, max);
  else if (store.serviceWide(name) === undefined) store.ensure(kind, name, max);
  else if (store.serviceWide(name)?.kind !== kind) store.declareServiceWide(kind, name, max); // refused: another kind
  return store;
}
