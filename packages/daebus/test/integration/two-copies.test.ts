// Two copies of daebus in one process (a service package and a client package resolving different
// copies): their memory transports share the default broker's channels, as the README says of
// every memory transport of the process.
import { randomUUID } from 'node:crypto';
import type * as Daebus from 'daebus';
import { captureLogger } from '../support/helpers';

/** A fresh copy of the built main entry: its own module instances, as a second installed copy has. */
function loadCopy(): typeof Daebus {
  let copy: typeof Daebus | undefined;
  jest.isolateModules(() => {
    copy = jest.requireActual<typeof Daebus>('daebus');
  });
  return copy as typeof Daebus;
}

const first = loadCopy();
const second = loadCopy();
const closers: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

describe('two copies of daebus in one process, on the memory transport', () => {
  it('are two copies', () => {
    expect(first.Daebus).not.toBe(second.Daebus);
  });

  it("answer one copy's caller from the other copy's service, both ways", async () => {
    for (const [serviceCopy, callerCopy] of [
      [first, second],
      [second, first],
    ] as const) {
      const service = `two_copies_${randomUUID()}`;
      const app = new serviceCopy.Daebus(service, { logger: captureLogger().logger });
      app.action('echo', (payload: Record<string, unknown>) => ({ echoed: payload.text }));
      closers.push(() => app.stop());
      await app.start({ service, transport: 'memory' });
      const caller = new callerCopy.DaebusCaller(service, { transport: 'memory' });
      closers.push(() => caller.close());
      await expect(caller.sendRequest('echo', { text: 'across' }, { timeoutMs: 5_000 })).resolves.toEqual({ echoed: 'across' });
    }
  });

  it("take a blueprint made with the other copy (a plugin package's own install) on an app", async () => {
    const service = `two_copies_${randomUUID()}`;
    const plugin = new second.Blueprint('plugin').action('plugin_ping', () => ({ pong: true }));
    const app = new first.Daebus(service, { logger: captureLogger().logger });
    // before (this round's first version): registered nothing, without a word
    app.registerBlueprint(plugin);
    closers.push(() => app.stop());
    await app.start({ service, transport: 'memory' });
    const caller = new first.DaebusCaller(service, { transport: 'memory' });
    closers.push(() => caller.close());
    await expect(caller.sendRequest('plugin_ping', {}, { timeoutMs: 5_000 })).resolves.toEqual({ pong: true });
    // what is no blueprint is refused, saying what was expected
    expect(() => app.registerBlueprint({ name: 'fake' } as unknown as Daebus.Blueprint)).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/expected a Blueprint/) }),
    );
  });
});
