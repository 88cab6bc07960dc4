// Start-up that tells the truth, in real processes: a thread that cannot start fails the service
// (unless optional), Redis may be waited for, and a TypeScript thread that nothing can load is
// refused at registration. (In jest, module resolution is jest's own: these run as plain Node.)
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { DaebusCaller } from 'daebus';
import { privateRedis } from '../support/redis-server';
import { killServices, result, runService } from '../support/run-service';

const nativeTypeScript = Boolean((process.features as { typescript?: unknown }).typescript);

/**
 * Run `script` with `node -e` in `dir`, a user's project of its own, as a user's project runs it:
 * pnpm's shims set NODE_PATH to the workspace's packages, tsx among them, which a user's project
 * has none of; and this package, which has tsx, is not the working folder either (a worker looks
 * for tsx from there too). The script's `require('daebus')` is this package's build.
 */
function runAsUserProject(script: string, dir: string): Promise<{ stdout: string }> {
  const here = script.replaceAll("require('daebus')", `require(${JSON.stringify(join(__dirname, '..', '..'))})`);
  return promisify(execFile)(process.execPath, ['-e', here], { cwd: dir, env: { ...process.env, NODE_PATH: '' } });
}

describe('starting a service', () => {
  afterEach(killServices);

  it('exits 1 when a required thread cannot start, naming it, with the error and stack of the module that threw', async () => {
    const outcome = await runService('bad-thread');
    expect(outcome.code).toBe(1);
    const failure = outcome.lines.find((l) => String(l.message).startsWith('Service "child_service" did not start'));
    expect(failure?.message).toContain('thread "broken"');
    expect(failure?.message).toContain('this module fails while loading');
    // the error logged is the module's own, its stack naming the file that threw
    expect(failure?.error).toMatchObject({
      message: 'this module fails while loading',
      stack: expect.stringContaining('throws-on-import.mjs:1'),
    });
    // nothing was left running (and the line does not say the thread that did not start returned)
    expect(
      outcome.lines.some((l) =>
        String(l.message).includes('stopped, as its start failed; every action finished and every thread that started returned'),
      ),
    ).toBe(true);
  });

  it('starts without an optional thread that cannot start, and runs until stopped', async () => {
    // start() has settled every thread's start once the service says it runs
    const outcome = await runService('optional-bad', undefined, {
      onLine: (line, child) => {
        if (String(line.message).startsWith('Service "child_service" running with')) child.kill('SIGTERM');
      },
    });
    expect(outcome.code).toBe(0);
    expect(result(outcome).threads).toMatchObject({ sleeper: { state: 'stopped' }, broken: { state: 'failed' } });
  });

  it('with connectTimeoutMs, waits for Redis to come up, saying so, then serves', async () => {
    const server = await privateRedis();
    await server.stop();
    const service = `late_redis_${randomUUID()}`;
    let caller: DaebusCaller | undefined;
    let reply: unknown;
    const outcome = await runService(
      'clean',
      (child) => {
        caller = new DaebusCaller(service, { redis: server.url });
        // nothing answers on this service but its own channel: the call shows it subscribed
        void caller
          .sendRequest('nope')
          .catch((e: unknown) => e)
          .then((r) => {
            reply = r;
            child.kill('SIGTERM');
          });
      },
      {
        args: [service],
        env: { REDIS_URL: server.url, CONNECT_TIMEOUT_MS: '30000' },
        onLine: (line) => {
          if (String(line.message).startsWith('Waiting for the transport')) void server.start();
        },
      },
    );
    await caller?.close();
    expect(outcome.code).toBe(0);
    expect(outcome.lines.some((l) => String(l.message).startsWith('Waiting for the transport: Could not connect to Redis'))).toBe(true);
    expect(reply).toMatchObject({ code: 'REMOTE_ERROR', details: { remoteCode: 'UNKNOWN_ACTION' } });
  });

  it('takes a signal while the threads start as the stop it asks for: exit code 0, no start failure', async () => {
    const outcome = await runService('slow-start', undefined, {
      onLine: (line, child) => {
        if (line.loading === true) child.kill('SIGINT');
      },
    });
    expect(outcome.code).toBe(0);
    expect(outcome.lines.filter((l) => l.level === 'error')).toEqual([]);
    expect(outcome.lines.some((l) => String(l.message).includes('stopped; every action finished and every thread returned'))).toBe(true);
  });

  it('stops on a signal while modules still load, terminating each that has not finished within its shutdownTimeoutMs; exit code 0', async () => {
    // "loop" never finishes loading (a loop at its top level), "wait" awaits 10 minutes: the stop used to wait for both
    const loading = new Set<unknown>();
    const outcome = await runService('stuck-start', undefined, {
      onLine: (line, child) => {
        if (line.loading === 'loop' || line.loading === 'wait') loading.add(line.loading);
        if (loading.size === 2 && line.loading !== undefined) child.kill('SIGINT');
      },
    });
    expect(outcome.code).toBe(0);
    const { code, threads } = result(outcome);
    expect(code).toBe(0);
    for (const name of ['loop', 'wait']) {
      expect(threads[name]).toMatchObject({ state: 'stopped', lastExit: { reason: 'stopped', terminated: true } });
    }
    expect(threads.sleeper).toMatchObject({ state: 'stopped' });
    const messages = outcome.lines.map((l) => String(l.message));
    expect(messages).toContain('Thread "loop" was still loading its module 300 ms after the stop; terminating it');
    expect(messages).toContain('Thread "wait" was still loading its module 300 ms after the stop; terminating it');
    expect(messages).toContain('Service "child_service" stopped; terminated thread(s) still loading their module: loop, wait');
    expect(outcome.lines.filter((l) => l.level === 'error')).toEqual([]);
  }, 120_000);

  it('stops on Ctrl-C while a start hook never settles, leaving the hook, with exit 0', async () => {
    const outcome = await runService('stuck-hook', undefined, {
      onLine: (line, child) => {
        if (line.hook === 'running') child.kill('SIGINT');
      },
    });
    // before, the stop waited for the start, which waited for the hook: forever
    expect(outcome.code).toBe(0);
    expect(result(outcome)).toMatchObject({ code: 0, threads: { sleeper: { state: 'stopped' } } });
    const messages = outcome.lines.map((l) => String(l.message));
    // the hook after it never runs, and is named (before: not a word)
    expect(messages).toContain(
      'The start hook "hook 1" was still running when the service was asked to stop; not waited for; the hook(s) after it did not run: "warmCache"',
    );
    expect(outcome.lines).not.toContainEqual({ hook: 'warmCache ran' });
  }, 120_000);

  it("names a package's module given by its name with its path, found from the main script's folder as from the working one", async () => {
    // a workspace's root running an app of one of its packages: the package is the app's dependency only
    const root = mkdtempSync(join(tmpdir(), 'daebus-ws-'));
    const app = join(root, 'packages', 'app');
    mkdirSync(join(app, 'node_modules', 'lib'), { recursive: true });
    writeFileSync(join(app, 'node_modules', 'lib', 'worker.js'), 'module.exports = () => undefined;\n');
    const script = `try { new (require('daebus').Daebus)('x').thread('w', 'lib/worker.js'); } catch (e) { console.log(e.message); }`;
    writeFileSync(join(app, 'main.js'), script.replaceAll("require('daebus')", `require(${JSON.stringify(join(__dirname, '..', '..'))})`));
    const { stdout } = await promisify(execFile)(process.execPath, [join(app, 'main.js')], { cwd: root });
    // before: no hint from the workspace's root
    expect(stdout).toContain(`"lib/worker.js" is a package's module (${join(app, 'node_modules', 'lib', 'worker.js')}): give its path`);
  });

  it('restarts a crashed TypeScript thread, printing no warning of its own', async () => {
    const outcome = await runService('ts-restart', undefined, {
      onLine: (line, child) => {
        if (line.message === 'TypeScript thread running after 1 restart(s)') child.kill('SIGTERM');
      },
    });
    expect(outcome.code).toBe(0);
    expect(result(outcome).threads).toMatchObject({ ts: { state: 'stopped', restarts: 1 } });
    // where Node strips the types, the held worker set up the stripper without its experimental warning
    const stderr = outcome.lines.find((l) => typeof l.stderr === 'string')?.stderr;
    expect(String(stderr ?? '')).not.toContain('Warning');
  });

  (nativeTypeScript ? it.skip : it)(
    'refuses a .ts thread at registration when nothing can load TypeScript, saying how to run it',
    async () => {
      // a project of its own: no tsx to find, and the process does not run under tsx
      const dir = mkdtempSync(join(tmpdir(), 'daebus-ts-'));
      writeFileSync(join(dir, 'worker.ts'), 'export default 1;\n');
      const script = `const { Daebus } = require('daebus'); try { new Daebus('x').thread('w', ${JSON.stringify(join(dir, 'worker.ts'))}); } catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })); process.exit(0); } console.log(JSON.stringify({ code: 'NONE' }));`;
      const { stdout } = await runAsUserProject(script, dir);
      expect(JSON.parse(stdout)).toMatchObject({
        code: 'INVALID_OPTION',
        message: expect.stringContaining('Install tsx 4.9 or later in the project'),
      });
    },
  );

  // skipped where Node cannot strip types (Node 20): tsx is then the only loader
  (nativeTypeScript ? it : it.skip)(
    'where Node strips types and no tsx is found, a thread whose import Node cannot resolve fails saying to install tsx',
    async () => {
      // a project of its own, without tsx; its thread imports tsc's way, by the name helper.mts builds to
      const dir = mkdtempSync(join(tmpdir(), 'daebus-ts-'));
      writeFileSync(join(dir, 'helper.mts'), 'export const n: number = 1;\n');
      writeFileSync(join(dir, 'worker.mts'), "import { n } from './helper.mjs';\nexport default n;\n");
      const script = `const { Daebus } = require('daebus'); const app = new Daebus('ts_strip_${randomUUID().slice(0, 8)}'); app.thread('w', ${JSON.stringify(join(dir, 'worker.mts'))}); app.start().then(() => app.stop(), (e) => console.log(JSON.stringify({ code: e.code, message: e.message })));`;
      const { stdout } = await runAsUserProject(script, dir);
      // the service's own log lines come first
      const failure = JSON.parse(stdout.trim().split('\n').pop() as string) as { code: string; message: string };
      expect(failure.code).toBe('THREAD_START_FAILED');
      expect(failure.message).toContain("Cannot find module '" + join(dir, 'helper.mjs'));
      expect(failure.message).toContain('install tsx in the project: npm i -D tsx');
    },
  );

  (nativeTypeScript ? it : it.skip)(
    'where Node strips types, a thread that does not parse fails naming its file and line; one importing a file that is not there gets no tsx advice',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'daebus-ts-'));
      writeFileSync(join(dir, 'broken.mts'), 'export default 1;\nconst x: number = ;\n');
      writeFileSync(join(dir, 'lost.mts'), "import { n } from './not-there.mjs';\nexport default n;\n");
      const failures: { code: string; message: string }[] = [];
      for (const file of ['broken.mts', 'lost.mts']) {
        const script = `const { Daebus } = require('daebus'); const app = new Daebus('ts_site_${randomUUID().slice(0, 8)}'); app.thread('w', ${JSON.stringify(join(dir, file))}); app.start().then(() => app.stop(), (e) => console.log(JSON.stringify({ code: e.code, message: e.message })));`;
        const { stdout } = await runAsUserProject(script, dir);
        failures.push(JSON.parse(stdout.trim().split('\n').pop() as string) as { code: string; message: string });
      }
      // before: "...broken.mts: Expression expected" with no line; and the advice for tsc's './helper.js' imports
      expect(failures[0]).toMatchObject({
        code: 'THREAD_START_FAILED',
        message: expect.stringContaining(`(at ${join(dir, 'broken.mts')}:2)`),
      });
      expect(failures[1]).toMatchObject({
        code: 'THREAD_START_FAILED',
        message: expect.stringContaining("Cannot find module '" + join(dir, 'not-there.mjs')),
      });
      expect(failures[1]?.message).not.toContain('tsx');
    },
  );

  (nativeTypeScript ? it : it.skip)(
    'where Node strips types and no tsx is found, a .ts thread inside node_modules is refused at registration, saying why',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'daebus-ts-'));
      mkdirSync(join(dir, 'node_modules', 'pkg'), { recursive: true });
      writeFileSync(join(dir, 'node_modules', 'pkg', 'worker.mts'), 'export default async () => undefined;\n');
      const file = join(dir, 'node_modules', 'pkg', 'worker.mts');
      const script = `const { Daebus } = require('daebus'); try { new Daebus('x').thread('w', ${JSON.stringify(file)}); console.log(JSON.stringify({ code: 'NONE' })); } catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })); }`;
      const { stdout } = await runAsUserProject(script, dir);
      // before: accepted, then the start failed with Node's "Stripping types is currently unsupported for files under node_modules"
      expect(JSON.parse(stdout)).toMatchObject({
        code: 'INVALID_OPTION',
        message: expect.stringContaining('is TypeScript inside node_modules'),
      });
    },
  );

  (nativeTypeScript ? it : it.skip)(
    'where Node strips types, a thread using syntax it cannot erase (enum) fails saying what to do',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'daebus-ts-'));
      writeFileSync(join(dir, 'worker.mts'), 'enum Color { Red }\nexport default Color.Red;\n');
      const script = `const { Daebus } = require('daebus'); const app = new Daebus('ts_enum_${randomUUID().slice(0, 8)}'); app.thread('w', ${JSON.stringify(join(dir, 'worker.mts'))}); app.start().then(() => app.stop(), (e) => console.log(JSON.stringify({ code: e.code, message: e.message })));`;
      const { stdout } = await runAsUserProject(script, dir);
      const failure = JSON.parse(stdout.trim().split('\n').pop() as string) as { code: string; message: string };
      expect(failure.code).toBe('THREAD_START_FAILED');
      expect(failure.message).toMatch(/cannot run enum.*erasableSyntaxOnly/);
    },
  );

  (nativeTypeScript ? it : it.skip)(
    'where Node strips types and the tsx found is too old, a thread whose import Node cannot resolve fails naming that tsx',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'daebus-ts-'));
      mkdirSync(join(dir, 'node_modules', 'tsx'), { recursive: true });
      writeFileSync(
        join(dir, 'node_modules', 'tsx', 'package.json'),
        JSON.stringify({ name: 'tsx', version: '4.7.0', exports: { '.': './dist/loader.mjs', './package.json': './package.json' } }),
      );
      writeFileSync(join(dir, 'helper.mts'), 'export const n: number = 1;\n');
      writeFileSync(join(dir, 'worker.mts'), "import { n } from './helper.mjs';\nexport default n;\n");
      const script = `const { Daebus } = require('daebus'); const app = new Daebus('ts_oldstrip_${randomUUID().slice(0, 8)}'); app.thread('w', ${JSON.stringify(join(dir, 'worker.mts'))}); app.start().then(() => app.stop(), (e) => console.log(JSON.stringify({ code: e.code, message: e.message })));`;
      const { stdout } = await runAsUserProject(script, dir);
      const failure = JSON.parse(stdout.trim().split('\n').pop() as string) as { code: string; message: string };
      expect(failure.code).toBe('THREAD_START_FAILED');
      // before: "no tsx 4.9 or later was found ... Run the service with tsx", to a service run with that tsx
      expect(failure.message).toContain(`the tsx found (tsx 4.7.0, ${join(dir, 'node_modules', 'tsx', 'package.json')}) is older than 4.9`);
      expect(failure.message).toContain('Update tsx (npm i -D tsx@latest)');
      expect(failure.message).not.toContain('Run the service with tsx');
    },
  );

  it('does not use a tsx too old for the worker (before 4.9): Node strips the types where it can, else the refusal says so', async () => {
    // a project with an old tsx: its package.json exports no register API
    const dir = mkdtempSync(join(tmpdir(), 'daebus-ts-'));
    mkdirSync(join(dir, 'node_modules', 'tsx'), { recursive: true });
    writeFileSync(
      join(dir, 'node_modules', 'tsx', 'package.json'),
      JSON.stringify({ name: 'tsx', version: '4.0.0', exports: { '.': './dist/loader.mjs', './package.json': './package.json' } }),
    );
    const threadEntry = JSON.stringify(pathToFileURL(join(__dirname, '..', '..', 'dist', 'thread', 'index.mjs')).href);
    writeFileSync(
      join(dir, 'worker.mts'),
      `import { defineThread } from ${threadEntry};\nconst pause: number = 10;\nexport default defineThread(async (running, t) => { while (running()) await t.sleep(pause); });\n`,
    );
    const script = `const { Daebus } = require('daebus'); const app = new Daebus('ts_old_${randomUUID().slice(0, 8)}'); try { app.thread('m', ${JSON.stringify(join(dir, 'worker.mts'))}); } catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })); process.exit(0); } app.start().then(() => { console.log(JSON.stringify({ code: 'STARTED' })); return app.stop(); }, (e) => console.log(JSON.stringify({ code: e.code, message: e.message })));`;
    const { stdout } = await runAsUserProject(script, dir);
    // the outcome's line, among the service's own log lines
    const lines = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { code?: string; message?: string });
    const outcome = lines.find((line) => line.code !== undefined);
    if (nativeTypeScript) expect(outcome).toEqual({ code: 'STARTED' });
    else expect(outcome).toMatchObject({ code: 'INVALID_OPTION', message: expect.stringContaining('older than 4.9') });
  });
});
