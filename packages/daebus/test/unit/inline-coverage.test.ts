// An inline thread instrumented for coverage (istanbul: jest --coverage, nyc) counts into a
// function of the file that registered it; in its worker that name is undefined.
import { explainInlineError, loadThreadFunction } from '../../src/thread/load';

// what istanbul writes into an inline thread function: a call of the file's counter per statement
const INSTRUMENTED = "(async (running, t) => { cov_26mhgy1k64().f[0]++; cov_26mhgy1k64().s[1]++; t.log.info('x'); })";

async function failureOf(source: string): Promise<unknown> {
  const fn = await loadThreadFunction('covered', { kind: 'inline', source });
  try {
    await fn(() => true, { log: { info: () => undefined } } as never);
  } catch (err) {
    return explainInlineError('covered', err);
  }
  return 'did not throw';
}

describe('an inline thread rewritten by coverage instrumentation', () => {
  it('fails naming the coverage counter, saying how to keep the function uninstrumented', async () => {
    const error = (await failureOf(INSTRUMENTED)) as Error & { code: string; details: unknown };
    expect(error.code).toBe('THREAD_INLINE_SCOPE');
    expect(error.details).toEqual({ variable: 'cov_26mhgy1k64' });
    expect(error.message).toContain('uses "cov_26mhgy1k64", a coverage counter: coverage instrumentation');
    expect(error.message).toContain('/* istanbul ignore next */');
    expect(error.message).toContain('register a module made with defineThread()');
  });

  it('keeps the general advice for a variable of the file that is no counter', () => {
    const error = explainInlineError('covered', new ReferenceError('coverage is not defined')) as Error;
    expect(error.message).toContain('uses "coverage", which is not defined inside the function');
    expect(error.message).not.toContain('istanbul');
  });
});
