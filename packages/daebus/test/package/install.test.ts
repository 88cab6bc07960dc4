// The package as a user meets it: packed, installed from the tarball into fresh projects outside
// this workspace (an ES module project with NodeNext resolution, a CommonJS one with node10
// resolution), compiled with tsc, run, called over Redis (by a caller and by the installed
// `daebus` command), and stopped with SIGINT.
import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DaebusCaller } from 'daebus';
import { TEST_REDIS_URL } from '../support/redis-server';

const run = promisify(execFile);
const PACKAGE = join(__dirname, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'daebus-install-'));
let tarball = '';

jest.setTimeout(600_000);

beforeAll(async () => {
  // the suite runs on a fresh build: pack it as it is
  const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: PACKAGE });
  tarball = join(work, (JSON.parse(stdout) as { filename: string }[])[0]?.filename ?? '');
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const THREAD = `import { defineThread } from 'daebus/thread';

export default defineThread<{ every: number }>(async (running, t) => {
  const ticks = t.map<number>('ticks');
  while (running()) {
    await ticks.increment('module');
    await t.sleep(t.workerData.every);
  }
});
`;

const HANDLER = `import { defineHandler } from 'daebus/thread';

export default defineHandler<{ n: number }, { square: number }>((payload) => ({ square: payload.n * payload.n }));
`;

/** The service, the same in both projects but for how it names its modules. */
function service(here: (file: string) => string): string {
  return `import { Daebus } from 'daebus';

interface Api {
  ticks: { result: { module: number; inline: number } };
  square: { payload: { n: number }; result: { square: number } };
}

const app = new Daebus<Api>('installed');
app.thread('counter', ${here('thread.js')}, { workerData: { every: 20 } });
app.thread('inline', async (running, t) => {
  while (running()) {
    await t.map<number>('ticks').increment('inline');
    await t.sleep(20);
  }
});
app.action('ticks', async () => {
  const ticks = await app.map<number>('ticks').snapshot();
  return { module: ticks.module ?? 0, inline: ticks.inline ?? 0 };
});
app.action('square', { module: ${here('square.js')} });
app.onStart(() => console.log(JSON.stringify({ ready: true })));
void app.run({ service: process.argv[2], redis: process.env.TEST_REDIS });
`;
}

const PROJECTS = {
  esm: {
    packageJson: { type: 'module' },
    tsconfig: { module: 'NodeNext', moduleResolution: 'NodeNext' },
    here: (file: string) => `new URL('./${file}', import.meta.url)`,
  },
  commonjs: {
    packageJson: {},
    // no esModuleInterop (off by default for CommonJS): the declarations must not reach types that need it
    tsconfig: { module: 'CommonJS', moduleResolution: 'node10' },
    here: (file: string) => `require('node:path').join(__dirname, '${file}')`,
  },
} as const;

/** Runs the service `script` of the project in `dir`, calls it (a caller, the `daebus` command), stops it with SIGINT. */
async function runsAndAnswers(dir: string, script: string, name: string): Promise<void> {
  const child = spawn(process.execPath, [script, name], {
    cwd: dir,
    env: { ...process.env, TEST_REDIS: TEST_REDIS_URL, LOG_FORMAT: 'json' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('"ready":true')) resolve();
    });
    void exited.then((code) => reject(new Error(`the service exited (${String(code)}) before it was ready: ${stderr}`)));
  });
  const caller = new DaebusCaller(name, { redis: TEST_REDIS_URL, timeoutMs: 20_000 });
  try {
    await expect(caller.sendRequest('square', { n: 7 })).resolves.toEqual({ square: 49 });
    let ticks = { module: 0, inline: 0 };
    while (ticks.module === 0 || ticks.inline === 0) ticks = (await caller.sendRequest('ticks')) as typeof ticks;
    // the `daebus` command the package installs, run as a user runs it (shebang, bin link, commander)
    const bin = join(dir, 'node_modules', '.bin', 'daebus');
    const cli = await run(bin, ['--redis', TEST_REDIS_URL, 'call', name, 'square', '{"n": 6}'], { cwd: dir });
    expect(JSON.parse(cli.stdout)).toEqual({ square: 36 });
  } finally {
    await caller.close();
  }
  child.kill('SIGINT');
  expect(await exited).toBe(0);
  expect(stderr).toBe('');
}

