// A .ts thread module of a linked or workspace package lives outside the app that runs it, where
// no tsx is installed: on Node 20 the app's tsx (found from the script Node runs, or from the
// working folder) loads it; it was refused with "Install tsx in the project" though the app had tsx.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fixture } from '../support/helpers';

const run = promisify(execFile);
const packageRoot = join(__dirname, '..', '..');
const nodeStrips = Boolean((process.features as { typescript?: unknown }).typescript);

describe('a .ts thread module of a library outside the app', () => {
  let outside: string;
  let library: string;
  beforeAll(() => {
    outside = mkdtempSync(join(tmpdir(), 'daebus-ts-library-'));
    mkdirSync(join(outside, 'lib', 'threads'), { recursive: true });
    mkdirSync(join(outside, 'lib', 'node_modules'));
    // the library reaches daebus through a link, as a workspace does; tsx it has none
    symlinkSync(packageRoot, join(outside, 'lib', 'node_modules', 'daebus'), 'dir');
    library = join(outside, 'lib', 'threads', 'worker.ts');
    writeFileSync(
      library,
      "import { defineThread } from 'daebus/thread';\nconst n: number = 1;\nexport default defineThread(() => { if (n !== 1) throw new Error('no'); });\n",
    );
    // an app with no tsx either, that reaches daebus the same way
    mkdirSync(join(outside, 'app', 'node_modules'), { recursive: true });
    symlinkSync(packageRoot, join(outside, 'app', 'node_modules', 'daebus'), 'dir');
    copyFileSync(fixture('ts-library-app.cjs'), join(outside, 'app', 'service.cjs'));
  });
  afterAll(() => rmSync(outside, { recursive: true, force: true }));

  /** What the app `script` says of the library's thread, run from `cwd` (npx's NODE_PATH would find any tsx). */
  async function outcome(script: string, cwd: string): Promise<Record<string, unknown>> {
    const { stdout } = await run(process.execPath, [script, library], { cwd, env: { ...process.env, NODE_OPTIONS: '', NODE_PATH: '' } });
    return JSON.parse(stdout.trim().split('\n').pop() as string) as Record<string, unknown>;
  }

  it("runs it with the tsx of the app Node runs (this package's)", async () => {
    await expect(outcome(fixture('ts-library-app.cjs'), outside)).resolves.toEqual({ exit: 'normal' });
  }, 30_000);

  it('runs it with the tsx of the working folder', async () => {
    await expect(outcome(join(outside, 'app', 'service.cjs'), packageRoot)).resolves.toEqual({ exit: 'normal' });
  }, 30_000);

  // where Node strips types itself it runs the module without tsx: nothing is refused
  (nodeStrips ? it.skip : it)(
    'when no tsx is anywhere, says where it looked',
    async () => {
      const said = await outcome(join(outside, 'app', 'service.cjs'), outside);
      expect(said.refused).toBe('INVALID_OPTION');
      expect(said.message).toContain(
        `No usable tsx was found from ${join(outside, 'lib', 'threads')}, ${join(outside, 'app')}, ${outside}.`,
      );
    },
    30_000,
  );
});
