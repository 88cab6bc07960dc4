import type { PoolPreload } from '../../shared/protocol/pool';
import { checker } from '../../shared/validate';
import { workerModule } from '../workers/module-path';

/**
 * A handler that runs on the piscina pool instead of the main thread: `app.action(name,
 * { module })`, `app.background(name, seconds, { module })`. The module exports a function
 * made with `defineHandler` from 'daebus/thread'.
 */
export interface PooledSpec {
  /** Path or file URL of the built module. */
  module: string | URL;
  /** Which export to call. Default `default`. */
  export?: string | undefined;
  /** An error reply (and a fresh worker) after this long. Default 60 000 ms. */
  timeoutMs?: number | undefined;
}

export interface ResolvedPooledSpec {
  specifier: string;
  loader?: string;
  exportName: string;
  timeoutMs: number;
}

/** A pooled handler's default `timeoutMs`: 60 000 ms. */
export const DEFAULT_POOLED_TIMEOUT_MS = 60_000;

export function isPooledSpec(value: unknown): value is PooledSpec {
  return value !== null && typeof value === 'object' && 'module' in value;
}

export function resolvePooledSpec(where: string, spec: PooledSpec): ResolvedPooledSpec {
  const check = checker(where);
  check.knownKeys('the pooled handler', spec, ['module', 'export', 'timeoutMs']);
  if (!(spec.module instanceof URL)) check.name('module', spec.module);
  const exportName = check.name('export', spec.export ?? 'default');
  const timeoutMs = check.timeout('timeoutMs', spec.timeoutMs ?? DEFAULT_POOLED_TIMEOUT_MS);
  return { ...workerModule(where, spec.module), exportName, timeoutMs };
}

/** One key per handler (its module and export), whatever its timeout. */
export function specKey(spec: ResolvedPooledSpec): string {
  return `${spec.exportName}#${spec.specifier}`;
}

/** What the pool's workers load as they start: each registered handler's module and export. */
export function preloadsOf(specs: Iterable<ResolvedPooledSpec>): PoolPreload[] {
  return Array.from(specs, ({ specifier, loader, exportName }) =>
    loader === undefined ? { specifier, exportName } : { specifier, loader, exportName },
  );
}
