// The default log sink watches stdout for EPIPE once per process, however many copies of the module load.
describe('the stdout sink', () => {
  it('adds one error listener to stdout, not one per copy of its module', () => {
    const before = process.stdout.listenerCount('error');
    for (let copy = 0; copy < 3; copy += 1) {
      // a fresh module registry each time: as jest does per test file, or the CommonJS and ESM builds side by side
      jest.isolateModules(() => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- isolateModules needs a synchronous load
        const sink = require('../../src/main/support/stdout-transport') as typeof import('../../src/main/support/stdout-transport');
        const { stdoutTransport } = sink;
        stdoutTransport();
        stdoutTransport();
      });
    }
    // before, each copy added its own: eleven test files in one jest worker warned MaxListenersExceeded
    expect(process.stdout.listenerCount('error')).toBeLessThanOrEqual(before + 1);
  });
});
