import { DaebusError, ErrorCodes } from '../../shared/errors';
import { moduleSpecifier } from '../entry';

/**
 * A handler that runs on the piscina pool instead of the main thread: `app.action(name,
 * { module })`, `app.background(name, seconds, { module })`. The module exports a function
 * made with `defineHandler` from 'daebus/thread'.
 */
export interface PooledSpec {
  /** Path or file URL of the built module. */
  module: string | URL;
  /** Which export to call. Default `default`. */
  export?: string;
  /** An error reply (and a fresh worker) after this long. Default 60 000 ms. */
  timeoutMs?: number;
}

export interface ResolvedPooledSpec {
  specifier: string;
  exportName: string;
  timeoutMs: number;
}

export const DEFAULT_POOLED_TIMEOUT_MS = 60_000;

export function isPooledSpec(value: unknown): value is PooledSpec {
  return value !== null && typeof value === 'object' && 'module' in value;
}

export function resolvePooledSpec(where: string, spec: PooledSpec): ResolvedPooledSpec {
  for (const key of Object.keys(spec)) {
    if (!['module', 'export', 'timeoutMs'].includes(key)) {
      throw new DaebusError(
        ErrorCodes.INVALID_OPTION,
        `${where}: unknown option "${key}" (a pooled handler takes module, export, timeoutMs).`,
      );
    }
  }
  if (!(spec.module instanceof URL) && (typeof spec.module !== 'string' || spec.module.length === 0)) {
    throw new DaebusError(ErrorCodes.INVALID_OPTION, `${where}: module must be a path or file URL of built JavaScript.`);
  }
  const exportName = spec.export ?? 'default';
  if (typeof exportName !== 'string' || exportName.length === 0) {
    throw new DaebusError(ErrorCodes.INVALID_OPTION, `${where}: export must be the name of an exported function.`);
  }
  const timeoutMs = spec.timeoutMs ?? DEFAULT_POOLED_TIMEOUT_MS;
  if (typeof timeoutMs !== 'number' || !(timeoutMs > 0) || !Number.isFinite(timeoutMs)) {
    throw new DaebusError(
      ErrorCodes.INVALID_OPTION,
      `${where}: timeoutMs must be a finite number of milliseconds > 0 (got ${String(timeoutMs)}).`,
    );
  }
  return { specifier: moduleSpecifier(where, spec.module), exportName, timeoutMs };
}
