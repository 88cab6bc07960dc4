// The signal handlers run() installs: a repeat of the first signal within REPEAT_WINDOW_MS is the
// same stop delivered twice, also when the stop was over before the repeat came; a signal after
// such a stop, while the process winds down, ends it with the stop's code, not Node's 130/143.
import { installSignalHandlers, REPEAT_WINDOW_MS } from '../../src/main/app/signals';

describe('signal handlers', () => {
  it('stay until the repeat window of the first signal ends, when removed inside it: a repeat is ignored, not Node-default', async () => {
    const before = process.listenerCount('SIGINT');
    const seen: string[] = [];
    const remove = installSignalHandlers({
      stop: (s) => seen.push(`stop ${s}`),
      force: (s) => seen.push(`force ${s}`),
      exit: () => undefined,
    });
    process.emit('SIGINT', 'SIGINT');
    remove(); // the stop was quick: run() removes its handlers at once
    // before, none was left, and the repeat got Node's default: the process ended with 130
    expect(process.listenerCount('SIGINT')).toBe(before + 1);
    process.emit('SIGINT', 'SIGINT');
    expect(seen).toEqual(['stop SIGINT']);
    await new Promise((resolve) => setTimeout(resolve, REPEAT_WINDOW_MS + 20));
    // the run's handlers are gone; what hears a late signal stays until the next run
    installSignalHandlers({ stop: () => undefined, force: () => undefined, exit: () => undefined })();
    expect(process.listenerCount('SIGINT')).toBe(before);
  });

  it('go at once when no signal came, and a signal past the window forces the stop', async () => {
    const before = process.listenerCount('SIGTERM');
    const unsignalled = installSignalHandlers({ stop: () => undefined, force: () => undefined, exit: () => undefined });
    unsignalled();
    expect(process.listenerCount('SIGTERM')).toBe(before);
    const seen: string[] = [];
    const remove = installSignalHandlers({
      stop: (s) => seen.push(`stop ${s}`),
      force: (s) => seen.push(`force ${s}`),
      exit: () => undefined,
    });
    process.emit('SIGTERM', 'SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, REPEAT_WINDOW_MS + 20));
    process.emit('SIGTERM', 'SIGTERM');
    expect(seen).toEqual(['stop SIGTERM', 'force SIGTERM']);
    // the second stop delivered twice (tsx relays Ctrl-C, and the terminal sends it too): forced once (before: twice)
    await new Promise((resolve) => setTimeout(resolve, 30));
    process.emit('SIGTERM', 'SIGTERM');
    expect(seen).toEqual(['stop SIGTERM', 'force SIGTERM']);
    remove();
    installSignalHandlers({ stop: () => undefined, force: () => undefined, exit: () => undefined })();
    expect(process.listenerCount('SIGTERM')).toBe(before);
  });

  it('after a stop a signal began, end the process on a late signal with the exit code set, when nothing else listens', () =>
    aloneOnSigint(async (exit) => {
      const remove = installSignalHandlers({ stop: () => undefined, force: () => undefined, exit: () => process.exit() });
      process.emit('SIGINT', 'SIGINT');
      remove();
      await new Promise((resolve) => setTimeout(resolve, REPEAT_WINDOW_MS + 20));
      expect(process.listenerCount('SIGINT')).toBe(1);
      // before: no listener, and Node's default ended the process with 130 after a clean stop
      process.emit('SIGINT', 'SIGINT');
      expect(exit).toHaveBeenCalledTimes(1);
      expect(exit).toHaveBeenCalledWith();
      // a listener of the program's own: it decides
      const own = (): void => undefined;
      process.on('SIGINT', own);
      process.emit('SIGINT', 'SIGINT');
      process.off('SIGINT', own);
      expect(exit).toHaveBeenCalledTimes(1);
    }));
});

describe('after the stops of two apps a signal began', () => {
  it('a late signal still ends the process: one listener hears it, not one per app', () =>
    aloneOnSigint(async (exit) => {
      const removals = [0, 1].map(() =>
        installSignalHandlers({ stop: () => undefined, force: () => undefined, exit: () => process.exit() }),
      );
      process.emit('SIGINT', 'SIGINT');
      for (const remove of removals) remove();
      await new Promise((resolve) => setTimeout(resolve, REPEAT_WINDOW_MS + 20));
      // before: one late listener per app, each deferring to the other, and the signal was swallowed for good
      expect(process.listenerCount('SIGINT')).toBe(1);
      process.emit('SIGINT', 'SIGINT');
      expect(exit).toHaveBeenCalledTimes(1);
    }));
});

/** Run `body` with no SIGINT listener but the library's (jest's set aside) and process.exit mocked; the late listener removed after. */
async function aloneOnSigint(body: (exit: jest.SpyInstance) => Promise<void>): Promise<void> {
  const others = process.listeners('SIGINT');
  for (const listener of others) process.off('SIGINT', listener);
  const exit = jest.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
  try {
    await body(exit);
  } finally {
    installSignalHandlers({ stop: () => undefined, force: () => undefined, exit: () => undefined })();
    exit.mockRestore();
    for (const listener of others) process.on('SIGINT', listener);
  }
}

describe('process listeners of many apps', () => {
  it('are one per event however many apps run (Node warns past ten)', () => {
    const before = process.listenerCount('SIGINT');
    const removals = Array.from({ length: 15 }, () =>
      installSignalHandlers({ stop: () => undefined, force: () => undefined, exit: () => undefined }),
    );
    expect(process.listenerCount('SIGINT')).toBe(before + 1);
    for (const remove of removals) remove();
    expect(process.listenerCount('SIGINT')).toBe(before);
  });
});
