// The library's worker files, checked before any worker is made: daebus bundled into a service's
// own file (its dist/thread left behind) is refused with LIBRARY_FILES_MISSING and advice, at
// registration, instead of workers failing one by one with "Cannot find module".
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { checkWorkerFiles } from '../../src/main/workers/worker-path';

const dist = join(__dirname, '..', '..', 'dist');

describe('the worker files check', () => {
  it('refuses a folder without the worker entries, naming the path and what to do', () => {
    const missing = join(tmpdir(), 'no-such-daebus', 'thread');
    expect(() => checkWorkerFiles(missing)).toThrow(
      expect.objectContaining({
        code: 'LIBRARY_FILES_MISSING',
        message: expect.stringMatching(/no-such-daebus\/thread\/worker-entry\.js does not exist.*--external:daebus/),
      }),
    );
  });

  it('accepts the built dist/thread', () => {
    expect(() => checkWorkerFiles(join(dist, 'thread'))).not.toThrow();
  });

  it('refuses the registration of a module thread, a pooled action or an inline thread in a service bundled with daebus inside', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'daebus-bundled-'));
    try {
      writeFileSync(
        join(dir, 'service.js'),
        `const { Daebus } = require(${JSON.stringify(join(dist, 'main', 'index.js'))});
const app = new Daebus('bundled');
for (const register of [() => app.thread('t', __filename), () => app.action('a', { module: __filename }), () => app.thread('i', () => {})]) {
  try { register(); console.log('registered'); } catch (e) { console.log(e.code, e.message); }
}`,
      );
      await build({
        entryPoints: [join(dir, 'service.js')],
        bundle: true,
        platform: 'node',
        format: 'cjs',
        outfile: join(dir, 'out', 'service.js'),
        logLevel: 'error',
      });
      const lines = execFileSync(process.execPath, [join(dir, 'out', 'service.js')], { encoding: 'utf8' })
        .trim()
        .split('\n');
      expect(lines).toHaveLength(3);
      for (const line of lines)
        expect(line).toMatch(/^LIBRARY_FILES_MISSING .*worker-entry\.js does not exist.*leave daebus out of the bundle/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
