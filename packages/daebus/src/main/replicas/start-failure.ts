import { DaebusError, ErrorCodes, toPlainError } from '../../shared/errors';

/**
 * A replica's start that Redis refused, as the service's error: Redis's own text names a command
 * or a key, not what the replica was doing, and for a refused permission says nothing of which
 * ones replicas need (a restricted Redis user's start failed with a bare NOPERM ReplyError).
 */
export function replicaStartError(err: unknown, service: string): unknown {
  if (err instanceof DaebusError) return err;
  const { message } = toPlainError(err);
  const permission = message.startsWith('NOPERM')
    ? ' The Redis user lacks a permission that replicas need: the package\'s docs/operations.md ("Redis permissions") lists the commands, keys and channels.'
    : '';
  return new DaebusError(
    ErrorCodes.TRANSPORT_ERROR,
    `Could not start as a replica of service "${service}" on Redis: ${message.replace(/\.$/, '')}.${permission}`,
    { cause: err },
  );
}
