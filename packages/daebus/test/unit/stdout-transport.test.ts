// The default log sink watches stdout for EPIPE once per process, however many copies of the module
// load, and only once a service starts: a script that merely imports daebus dies of EPIPE as plain Node does.
type Sink = typeof import('../../src/main/support/stdout-transport');

/** A fresh copy of the module: as jest makes per test file, or the CommonJS and ESM builds side by side. */
function freshSink(): Sink {
  let sink: Sink | undefined;
  jest.isolateModules(() => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- isolateModules needs a synchronous load
    sink = require('../../src/main/support/stdout-transport') as Sink;
  });
  return sink as Sink;
}

describe('the stdout sink', () => {
  it('adds no error listener to stdout by being made: only a started service hears EPIPE', () => {
    const before = process.stdout.listenerCount('error');
    freshSink().stdoutTransport();
    expect(process.stdout.listenerCount('error')).toBe(before);
  });

  it('adds one error listener to stdout, not one per copy of its module', () => {
    const before = process.stdout.listenerCount('error');
    for (let copy = 0; copy < 3; copy += 1) {
      const sink = freshSink();
      const owner = {};
      sink.watchStdout(owner, () => true);
      sink.watchStdout(owner, () => true);
    }
    // before, each copy added its own: eleven test files in one jest worker warned MaxListenersExceeded
    expect(process.stdout.listenerCount('error')).toBeLessThanOrEqual(before + 1);
  });
});
