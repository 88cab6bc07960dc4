// A handler module whose top-level code calls process.exit() as a pool worker loads it would end
// that worker before it takes any call; piscina starts no new worker in place of one that ends
// as it starts (it would end again), and every pooled call, of any module, then waited out its
// timeout with nothing logged. While a worker loads a handler module, process.exit() throws
// instead: that module fails to load, logged and answered as one that throws at import is.
import { DaebusError, ErrorCodes } from '../shared/errors';

const exit = process.exit;
/** Handler modules this worker is loading now. */
let loading = 0;

function refuse(code?: string | number | null): never {
  throw new DaebusError(
    ErrorCodes.THREAD_LOAD_FAILED,
    `its top-level code called process.exit(${code ?? ''}), which would end the pool worker loading it (and no call of the pool could run); a pooled handler module must not end its thread: throw an error instead`,
  );
}

/** Run `load` (a handler module's import) with process.exit() refused until it settles. */
export async function withoutExit<T>(load: () => Promise<T>): Promise<T> {
  if (loading++ === 0) process.exit = refuse;
  try {
    return await load();
  } finally {
    if (--loading === 0) process.exit = exit;
  }
}
