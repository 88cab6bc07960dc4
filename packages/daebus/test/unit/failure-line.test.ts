// The error line of a thread that enters `failed`: it says what happened, not always a crash.
import { failureLine } from '../../src/main/supervisor/reports';
import type { ResolvedThreadOptions } from '../../src/main/supervisor/thread-options';

const options = { maxRestarts: 5, windowMs: 60_000 } as ResolvedThreadOptions;

describe('the line of a thread that failed its restart budget', () => {
  it('says a permanent thread that kept returning was restarted too often, not that it crashed', () => {
    const line = failureLine('ticker', 'crash-loop', options, undefined, { reason: 'normal', code: 0 } as never);
    // before: "it crashed more than 5 times within 60000 ms; last error: none (exit code 0)"
    expect(line).not.toMatch(/crashed/);
    expect(line).toMatch(/was restarted more than 5 times within 60000 ms, the last time after it returned without an error/);
    expect(line).toMatch(/restart: "transient"/);
  });

  it('says a crash loop is one, with its last error', () => {
    const line = failureLine('t', 'crash-loop', options, { name: 'Error', message: 'boom.' }, { reason: 'crashed', code: 1 } as never);
    expect(line).toBe(
      'Thread "t" failed and will not be restarted: it crashed more than 5 times within 60000 ms; last error: boom. Fix the cause and call app.startThread("t").',
    );
  });

  it('says a thread allowed no restart (maxRestarts 0) ended, not that it crashed "more than 0 times"', () => {
    const none = { ...options, maxRestarts: 0 };
    const line = failureLine('t', 'crash-loop', none, { name: 'Error', message: 'stalled' }, { reason: 'crashed', code: 1 } as never);
    expect(line).toBe(
      'Thread "t" failed and will not be restarted: it ended, and its maxRestarts is 0; last error: stalled. Fix the cause and call app.startThread("t").',
    );
  });

  it('says "1 time", and, for a thread whose failure stops the service, not to start it again (ops review)', () => {
    const once = { ...options, maxRestarts: 1, onFailure: 'exit' } as ResolvedThreadOptions;
    const line = failureLine('t', 'crash-loop', once, { name: 'Error', message: 'boom' }, { reason: 'crashed', code: 1 } as never);
    // before: "crashed more than 1 times ... Fix the cause and call app.startThread("t")."
    expect(line).toBe(
      'Thread "t" failed and will not be restarted: it crashed more than 1 time within 60000 ms; last error: boom. The service stops (onFailure: \'exit\'); fix the cause.',
    );
  });
});
