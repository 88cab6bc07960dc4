// The signal handlers run() installs: a repeat of the first signal within REPEAT_WINDOW_MS is the
// same stop delivered twice, also when the stop was over before the repeat came.
import { installSignalHandlers, REPEAT_WINDOW_MS } from '../../src/main/app/signals';
import { waitFor } from '../support/helpers';

describe('signal handlers', () => {
  it('stay until the repeat window of the first signal ends, when removed inside it: a repeat is ignored, not Node-default', async () => {
    const before = process.listenerCount('SIGINT');
    const seen: string[] = [];
    const remove = installSignalHandlers({ stop: (s) => seen.push(`stop ${s}`), force: (s) => seen.push(`force ${s}`) });
    process.emit('SIGINT', 'SIGINT');
    remove(); // the stop was quick: run() removes its handlers at once
    // before, none was left, and the repeat got Node's default: the process ended with 130
    expect(process.listenerCount('SIGINT')).toBe(before + 1);
    process.emit('SIGINT', 'SIGINT');
    expect(seen).toEqual(['stop SIGINT']);
    await waitFor(() => process.listenerCount('SIGINT') === before, `the handlers gone after ${REPEAT_WINDOW_MS} ms`);
  });

  it('go at once when no signal came, and a signal past the window forces the stop', async () => {
    const before = process.listenerCount('SIGTERM');
    const unsignalled = installSignalHandlers({ stop: () => undefined, force: () => undefined });
    unsignalled();
    expect(process.listenerCount('SIGTERM')).toBe(before);
    const seen: string[] = [];
    const remove = installSignalHandlers({ stop: (s) => seen.push(`stop ${s}`), force: (s) => seen.push(`force ${s}`) });
    process.emit('SIGTERM', 'SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, REPEAT_WINDOW_MS + 20));
    process.emit('SIGTERM', 'SIGTERM');
    expect(seen).toEqual(['stop SIGTERM', 'force SIGTERM']);
    remove();
    expect(process.listenerCount('SIGTERM')).toBe(before);
  });
});
