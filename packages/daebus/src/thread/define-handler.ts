import { HANDLER_BRAND } from '../shared/definition-brands';
import { define, isDefinition, type Definition } from './brand';
import type { PooledContext } from './pooled-context';

/** A CPU-heavy action handler that runs on the pool: its return value (or throw) is the reply. */
export type PooledHandler<Payload = Record<string, unknown>, Result = unknown> = (
  payload: Payload,
  ctx: PooledContext,
) => Result | Promise<Result>;

/** What `defineHandler(fn)` returns: the handler, marked for the pool; export it from the handler's module. */
export type PooledHandlerDefinition<Payload = Record<string, unknown>, Result = unknown> = Definition<PooledHandler<Payload, Result>>;

/**
 * Declare a pooled action handler; export it from a module registered with
 * `app.action(name, { module })`: `export default defineHandler(async (payload, ctx) => { ... })`.
 * A plain exported function works too; `defineHandler` adds the types.
 */
export function defineHandler<Payload = Record<string, unknown>, Result = unknown>(
  fn: PooledHandler<Payload, Result>,
): PooledHandlerDefinition<Payload, Result> {
  return define(HANDLER_BRAND, 'defineHandler(fn)', fn);
}

/** A value made with defineHandler() (by any copy of the library). */
export function isHandlerDefinition(value: unknown): value is PooledHandlerDefinition {
  return isDefinition(HANDLER_BRAND, value);
}

/** The handler a module exports under `exportName`, as a definition or a plain function. */
export function pickHandler(mod: unknown, exportName: string): PooledHandler | undefined {
  const candidates: unknown[] = [(mod as Record<string, unknown> | null)?.[exportName]];
  // a CommonJS module compiled from TypeScript arrives as { default: module.exports }
  const inner = (mod as { default?: Record<string, unknown> } | null)?.default;
  if (inner && typeof inner === 'object') candidates.push(inner[exportName]);
  for (const candidate of candidates) {
    if (typeof candidate === 'function') return candidate as PooledHandler;
    if (isDefinition<PooledHandler>(HANDLER_BRAND, candidate)) return candidate.fn as PooledHandler;
  }
  return undefined;
}
