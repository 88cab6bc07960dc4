// A pool whose workers cannot start when the service starts (no thread left to the process:
// EAGAIN) is said in the log, and each pooled call tries again (before: the start failed with the
// bare error, after the transport had connected, and its connections held the process for ever).
import { HandlerPool } from '../../src/main/pool/handler-pool';
import { captureLogger } from '../support/helpers';

let refusing = true;
jest.mock('../../src/main/pool/create-piscina', () => ({
  createPiscina: () => {
    if (refusing) throw Object.assign(new Error('EAGAIN'), { code: 'ERR_WORKER_INIT_FAILED' });
    throw new Error('made on the second try');
  },
}));

it('says a pool that cannot start at warm-up, and tries again at the next call', async () => {
  const { logger, records } = captureLogger();
  const pool = new HandlerPool(2, {} as never, logger);
  expect(() => pool.warm()).not.toThrow();
  expect(records.map((r) => [r.level, r.message])).toEqual([
    ['error', 'The handler pool could not start its workers (EAGAIN); each pooled call tries again.'],
  ]);
  refusing = false;
  await expect(pool.run({} as never)).rejects.toThrow('made on the second try');
});
