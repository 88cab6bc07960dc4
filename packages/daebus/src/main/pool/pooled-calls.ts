import type { ActionHandler } from '../rpc/dispatcher';
import type { Logger } from '../support/logger';
import type { HandlerPool } from './handler-pool';
import type { ResolvedPooledSpec } from './pooled-spec';

/** An action handler that runs `spec` on the pool: its updates stream to the caller, its logs carry the request. */
export function pooledAction(pool: () => HandlerPool, action: string, spec: ResolvedPooledSpec): ActionHandler {
  const { specifier, loader, exportName, timeoutMs } = spec;
  // built field by field: this runs for every pooled request
  return (payload, context) =>
    pool().run({
      specifier,
      loader,
      exportName,
      timeoutMs,
      action,
      requestId: context.request.requestId,
      payload,
      log: () => context.logger,
      onProgress: (update) => void context.response.send(update, { final: false }),
    });
}

/** A background task's run on the pool: no payload, no caller. */
export function pooledTask(pool: () => HandlerPool, name: string, spec: ResolvedPooledSpec, logger: Logger): () => Promise<unknown> {
  return () => pool().run({ ...spec, action: name, requestId: undefined, payload: {}, log: () => logger, onProgress: () => undefined });
}