describe('the packed package', () => {
  it('holds its license, the docs its README links, and source maps with their sources', async () => {
    const list = await run('tar', ['-tzf', tarball]);
    const files = list.stdout.split('\n').filter(Boolean);
    expect(files).toEqual(
      expect.arrayContaining([
        'package/LICENSE',
        'package/README.md',
        'package/docs/protocol.md',
        'package/docs/architecture.md',
        'package/docs/cli.md',
      ]),
    );
    const unpacked = join(work, 'unpacked');
    mkdirSync(unpacked);
    await run('tar', ['-xzf', tarball, '-C', unpacked]);
    const readme = readFileSync(join(unpacked, 'package', 'README.md'), 'utf8');
    const links = [...readme.matchAll(/\]\((?!https?:|#)([^)]+)\)/g)].map((m) => `package/${m[1]}`);
    expect(links.filter((link) => !files.includes(link))).toEqual([]);
    const maps = files.filter((f) => f.endsWith('.map'));
    expect(maps.length).toBeGreaterThan(10);
    const withoutSources = maps.filter((map) => {
      const parsed = JSON.parse(readFileSync(join(unpacked, map), 'utf8')) as { sources: string[]; sourcesContent?: unknown[] };
      return !parsed.sourcesContent || parsed.sourcesContent.length !== parsed.sources.length;
    });
    expect(withoutSources).toEqual([]);
  });

  it.each(Object.keys(PROJECTS) as (keyof typeof PROJECTS)[])(
    'installs into a fresh %s project, compiles with tsc, runs, answers, and stops on SIGINT with exit code 0',
    async (kind) => {
      const project = PROJECTS[kind];
      const dir = join(work, kind);
      mkdirSync(join(dir, 'src'), { recursive: true });
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `user-${kind}`, private: true, ...project.packageJson }));
      writeFileSync(
        join(dir, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            target: 'ES2022',
            strict: true,
            outDir: 'dist',
            rootDir: 'src',
            skipLibCheck: false,
            types: ['node'],
            ...project.tsconfig,
          },
          include: ['src'],
        }),
      );
      writeFileSync(join(dir, 'src', 'thread.ts'), THREAD);
      writeFileSync(join(dir, 'src', 'square.ts'), HANDLER);
      writeFileSync(join(dir, 'src', 'service.ts'), service(project.here));
      await run('npm', ['install', '--no-audit', '--no-fund', tarball, 'typescript@5.9.3', '@types/node@20'], {
        cwd: dir,
        timeout: 240_000,
      });
      await run(process.execPath, [join(dir, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir], { cwd: dir });
      expect(readdirSync(join(dir, 'dist')).sort()).toEqual(['service.js', 'square.js', 'thread.js']);

      await runsAndAnswers(dir, join(dir, 'dist', 'service.js'), `installed_${kind}_${randomUUID()}`);
    },
  );

  it("runs as a bundle built as the README's Bundling says: ES module output, daebus external, thread and pooled modules as their own entry points", async () => {
    const dir = join(work, 'bundled');
    mkdirSync(join(dir, 'src'), { recursive: true });
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'user-bundled', private: true, type: 'module' }));
    writeFileSync(join(dir, 'src', 'thread.ts'), THREAD);
    writeFileSync(join(dir, 'src', 'square.ts'), HANDLER);
    writeFileSync(join(dir, 'src', 'service.ts'), service(PROJECTS.esm.here));
    await run('npm', ['install', '--no-audit', '--no-fund', tarball], { cwd: dir, timeout: 240_000 });
    const esbuild = join(PACKAGE, 'node_modules', '.bin', 'esbuild');
    const entries = ['src/service.ts', 'src/thread.ts', 'src/square.ts'];
    await run(
      esbuild,
      [...entries, '--bundle', '--platform=node', '--format=esm', '--external:daebus', '--outdir=out', '--log-level=error'],
      { cwd: dir },
    );
    expect(readdirSync(join(dir, 'out')).sort()).toEqual(['service.js', 'square.js', 'thread.js']);
    await runsAndAnswers(dir, join(dir, 'out', 'service.js'), `bundled_${randomUUID()}`);
  });
});
