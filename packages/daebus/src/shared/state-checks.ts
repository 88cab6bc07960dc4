import { ErrorCodes } from './errors';
import { checker, isName } from './validate';

/**
 * Check a list's `max` option where the list is named. A whole number Redis can keep as its own
 * integer: past 2^53 a service-wide list took the cap and refused every append ("value is not an
 * integer or out of range").
 */
export function checkListMax(name: string, max: unknown): number | undefined {
  if (max === undefined) return undefined;
  const check = checker(`list "${name}"`);
  const cap = check.count('options.max', max, 1);
  return cap <= Number.MAX_SAFE_INTEGER ? cap : check.fail('options.max', `a whole number from 1 to ${Number.MAX_SAFE_INTEGER}`, max);
}

/** A shared structure's name, or INVALID_ARGUMENT naming the call (`kind`). */
export function checkStructureName(kind: string, name: unknown): string {
  return isName(name) ? name : checker(`${kind}(name)`, ErrorCodes.INVALID_ARGUMENT).name('name', name);
}
