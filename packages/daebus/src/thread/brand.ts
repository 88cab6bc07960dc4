import { checker } from '../shared/validate';

/**
 * A function declared for the framework (`defineThread`, `defineHandler`): the function, marked
 * with a registered symbol so that a module loaded by another copy of the library is still
 * recognised.
 */
export interface Definition<F> {
  readonly fn: F;
}

export function define<F>(brand: symbol, where: string, fn: F): Definition<F> {
  checker(where, 'INVALID_ARGUMENT').fn('fn', fn);
  return { [brand]: true, fn } as Definition<F>;
}

export function isDefinition<F>(brand: symbol, value: unknown): value is Definition<F> {
  return (
    value !== null &&
    typeof value === 'object' &&
    (value as Record<symbol, unknown>)[brand] === true &&
    typeof (value as { fn?: unknown }).fn === 'function'
  );
}
