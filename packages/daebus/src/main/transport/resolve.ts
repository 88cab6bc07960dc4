import { DaebusError, ErrorCodes } from '../../shared/errors';
import { MemoryTransport } from './memory';
import type { Transport } from './transport';

/** What `transport` options accept: `'memory'`, or a Transport instance. */
export type TransportOption = 'memory' | Transport;

export function resolveTransport(option: TransportOption): Transport {
  if (option === 'memory') return new MemoryTransport();
  if (isTransport(option)) return option;
  throw new DaebusError(ErrorCodes.INVALID_OPTION, `transport must be 'memory' or a Transport object (got ${String(option)}).`);
}

function isTransport(value: unknown): value is Transport {
  const t = value as Partial<Transport> | null;
  return (
    t !== null &&
    typeof t === 'object' &&
    typeof t.connect === 'function' &&
    typeof t.subscribe === 'function' &&
    typeof t.unsubscribe === 'function' &&
    typeof t.publish === 'function' &&
    typeof t.close === 'function'
  );
}
