// A handler's failure is logged with its error's stack, which says where it went wrong. A
// timeout's stack says only where the library's timer fired: it is left out (before: a pooled
// call's TIMEOUT, an expected outcome, was logged with the pool's internal stack).
import { DaebusError } from '../../src/shared/errors';
import { FailureLines } from '../../src/main/support/failure-lines';
import { captureLogger } from '../support/helpers';

describe("a handler's failure line", () => {
  it("carries the error's stack, but not a timeout's", () => {
    const { logger, records } = captureLogger();
    const lines = FailureLines.ofActions(logger);
    lines.failed('work', logger, 'the disk is full', new Error('the disk is full'));
    lines.failed('work', logger, 'timed out', new DaebusError('TIMEOUT', 'timed out after 100 ms'));
    lines.flush();
    expect(records[0]).toMatchObject({
      message: 'Action "work" failed: the disk is full',
      error: { stack: expect.stringContaining('Error') },
    });
    expect(records[1]).toMatchObject({
      message: 'Action "work" failed: timed out',
      error: { code: 'TIMEOUT', message: 'timed out after 100 ms' },
    });
    expect(records[1]?.['error']).not.toHaveProperty('stack');
  });
});
