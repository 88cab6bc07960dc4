// An inline thread's source compiled in its worker: at the place the main side found it written,
// or, when it found none, named after the thread.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadThreadFunction } from '../../src/thread/load';
import { inlineOrigin } from '../../src/main/supervisor/inline-origin';

const SOURCE = "(() => {\n  throw new Error('boom');\n})";

async function stackOf(origin?: { file: string; line: number; column: number }): Promise<string> {
  const fn = await loadThreadFunction('w', origin ? { kind: 'inline', source: SOURCE, origin } : { kind: 'inline', source: SOURCE });
  try {
    await fn(() => true, {} as never);
  } catch (err) {
    return (err as Error).stack ?? '';
  }
  return 'did not throw';
}

describe('inline thread compilation', () => {
  it('compiles the source as the file and place it was written at', async () => {
    expect(await stackOf({ file: '/srv/app/service.js', line: 40, column: 12 })).toMatch(/\/srv\/app\/service\.js:41:9\)/);
  });

  it('compiles the source at column 1 of its line when the place given has no room left of it, rather than fail', async () => {
    expect(await stackOf({ file: '/srv/app/service.js', line: 40, column: -14 })).toMatch(/\/srv\/app\/service\.js:41:9\)/);
    expect(await stackOf({ file: '/srv/app/service.js', line: 0, column: 0 })).toMatch(/\/srv\/app\/service\.js:2:9\)/);
  });

  it('names the thread when the place is not known', async () => {
    expect(await stackOf()).toMatch(/inline-thread:w:2:9\)/);
  });

  it("finds the place whatever the process's Error.prepareStackTrace makes of a stack", () => {
    // a file that registers a function written in it, as a service registers an inline thread
    const file = join(mkdtempSync(join(tmpdir(), 'inline-origin-')), 'service.js');
    writeFileSync(file, 'exports.register = (find) => find((running) => {\n  return running;\n});\n');
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the file written just above
    const { register } = require(file) as { register: (find: typeof inlineOrigin) => unknown };
    const saved = Error.prepareStackTrace;
    try {
      // one that returns no string (before: registration threw a TypeError), and one mapping positions elsewhere
      for (const prepare of [() => 42, () => 'Error\n    at elsewhere (/nowhere/x.ts:1:1)', undefined]) {
        Error.prepareStackTrace = prepare as never;
        expect(register(inlineOrigin)).toEqual({ file, line: 1, column: 35 });
        expect(Error.prepareStackTrace).toBe(prepare);
      }
    } finally {
      Error.prepareStackTrace = saved;
    }
  });

  it('finds no place for a function whose text is in no file of the stack', () => {
    expect(inlineOrigin(new Function('running', 'return 1;') as () => unknown)).toBeUndefined();
  });
});
